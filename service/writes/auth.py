"""Bearer-token check for writes: constant-time, and the token itself is never recorded."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass


@dataclass(frozen=True)
class Denied:
    status: int
    message: str


def token_identity(token: str) -> str:
    """A stable, non-secret name for a token (recorded as the writer): a sha256 prefix."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:12]


def authorize(header: str | None, configured: str) -> str | Denied:
    """The writer's identity, or why the request is denied (403 disabled, 401 missing, 403 wrong)."""
    if not configured:
        return Denied(403, "writes are disabled: no write token is configured")
    scheme, _, supplied = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not supplied.strip():
        return Denied(401, "writes need an Authorization: Bearer <token> header")
    if not hmac.compare_digest(supplied.strip().encode("utf-8"), configured.encode("utf-8")):
        return Denied(403, "the write token is not valid")
    return token_identity(configured)
