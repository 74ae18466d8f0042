"""The page of a named graph, ``{base}graph/<name>``: what it holds, which document it comes
from, and every accepted write that changed it (who, when, what), from its PROV record.

Browsers get HTML; RDF clients are sent (303) to the graph's content at /graph-store.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, render_template, request, url_for

from service import media
from service.namespaces import PREFIXES
from service.problems import Problem
from service.web import negotiate
from service.web.common import base, release, store
from service.web.representation import Representation, html
from service.web.response_cache import Body

bp = Blueprint("graphs", __name__)

_PREFIXES = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in ("prov", "dct", "rdfs", "foaf"))
SOURCES = _PREFIXES + """SELECT ?g ?doc ?title WHERE {
  GRAPH ?m { ?g prov:wasDerivedFrom ?doc } OPTIONAL { GRAPH ?t { ?doc dct:title ?title } }
} ORDER BY ?doc"""
WRITES = _PREFIXES + """SELECT ?g ?activity ?label ?when ?who ?name ?operation WHERE {
  GRAPH ?w { ?activity prov:generated ?g ; prov:endedAtTime ?when ;
                       prov:wasAssociatedWith ?who ; rdfs:label ?label .
             OPTIONAL { ?activity dct:description ?operation }
             OPTIONAL { ?who foaf:name ?name } }
} ORDER BY DESC(?when) ?activity"""


def _value(row, name: str) -> str:
    term = row[name]
    return term.value if term is not None else ""


@bp.route("/graph/<name>", methods=["GET"])
def page(name: str) -> Response:
    rel = release()
    iri = f"{base()}graph/{name}"
    if iri not in rel.info.get("graphs", {}):
        raise Problem(404, f"there is no graph <{iri}>")
    offers = [media.HTML, *(f.media_type for f in media.RDF_FORMATS)]
    chosen = negotiate.best_match(request.headers.get("Accept"), offers) or media.HTML
    if chosen != media.HTML:
        response = redirect(url_for("graph_store.read", graph=iri), code=303)
        response.vary.add("Accept")
        return response
    def render() -> Body:
        graph = {"g": ox.NamedNode(iri)}
        sources = [{"iri": _value(r, "doc"), "title": _value(r, "title")}
                   for r in store().query(SOURCES, substitutions=graph)]
        writes = [{key: _value(r, key) for key in ("activity", "label", "when", "who", "name",
                                                    "operation")}
                  for r in store().query(WRITES, substitutions=graph)]
        return html(render_template(
            "graph.html", iri=iri, name=name, triples=rel.info["graphs"][iri], sources=sources,
            writes=writes, release=rel, download=url_for("graph_store.read", graph=iri)))

    return Representation(rel, ["graph-page", name]).respond(render)
