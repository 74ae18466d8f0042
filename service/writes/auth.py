"""Bearer-token check for writes: constant-time, and the token itself is never recorded."""

from __future__ import annotations

import hashlib
import hmac

from service.problems import Problem

#: Sent with a 401, so a client knows which credentials the write endpoints take.
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="citynet-writes"'}


def token_identity(token: str) -> str:
    """A stable, non-secret name for a token (recorded as the writer): a sha256 prefix."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:12]


def authorize(header: str | None, configured: str) -> str:
    """The writer's identity; a Problem when the request is denied (403 writes disabled,
    401 no token, 403 wrong token)."""
    if not configured:
        raise Problem(403, "writes are disabled: no write token is configured")
    scheme, _, supplied = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not supplied.strip():
        raise Problem(401, "writes need an Authorization: Bearer <token> header",
                      headers=CHALLENGE)
    if not hmac.compare_digest(supplied.strip().encode("utf-8"), configured.encode("utf-8")):
        raise Problem(403, "the write token is not valid")
    return token_identity(configured)
