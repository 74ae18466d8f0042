"""Answering a user query over HTTP, shared by /sparql and /api: the result format a request
asks for (Accept, ``format``/``output``), and the runner's outcome or refusal as a response."""

from __future__ import annotations

from flask import Response, abort, current_app, request

from service import media
from service.sparql.request import QueryRejected, QueryRequest
from service.store.release import Release
from service.web import caching, negotiate, serialize
from service.web.common import error_response


def answer(query: QueryRequest, rel: Release, etag: str | None) -> Response:
    """Run a query through the app's runner: its result, or its refusal as a readable error.
    Cached per release under ``etag``; ``None`` (POST) is never stored."""
    try:
        outcome = current_app.extensions["citynet.runner"].run(query)
    except QueryRejected as exc:
        return error_response(exc.status, reason(exc.status), exc.message)
    response = Response(outcome.body, content_type=serialize.content_type(outcome.media_type))
    response.vary.add("Accept")
    if etag is None:
        response.headers["Cache-Control"] = "no-store"
        return response
    return caching.stamp(response, rel, etag)


def reason(status: int) -> str:
    from werkzeug.http import HTTP_STATUS_CODES

    return HTTP_STATUS_CODES.get(status, "Error")


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
            abort(400, description=f"unknown format {value!r}; use one of "
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
        abort(406, description=f"no acceptable format; offered: {offered}")
    return results_fmt, rdf_fmt
