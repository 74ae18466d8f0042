"""Downloads at /dumps/: the files the build wrote, listed with size, SHA-256 and licence,
and streamed from disk (constant memory, Range requests, conditional GET)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from service import media
from service.build.catalog import LICENSE
from service.problems import Problem
from service.web import negotiate
from service.web.common import release
from service.web.downloads import dump_entry, send_dump
from service.web.representation import Representation, html, json_body

bp = Blueprint("dumps", __name__)


@bp.route("/dumps/", methods=["GET"])
def listing() -> Response:
    rel = release()
    chosen = negotiate.best_match(request.headers.get("Accept"), [media.HTML, media.JSON])
    if chosen is None:
        raise Problem(406, "the list of dumps is available as HTML or JSON")

    def render():
        dumps = [{**d, "url": f"{request.script_root}/dumps/{d['name']}"} for d in rel.dumps]
        if chosen == media.JSON:
            return json_body({"release": rel.id, "built": rel.built, "license": LICENSE,
                              "dumps": dumps})
        return html(render_template("dumps.html", dumps=dumps, release=rel, license=LICENSE))

    return Representation(rel, ["dumps", chosen]).respond(render)


@bp.route("/dumps/<path:name>", methods=["GET"])
def download(name: str) -> Response:
    """Only names the release lists are served: nothing else on disk is reachable."""
    rel = release()
    entry = dump_entry(rel, name)
    if entry is None:
        raise Problem(404, f"no dump named {name!r}; see /dumps/")
    return send_dump(rel, entry)
