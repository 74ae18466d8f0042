"""Label search at /search: JSON for programs (autocompletion), the home page's results for
browsers. The text is bound as a literal, never spliced into the query."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request, url_for

from service import media
from service.problems import Problem
from service.web import glance, label_search, negotiate, view
from service.web.common import base, release, store
from service.web.representation import Representation, json_body

bp = Blueprint("search", __name__)

MAX_TEXT = 200
MAX_LIMIT = 50


@bp.route("/search", methods=["GET"])
def search() -> Response:
    text = (request.args.get("q") or "").strip()
    if not text:
        raise Problem(400, "give the text to look for as ?q=")
    if len(text) > MAX_TEXT:
        raise Problem(400, f"the search text is longer than {MAX_TEXT} characters")
    try:
        limit = int(request.args.get("limit", "20"))
    except ValueError:
        raise Problem(400, "limit must be a whole number") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise Problem(400, f"limit must be between 1 and {MAX_LIMIT}")
    wanted = request.args.get("format") or negotiate.best_match(
        request.headers.get("Accept"), [media.HTML, media.JSON])
    if wanted in ("html", media.HTML):
        return redirect(url_for("home.home", q=text, _anchor="search"), code=303)
    if wanted not in ("json", media.JSON):
        raise Problem(406, "search results are available as HTML or JSON")
    return Representation(release(), ["search", text, str(limit)]).respond(
        lambda: json_body(_results(text, limit)))


def _results(text: str, limit: int) -> dict:
    linker = view.Linker(base(), url_for("home.home"))
    results, seen = [], set()
    for node, label in label_search.search(store(), release(), text, limit * 4):
        if node.value in seen or len(results) >= limit:
            continue
        seen.add(node.value)
        results.append({"id": node.value, "label": label.value,
                         "language": label.language, "url": linker.href(node.value)[0],
                         "kind": glance.kind_of(node.value, base())})
    return {"query": text, "results": results}
