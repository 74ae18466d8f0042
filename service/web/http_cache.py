"""The release cache at the WSGI edge: a kept answer is sent without entering Flask.

Answers are a pure function of (release, request variant), so the bytes of a GET answer are
kept for the live release and sent again to every request for the same variant: the same path
and query, the same host, scheme and prefix (bodies hold links built from them), and the same
values of the request headers its ``Vary`` names, as a shared HTTP cache keys them (RFC 9111
§4.1). Routing, negotiation, the store and rendering are skipped: a hit costs a look-up. A
conditional request whose ``If-None-Match`` matches the kept ETag (weak comparison) gets its
304 here too, with the headers the 200 carries.

Only answers a route marked as release-scoped are kept (:func:`mark`, called by
:class:`service.web.representation.Representation` for cacheable variants), and only in the
release they were rendered from. Requests with credentials (``Authorization``, ``Cookie``),
other methods and ``If-Modified-Since`` alone go to the application; so do answers that stream
(no ``Content-Length``) or are larger than an eighth of the cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from werkzeug.datastructures import ETags
from werkzeug.http import parse_etags, unquote_etag

from service import metrics
from service.metrics import ROUTE_KEY
from service.store.base import Store
from service.web.response_cache import ResponseCache, Stored

#: environ key under which a route marks its answer as kept for a release (the release id).
RELEASE_KEY = "citynet.cache.release"
#: Headers a 304 repeats from the 200 (RFC 9110 §15.4.5).
NOT_MODIFIED_HEADERS = frozenset({"etag", "vary", "content-location", "cache-control",
                                  "last-modified", "expires", "access-control-allow-origin",
                                  "access-control-expose-headers", "x-content-type-options"})
_CREDENTIALS = ("HTTP_AUTHORIZATION", "HTTP_COOKIE")

StartResponse = Callable[..., object]
WsgiApp = Callable[[dict, StartResponse], Iterable[bytes]]


def mark(environ: dict, release_id: str) -> None:
    """Say that the answer being rendered is a pure function of ``release_id`` and the request
    variant, so it may be kept (called from within a request)."""
    environ[RELEASE_KEY] = release_id


def _place(environ: dict) -> tuple[str, ...]:
    return (environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_HOST", ""),
            environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""))


def _vary_values(environ: dict, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(environ.get("HTTP_" + name.upper().replace("-", "_"), "") for name in names)


def _matches(environ: dict, etag: str | None) -> bool:
    header = environ.get("HTTP_IF_NONE_MATCH")
    if not header or etag is None:
        return False
    tags: ETags = parse_etags(header)
    return tags.contains_weak(unquote_etag(etag)[0])


class ReleaseCache:
    """WSGI middleware: serve kept answers of the live release, keep new cacheable ones."""

    def __init__(self, app: WsgiApp, store: Store, cache: ResponseCache) -> None:
        self._app = app
        self._store = store
        self._cache = cache

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if (not self._cache.enabled or method not in ("GET", "HEAD")
                or any(environ.get(k) for k in _CREDENTIALS)
                or (environ.get("HTTP_IF_MODIFIED_SINCE")
                    and not environ.get("HTTP_IF_NONE_MATCH"))):
            return self._app(environ, start_response)
        try:
            release_id = self._store.release().id
        except Exception:  # no release, a foreign base, an unreachable store: the app says so
            return self._app(environ, start_response)
        started = time.perf_counter()
        place = _place(environ)
        vary = self._cache.get(release_id, ("vary", place))
        if vary is not None:
            kept = self._cache.get(release_id, (place, _vary_values(environ, vary.vary)))
            if kept is not None:
                return self._send(kept, environ, start_response, started)
        return self._fill(environ, start_response, release_id, place)

    def _send(self, kept: Stored, environ: dict, start_response: StartResponse,
              started: float) -> Iterable[bytes]:
        metrics.CACHE.labels(kept.route, "hit").inc()
        if _matches(environ, kept.etag):
            status, headers, body = "304 Not Modified", [
                (k, v) for k, v in kept.headers if k.lower() in NOT_MODIFIED_HEADERS], b""
        else:
            status, headers, body = "200 OK", list(kept.headers), kept.data
        metrics.REQUESTS.labels(kept.route, environ["REQUEST_METHOD"], status[:3]).inc()
        metrics.LATENCY.labels(kept.route).observe(time.perf_counter() - started)
        start_response(status, headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _fill(self, environ: dict, start_response: StartResponse, release_id: str,
              place: tuple[str, ...]) -> Iterable[bytes]:
        seen: dict = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        answer = self._app(environ, capture)
        route = environ.get(ROUTE_KEY, "unrouted")
        if environ.get(RELEASE_KEY) != release_id or environ["REQUEST_METHOD"] != "GET" \
                or not seen.get("status", "").startswith("200"):
            return answer
        headers = seen["headers"]
        named = {k.lower(): v for k, v in headers}
        length = named.get("content-length")
        vary = tuple(v.strip() for v in named.get("vary", "").split(",") if v.strip())
        if length is None or "*" in vary or "set-cookie" in named \
                or int(length) > self._cache.max_bytes // 8:
            return answer
        try:
            data = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        etag = named.get("etag")
        kept = Stored(headers=tuple(headers), data=data, route=route, etag=etag, vary=vary)
        self._cache.put(release_id, ("vary", place), Stored((), b"", route, vary=vary))
        self._cache.put(release_id, (place, _vary_values(environ, vary)), kept)
        metrics.CACHE.labels(route, "miss").inc()
        return [data]
