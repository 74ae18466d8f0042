"""Downloads at /dumps/: the files the build wrote, listed with size, SHA-256 and licence,
and streamed from disk (constant memory, Range requests, conditional GET)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, send_file

from service import media
from service.build.catalog import LICENSE
from service.problems import Problem
from service.web import negotiate
from service.web.common import release
from service.web.representation import CACHE_CONTROL, Representation, html, json_body

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
    entry = next((d for d in rel.dumps if d["name"] == name), None)
    if entry is None:
        raise Problem(404, f"no dump named {name!r}; see /dumps/")
    path = rel.dumps_path / entry["name"]
    mimetype = "application/gzip" if entry.get("compression") == "gzip" else entry["media_type"]
    response = send_file(path, mimetype=mimetype, as_attachment=True,
                         download_name=entry["name"], conditional=True,
                         etag=f"{rel.id}-{entry['sha256'][:16]}", max_age=300)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Digest"] = f"sha-256={_b64(entry['sha256'])}"
    return response


def _b64(hexdigest: str) -> str:
    import base64

    return base64.b64encode(bytes.fromhex(hexdigest)).decode()
