"""What every route needs: the settings, the store and the live release."""

from __future__ import annotations

from flask import current_app, request

from service import media
from service.jsonld import Context
from service.settings import Settings
from service.store.base import Store
from service.store.context import release_context
from service.store.release import Release
from service.web import negotiate
from service.web.response_cache import Body


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
    """The live release (NoRelease, a 503 problem, when nothing is published)."""
    return store().release()


def languages() -> list[str]:
    return negotiate.parse_languages(request.headers.get("Accept-Language"))


def rdf_body(body: bytes, fmt_media_type: str) -> Body:
    """Serialised RDF with its Content-Type (text formats say their charset)."""
    return Body(body, media.content_type(fmt_media_type))
