"""/context.jsonld: the dataset's JSON-LD context, so programs can compact their own data with
the terms this service writes (``prefLabel``, ``memberDuring`` …) or read them offline.

Every JSON-LD document the service writes carries the part of this context it uses, inline;
the JSON-LD dump carries all of it. It changes only with a release (new properties), so it is
cached per release like every other answer.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from service import media
from service.jsonld import dumps
from service.problems import Problem
from service.web import negotiate
from service.web.common import jsonld_context, rdf_body, release
from service.web.representation import Representation

bp = Blueprint("context", __name__)


@bp.route("/context.jsonld", methods=["GET"])
def context() -> Response:
    chosen = negotiate.best_match(request.headers.get("Accept"),
                                  [media.JSON_LD.media_type, media.JSON])
    if chosen is None:
        raise Problem(406, f"the context is JSON-LD: ask for {media.JSON_LD.media_type} "
                           f"or {media.JSON}")
    return Representation(release(), ["context", chosen]).respond(
        lambda: rdf_body(dumps({"@context": jsonld_context().definition()}), chosen))
