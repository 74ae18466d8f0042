"""Answering a user query over HTTP, shared by /sparql and /api: the result format a request
asks for (Accept, ``format``/``output``), and the runner's outcome as a response."""

from __future__ import annotations

import re

from flask import Response, current_app, request

from service import media
from service.problems import Problem
from service.sparql.request import QueryRequest
from service.web import negotiate
from service.web.representation import Representation
from service.web.response_cache import Body

#: Functions whose value changes from one evaluation to the next: such answers are not kept.
VOLATILE = re.compile(r"\b(?:RAND|NOW|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


def repeatable(query: str) -> bool:
    """Whether the query's answer is a function of the release alone (no RAND(), NOW() …)."""
    return VOLATILE.search(query) is None


def answer(query: QueryRequest, rep: Representation) -> Response:
    """Run a query through the app's runner (its refusal is raised, so never cached).
    Answers to POST carry ``no-store`` but may still be kept server-side."""

    def render() -> Body:
        outcome = current_app.extensions["citynet.runner"].run(query)
        return Body(outcome.body, media.content_type(outcome.media_type))

    return rep.respond(render)


#: Request parameters that name a result format: ``format`` (Virtuoso, SPARQLWrapper) and
#: ``output`` (Fuseki, Joseki). SPARQLWrapper also sends ``results``, which no server reads.
FORMAT_PARAMS = ("format", "output")


def query_formats() -> tuple[media.ResultsMedia | None, media.RdfMedia | None]:
    """The results format (SELECT/ASK) and the RDF format (CONSTRUCT/DESCRIBE) of the answer.

    A ``format``/``output`` value is read per query form, so ``xml`` means SPARQL XML results
    for a SELECT and RDF/XML for a CONSTRUCT. A form no value fits (``turtle`` for a SELECT, as
    SPARQLWrapper sends it together with ``Accept: */*``) is negotiated by Accept. An unknown
    value is 400; nothing acceptable is 406.
    """
    values = [v for name in FORMAT_PARAMS for v in request.values.getlist(name) if v.strip()]
    # a value may list media types as Accept does (SPARQLWrapper sends its Accept header there)
    items = [[i for i in v.split(",") if i.strip()] for v in values]
    for value, listed in zip(values, items, strict=True):
        if not any(media.results_by_param(i) or media.rdf_by_param(i) for i in listed):
            raise Problem(400, f"unknown format {value!r}; use one of "
                               + ", ".join(media.format_param_values()))
    flat = [i for listed in items for i in listed]
    results_fmt = next(filter(None, map(media.results_by_param, flat)), None)
    rdf_fmt = next(filter(None, map(media.rdf_by_param, flat)), None)
    accept = request.headers.get("Accept")
    if results_fmt is None:
        results_fmt = negotiate.choose(accept, media.RESULTS_FORMATS)
    if rdf_fmt is None:
        rdf_fmt = negotiate.choose(accept, media.RDF_FORMATS)
    if results_fmt is None and rdf_fmt is None:
        offered = ", ".join(f.media_type for f in media.RESULTS_FORMATS + media.RDF_FORMATS)
        raise Problem(406, f"no acceptable format; offered: {offered}")
    return results_fmt, rdf_fmt


def wants_html() -> bool:
    """True when the client asked for a page: ``format=html``, or an Accept header that names
    text/html and prefers it to every results and RDF format (browsers do; protocol clients
    that send ``*/*`` get SPARQL results as before)."""
    name = (request.values.get("format") or "").strip().lower()
    if name:
        return name in ("html", media.HTML)
    accept = request.headers.get("Accept") or ""
    if "text/html" not in accept.lower():
        return False
    chosen = negotiate.choose(accept, media.RESULTS_FORMATS + media.RDF_FORMATS, html=True)
    return chosen == media.HTML
