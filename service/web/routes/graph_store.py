"""Graph Store Protocol reads at /graph-store: ``?default`` (the merge of all named graphs,
each distinct triple once, as at /sparql) and ``?graph=IRI``, in every RDF format.

Writes (PUT, POST, DELETE) are not routed here: Flask answers 405 with an Allow header until
the token-guarded write blueprint (service/web/writes.py) is registered in create_app.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, request

from service import media
from service.problems import Problem
from service.web import negotiate, serialize
from service.web.common import base, rdf_body, release, store
from service.web.representation import Representation

bp = Blueprint("graph_store", __name__)

GRAPH_QUERY = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
DEFAULT_QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
GRAPH_EXISTS = "ASK { GRAPH ?g { ?s ?p ?o } }"


@bp.route("/graph-store", methods=["GET"])
def read() -> Response:
    graph = request.args.get("graph")
    default = "default" in request.args
    if default == (graph is not None):
        raise Problem(400, "name exactly one graph: ?default or ?graph=IRI")
    if graph is not None and not graph.startswith(("http://", "https://", "urn:")):
        raise Problem(400, f"graph must be an absolute IRI, not {graph!r}")
    fmt = _format()
    return Representation(release(), ["gsp", graph or "", fmt.name]).respond(
        lambda: rdf_body(_graph(graph, fmt), fmt.media_type))


def _graph(graph: str | None, fmt: media.RdfMedia) -> bytes:
    """The default graph (the union), or one named graph (404 when the dataset lacks it)."""
    if graph is None:
        triples = (ox.Triple(r["s"], r["p"], r["o"]) for r in store().query(DEFAULT_QUERY))
        return serialize.triples(sorted(triples, key=str), fmt, base())
    g = ox.NamedNode(graph)
    if not store().query(GRAPH_EXISTS, substitutions={"g": g}):
        raise Problem(404, f"there is no graph <{graph}>")
    rows = store().query(GRAPH_QUERY, substitutions={"g": g})
    quads = sorted((ox.Quad(r["s"], r["p"], r["o"], g) for r in rows), key=str)
    return serialize.quads(quads, fmt, base())


def _format() -> media.RdfMedia:
    name = request.args.get("format")
    if name:
        fmt = media.rdf_by_name(name)
        if fmt is None:
            raise Problem(400, f"unknown format {name!r}")
        return fmt
    fmt = negotiate.choose(request.headers.get("Accept"), media.RDF_FORMATS)
    if fmt is None:
        offered = ", ".join(f.media_type for f in media.RDF_FORMATS)
        raise Problem(406, f"no acceptable RDF format; offered: {offered}")
    return fmt
