"""HTTP caching per release: data changes only at a build, so the release id is the ETag basis.

ETag = release id plus the variant (path, format, language …); Last-Modified = the time the
release was built. A conditional request that matches gets 304 before any query runs.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import Response, request
from werkzeug.http import http_date

from service.store.release import Release

#: Responses are fresh for a while and then revalidated (cheap: a 304 costs no query).
CACHE_CONTROL = "public, max-age=300, must-revalidate"


def etag_for(release: Release, *variant: str) -> str:
    """A strong ETag value (without quotes) for one variant of a response in this release."""
    digest = hashlib.sha256("\x1f".join(variant).encode()).hexdigest()[:12]
    return f"{release.id}-{digest}"


def last_modified(release: Release) -> datetime | None:
    try:
        return datetime.fromisoformat(release.built)
    except (TypeError, ValueError):
        return None


def not_modified(release: Release, etag: str) -> Response | None:
    """A 304 response when the client's cached copy is current, else None.

    If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
    """
    if request.if_none_match:
        if request.if_none_match.contains(etag) or request.if_none_match.star_tag:
            return _stamp(Response(status=304), release, etag)
        return None
    modified = last_modified(release)
    since = request.if_modified_since
    if since is not None and modified is not None and modified.replace(microsecond=0) <= since:
        return _stamp(Response(status=304), release, etag)
    return None


def _stamp(response: Response, release: Release, etag: str) -> Response:
    response.set_etag(etag)
    modified = last_modified(release)
    if modified is not None:
        response.headers["Last-Modified"] = http_date(modified)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def stamp(response: Response, release: Release, etag: str) -> Response:
    """Set ETag, Last-Modified and Cache-Control on a fresh response."""
    return _stamp(response, release, etag)
