"""One way to answer with a representation: ETag, 304, Vary, Content-Location, Cache-Control.

A route validates its input, chooses the representation (negotiation's result becomes a
:class:`Representation`), and hands :meth:`Representation.respond` a function that fetches
and renders the body. The helper answers 304 when the client's copy is current (weak
comparison, RFC 9110 §13.1.2, so nginx's ``W/"…"`` after gzip matches), else renders the
body and marks it for the release cache (:mod:`service.web.http_cache`, which sends it again
without entering the route); a 200 and its 304 carry the same ETag,
Last-Modified, Vary, Content-Location and Cache-Control (RFC 9110 §15.4.5).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from flask import Response, current_app, request
from werkzeug.http import http_date

from service.store.release import Release
from service.web.http_cache import mark
from service.web.response_cache import Body

#: Responses are fresh for a while and then revalidated (cheap: a 304 costs no query).
CACHE_CONTROL = "public, max-age=300, must-revalidate"
NO_STORE = "no-store"
ACCEPT = ("Accept",)
ACCEPT_LANGUAGE = ("Accept", "Accept-Language")

Render = Callable[[], Body]


def etag_for(release: Release, *variant: str) -> str:
    """A strong ETag value (without quotes) for one variant of a response in this release."""
    digest = hashlib.sha256("\x1f".join(variant).encode()).hexdigest()[:16]
    return f"{release.id}-{digest}"


def last_modified(release: Release) -> datetime | None:
    try:
        return datetime.fromisoformat(release.built)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Representation:
    """One variant of a resource in one release.

    ``variant`` names everything the body depends on besides the release (path, format,
    languages, parameters); ``vary`` the request headers negotiation read; ``location`` the
    specific URL of a negotiated variant. ``validators=False`` (answers to POST) sends
    ``no-store`` and no ETag; ``cache=False`` keeps the answer out of the server's cache.
    """

    release: Release
    variant: Sequence[str]
    vary: Sequence[str] = ACCEPT
    location: str | None = None
    validators: bool = True
    cache: bool = True

    @cached_property
    def etag(self) -> str:
        return etag_for(self.release, *self.variant)

    def not_modified(self) -> Response | None:
        """A 304 when the client's copy is current, else None.

        If-None-Match (weak comparison) wins over If-Modified-Since (RFC 9110 §13.2.2).
        """
        if not self.validators or request.method not in ("GET", "HEAD"):
            return None
        if request.if_none_match:
            if request.if_none_match.contains_weak(self.etag):
                return self.stamp(Response(status=304))
            return None
        modified = last_modified(self.release)
        since = request.if_modified_since
        if since is not None and modified is not None and modified.replace(microsecond=0) <= since:
            return self.stamp(Response(status=304))
        return None

    def stamp(self, response: Response) -> Response:
        """The headers a 200 and its 304 share."""
        if self.vary:
            response.vary.update(self.vary)
        if self.location:
            response.headers["Content-Location"] = self.location
        if not self.validators:
            response.headers["Cache-Control"] = NO_STORE
            return response
        response.set_etag(self.etag)
        modified = last_modified(self.release)
        if modified is not None:
            response.headers["Last-Modified"] = http_date(modified)
        response.headers["Cache-Control"] = CACHE_CONTROL
        return response

    def respond(self, render: Render) -> Response:
        """304, or ``render()`` stamped, and marked as kept for the release when it may be
        (:mod:`service.web.http_cache` serves it again). A render that fails raises a
        :class:`~service.problems.Problem`, which is never kept."""
        not_modified = self.not_modified()
        if not_modified is not None:
            return not_modified
        made = render()
        if self.cache and self.validators:
            mark(request.environ, self.release.id)
        return self.stamp(Response(made.data, content_type=made.content_type))


def html(text: str) -> Body:
    return Body(text.encode("utf-8"), "text/html; charset=utf-8")


def json_body(payload: object) -> Body:
    """JSON as Flask's own ``jsonify`` writes it (same provider, same settings)."""
    response = current_app.json.response(payload)
    return Body(response.get_data(), response.content_type)
