"""What every route needs: the settings, the store, the live release, and readable errors."""

from __future__ import annotations

from flask import Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from service import media
from service.jsonld import Context
from service.settings import Settings
from service.store.base import Store
from service.store.context import release_context
from service.store.release import NoRelease, Release
from service.web import negotiate
from service.web.response_cache import Body


class Unavailable(HTTPException):
    code = 503
    description = "The dataset is not available yet (no published store)."


def settings() -> Settings:
    return current_app.config["CITYNET"]


def store() -> Store:
    return current_app.extensions["citynet.store"]


def base() -> str:
    return settings().base_iri


def jsonld_context() -> Context:
    """The live release's JSON-LD context under this deployment's base IRI."""
    return release_context(store(), base())


def release() -> Release:
    try:
        return store().release()
    except NoRelease as exc:
        raise Unavailable(str(exc)) from None


def languages() -> list[str]:
    return negotiate.parse_languages(request.headers.get("Accept-Language"))


def error_response(status: int, title: str, message: str) -> Response:
    """A 4xx/5xx body the client can read: HTML for browsers, JSON or plain text otherwise."""
    accept = request.headers.get("Accept")
    chosen = negotiate.best_match(accept, ["text/plain", media.HTML, media.JSON])
    if chosen == media.HTML:
        body = render_template("error.html", status=status, title=title, message=message)
        response = Response(body, status=status, content_type="text/html; charset=utf-8")
    elif chosen == media.JSON:
        response = current_app.json.response({"status": status, "error": title,
                                              "message": message})
        response.status_code = status
    else:
        response = Response(f"{status} {title}: {message}\n", status=status,
                            content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


def rdf_body(body: bytes, fmt_media_type: str) -> Body:
    """Serialised RDF with its Content-Type (text formats say their charset)."""
    return Body(body, media.content_type(fmt_media_type))
