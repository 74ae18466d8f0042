"""The named queries of queries/ as a REST API: GET /api/{name}?param=value, described by
/api/openapi.json. Parameters are checked against each query's header and bound as RDF terms;
the query runs through the same guarded, time-limited runner as /sparql."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, request, url_for

from service.problems import Problem
from service.queries import NamedQuery
from service.sparql.request import QueryRequest, term_text
from service.web import api_html, openapi
from service.web.common import base, release
from service.web.representation import Representation, json_body
from service.web.results import FORMAT_PARAMS, answer, query_formats, wants_html

bp = Blueprint("api", __name__)


def named_queries() -> dict[str, NamedQuery]:
    return current_app.extensions["citynet.queries"]


@bp.route("/api/", methods=["GET"])
def index() -> Response:
    """Every named query: name, title, description, parameters and its URL (a page of forms
    for browsers)."""
    if wants_html():
        return api_html.index_page(list(named_queries().values()))
    return Representation(release(), ["api-index"]).respond(lambda: json_body({
        "openapi": url_for("api.spec"), "queries": [_entry(q) for q in named_queries().values()]}))


def _entry(q: NamedQuery) -> dict:
    return {"name": q.name, "title": q.title, "description": q.description,
            "url": url_for("api.run", name=q.name),
            "example": url_for("api.run", name=q.name, **q.example_values()),
            "parameters": [{"name": p.name, "type": p.type, "required": not p.optional,
                            "example": p.example, "description": p.description}
                           for p in q.parameters]}


@bp.route("/api/openapi.json", methods=["GET"])
def spec() -> Response:
    rel = release()
    return Representation(rel, ["openapi", request.url_root]).respond(lambda: json_body(
        openapi.document(named_queries().values(), request.url_root, rel.version)))


@bp.route("/api/<name>", methods=["GET"])
def run(name: str) -> Response:
    query = named_queries().get(name)
    if query is None:
        raise Problem(404, f"no named query {name!r}; the list is at /api/")
    if wants_html():
        return api_html.query_page(query)
    values = {}
    for key in request.args:
        if key in FORMAT_PARAMS:
            continue
        given = request.args.getlist(key)
        if len(given) > 1:
            raise Problem(400, f"parameter {key!r} is given {len(given)} times")
        values[key] = given[0]
    bound = query.bindings(values, base())  # ParameterError: a 400 problem
    results_fmt, rdf_fmt = query_formats()
    rel = release()
    key = "\x1f".join([name, results_fmt.name if results_fmt else "",
                       rdf_fmt.name if rdf_fmt else "", *sorted(f"{k}={v}" for k, v in values.items())])
    rep = Representation(rel, ["api", hashlib.sha256(key.encode()).hexdigest()])
    return answer(QueryRequest(query.text, results_fmt, rdf_fmt,
                               bindings={k: term_text(v) for k, v in bound.items()}), rep)
