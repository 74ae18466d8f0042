"""SPARQL 1.1 Protocol at /sparql: query via GET, POST form and POST direct.

The default graph is the RDF merge of all named graphs, a set (``sd:UnionDefaultGraph``, which
the Service Description defines as that merge) unless the request names ``default-graph-uri``.
The query form is known only once the query is parsed, so one results format and one RDF
format are negotiated and the runner picks.
"""

from __future__ import annotations

import hashlib

import pyoxigraph as ox
from flask import Blueprint, Response, request

from service import media
from service.namespaces import term
from service.problems import Problem, limit
from service.sparql.request import QueryRequest
from service.web import negotiate, serialize, workbench
from service.web.common import base, rdf_body, release, settings
from service.web.representation import Representation
from service.web.results import answer, query_formats, repeatable, wants_html

bp = Blueprint("sparql", __name__)

#: W3C format IRIs (http://www.w3.org/ns/formats/) for the service description, by short name.
W3C_FORMATS = {"json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML",
               "csv": "SPARQL_Results_CSV", "tsv": "SPARQL_Results_TSV", "turtle": "Turtle",
               "jsonld": "JSON-LD", "ntriples": "N-Triples", "rdfxml": "RDF_XML",
               "nquads": "N-Quads", "trig": "TriG"}


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    query, update = _read_request()
    if update is not None:
        raise Problem(403, "/sparql is read-only: SPARQL Update goes to POST /update, "
                           "with the publisher's bearer token")
    if query is None:
        if request.method == "POST":
            raise Problem(400, "no query: send 'query' as a form field or an "
                               "application/sparql-query body")
        return _describe_service()
    if len(query.encode("utf-8")) > settings().max_query_bytes:
        raise Problem(413, f"the query is longer than {settings().max_query_bytes} bytes",
                      limit=limit("max_query_bytes", settings().max_query_bytes, "bytes"))
    if wants_html():
        return workbench.run_page(query)
    results_fmt, rdf_fmt = query_formats()
    default_graphs = request.values.getlist("default-graph-uri")
    named_graphs = request.values.getlist("named-graph-uri")
    key = [query, results_fmt.name if results_fmt else "", rdf_fmt.name if rdf_fmt else "",
           *default_graphs, "|", *named_graphs]
    rep = Representation(release(), ["sparql", hashlib.sha256("\x1f".join(key).encode())
                                     .hexdigest()],
                         validators=request.method in ("GET", "HEAD"), cache=repeatable(query))
    return answer(QueryRequest(query, results_fmt, rdf_fmt, tuple(default_graphs),
                               tuple(named_graphs), base_iri=base() + "sparql"), rep)


def _read_request() -> tuple[str | None, str | None]:
    """(query, update) from the three protocol operations; 400/415 for anything else."""
    if request.method in ("GET", "HEAD"):
        queries = request.args.getlist("query")
        if request.args.getlist("update"):
            return None, request.args["update"]
    else:
        mimetype = request.mimetype
        if mimetype == media.SPARQL_UPDATE:
            return None, request.get_data(as_text=True)
        if mimetype == media.SPARQL_QUERY:
            body = _utf8_body()
            return (body if body.strip() else None), None
        if mimetype not in (media.FORM, "multipart/form-data"):
            raise Problem(415, f"POST a form ({media.FORM}) or a query "
                               f"({media.SPARQL_QUERY}), not {mimetype or 'nothing'}")
        if request.form.getlist("update"):
            return None, request.form["update"]
        queries = request.form.getlist("query")
    if len(queries) > 1:
        raise Problem(400, "exactly one 'query' parameter is allowed")
    return (queries[0] if queries else None), None


def _utf8_body() -> str:
    """A direct POST's query: the protocol requires UTF-8, so another charset or bytes that
    are not UTF-8 are 400 rather than a query misread as something else."""
    charset = request.mimetype_params.get("charset", "utf-8").strip().lower()
    if charset not in ("utf-8", "utf8"):
        raise Problem(400, f"a query is sent in UTF-8, not {charset}")
    try:
        return request.get_data().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem(400, f"the query is not valid UTF-8 (byte {exc.start})") from None


def _describe_service() -> Response:
    """GET /sparql without a query: the query page for browsers, sd:Service for RDF clients."""
    fmt = negotiate.choose(request.headers.get("Accept"), media.RDF_FORMATS, html=True)
    if fmt is None:
        raise Problem(406, "ask for HTML or an RDF format")
    rel = release()
    if fmt == media.HTML:
        return workbench.editor_page()
    return Representation(rel, ["sd", fmt.name]).respond(lambda: rdf_body(serialize.triples(
        service_description(base(), rel.info.get("graphs", {})), fmt, base()), fmt.media_type))


def service_description(base_iri: str, graphs: dict[str, int]) -> list[ox.Triple]:
    """An sd:Service: endpoint, language, formats, the merged default graph and named graphs."""
    a = term("rdf", "type")
    service = ox.NamedNode(base_iri + "sparql#service")
    dataset = ox.NamedNode(base_iri + "sparql#dataset")
    default = ox.NamedNode(base_iri + "sparql#default-graph")
    t = [
        ox.Triple(service, a, term("sd", "Service")),
        ox.Triple(service, term("sd", "endpoint"), ox.NamedNode(base_iri + "sparql")),
        ox.Triple(service, term("sd", "supportedLanguage"), term("sd", "SPARQL11Query")),
        ox.Triple(service, term("sd", "feature"), term("sd", "UnionDefaultGraph")),
        ox.Triple(service, term("sd", "defaultDataset"), dataset),
        ox.Triple(dataset, a, term("sd", "Dataset")),
        ox.Triple(dataset, term("sd", "defaultGraph"), default),
        ox.Triple(default, a, term("sd", "Graph")),
        ox.Triple(default, term("rdfs", "comment"), ox.Literal(
            "The default graph is the RDF merge of all named graphs: a set, each distinct "
            "triple once, however many graphs state it.", language="en")),
        ox.Triple(default, term("void", "triples"), ox.Literal(
            str(release().triples), datatype=term("xsd", "integer"))),
    ]
    for fmt in media.RESULTS_FORMATS + media.RDF_FORMATS:
        t.append(ox.Triple(service, term("sd", "resultFormat"),
                           ox.NamedNode("http://www.w3.org/ns/formats/" + W3C_FORMATS[fmt.name])))
    for name, count in sorted(graphs.items()):
        node = ox.NamedNode(f"{base_iri}sparql#graph-{name.rsplit('/', 1)[-1]}")
        graph = ox.NamedNode(f"{base_iri}sparql#graph-{name.rsplit('/', 1)[-1]}-content")
        t += [ox.Triple(dataset, term("sd", "namedGraph"), node),
              ox.Triple(node, a, term("sd", "NamedGraph")),
              ox.Triple(node, term("sd", "name"), ox.NamedNode(name)),
              ox.Triple(node, term("sd", "graph"), graph),
              ox.Triple(graph, a, term("sd", "Graph")),
              ox.Triple(graph, term("void", "triples"),
                        ox.Literal(str(count), datatype=term("xsd", "integer")))]
    return t
