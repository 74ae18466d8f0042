"""/api/ and /api/{name} for people: a form per named query (its parameters as fields, filled
with the example), the answer as a table, and links to the same answer as CSV, JSON and the
other formats. Programs keep getting JSON and SPARQL results from routes/api.py.
"""

from __future__ import annotations

import time

from flask import Response, current_app, render_template, request, url_for

from service import media
from service.problems import Problem
from service.queries import NamedQuery, ParameterError
from service.sparql.request import QueryRequest, term_text
from service.web import results_html, view
from service.web.common import base, languages, release, store
from service.web.representation import CACHE_CONTROL, Representation, html

#: Request fields that are not parameters of the query.
OWN_FIELDS = frozenset({"format", "page"})


def index_page(queries: list[NamedQuery]) -> Response:
    return Representation(release(), ["api-index-html"]).respond(lambda: html(render_template(
        "api_index.html", queries=sorted(queries, key=lambda q: q.title))))


def query_page(query: NamedQuery) -> Response:
    """The form of one named query; with parameters given, its answer as a table too."""
    given = {k: request.args[k] for k in request.args if k not in OWN_FIELDS}
    values = given or query.example_values()
    context: dict = {"q": query, "values": values, "table": None, "error": None,
                     "downloads": [], "elapsed_ms": None}
    status = 200
    if given or not query.parameters:
        status = _answer(query, given, context)
    body = render_template("api_query.html", **context)
    response = Response(body, status=status, content_type="text/html; charset=utf-8")
    response.vary.add("Accept")
    response.headers["Cache-Control"] = "no-store" if status != 200 else CACHE_CONTROL
    return response


def _answer(query: NamedQuery, given: dict[str, str], context: dict) -> int:
    """Run the query with ``given`` into ``context``; the HTTP status of the page."""
    try:
        bound = query.bindings(given, base())
    except ParameterError as exc:
        context["error"] = str(exc)
        return 400
    run = QueryRequest(query.text, media.SPARQL_JSON, media.N_TRIPLES,
                       bindings={k: term_text(v) for k, v in bound.items()})
    started = time.perf_counter()
    try:
        outcome = current_app.extensions["citynet.runner"].run(run)
    except Problem as exc:  # shown on the query's page, above its form
        context["error"] = exc.detail
        return exc.status
    context["elapsed_ms"] = round((time.perf_counter() - started) * 1000)
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    context["table"] = results_html.tabulate(
        outcome.body, outcome.media_type, page, store(),
        view.Linker(base(), url_for("home.home")), languages())
    formats = media.RDF_FORMATS if outcome.kind == "graph" else media.RESULTS_FORMATS
    context["downloads"] = [(f.name, f.media_type,
                             url_for("api.run", name=query.name, **given, format=f.name))
                            for f in formats]
    return 200
