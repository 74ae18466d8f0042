"""Every SPARQLWrapper return format, for every query form and request method, through a real
SPARQLWrapper against a real server process.

SPARQLWrapper sends its return format three times (``format``, ``output``, ``results``; for
TSV, JSON-LD and RDF/XML a media type as a second value) and an Accept header chosen per query
form, ``*/*`` when the format does not fit the form. The server reads the parameter per query
form, as Fuseki does: for a graph ``xml``/``rdf``/``rdf+xml`` is RDF/XML, ``json-ld``/``json``
JSON-LD, ``n3``/``turtle`` Turtle; for SELECT and ASK ``xml`` is SPARQL XML results, ``json``
SPARQL JSON, and a graph format is answered by Accept. Each answer must be one that
``QueryResult.convert()`` turns into the object its documentation promises, holding the facts
the seeds state.
"""

from __future__ import annotations

import csv
import io
import json
import warnings
from urllib.error import HTTPError
from xml.dom.minidom import Document

import pyoxigraph as ox
import pytest
import requests
from rdflib import Graph, Literal
from rdflib.namespace import FOAF
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDF,
    RDFXML,
    TSV,
    TURTLE,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

pytestmark = pytest.mark.slow

#: People the sources name: seed 003 (the working group's page) and seed 004 (its 2014 workplan).
PEOPLE = {"Anu Riila", "Lefteris Papagiannakis", "Thomas Jezequel", "Ramon Sanahuja i Vélez"}
PREFIXES = "PREFIX foaf: <http://xmlns.com/foaf/0.1/>\nPREFIX schema: <http://schema.org/>\n"
QUERIES = {
    "SELECT": PREFIXES + "SELECT ?name WHERE { ?p a foaf:Person ; foaf:name ?name }",
    # "Eurocities is the network of 190 cities" (seed 001); no source declares 191
    "ASK": PREFIXES + "ASK { ?statistic schema:value 190 }",
    "ASK-false": PREFIXES + "ASK { ?statistic schema:value 191 }",
    "CONSTRUCT": PREFIXES + "CONSTRUCT { ?p foaf:name ?name } "
                            "WHERE { ?p a foaf:Person ; foaf:name ?name }",
    "DESCRIBE": PREFIXES + 'DESCRIBE ?p WHERE { ?p foaf:name "Ramon Sanahuja i Vélez" }',
}
#: What a graph query must hold: every person's name (CONSTRUCT), the chair's (DESCRIBE).
GRAPH_NAMES = {"CONSTRUCT": PEOPLE, "DESCRIBE": {"Ramon Sanahuja i Vélez"}}

NONE = "none"  # setReturnFormat never called: SPARQLWrapper's default (XML)
FORMATS = [NONE, JSON, XML, CSV, TSV, TURTLE, N3, RDF, RDFXML, JSONLD]
METHODS = ["GET", "POST", "POSTDIRECTLY"]

SRX, SRJ = "application/sparql-results+xml", "application/sparql-results+json"
#: The media type each (form, format) is answered in.
EXPECTED = {
    "SELECT": {NONE: SRX, XML: SRX, RDF: SRX, RDFXML: SRX, JSON: SRJ, JSONLD: SRJ,
               CSV: "text/csv", TSV: "text/tab-separated-values", TURTLE: SRJ, N3: SRJ},
    "GRAPH": {NONE: "application/rdf+xml", XML: "application/rdf+xml",
              RDF: "application/rdf+xml", RDFXML: "application/rdf+xml",
              JSON: "application/ld+json", JSONLD: "application/ld+json",
              TURTLE: "text/turtle", N3: "text/turtle", CSV: "text/turtle", TSV: "text/turtle"},
}


def run(server, form: str, fmt: str, method: str):
    """The query through SPARQLWrapper: (response media type, converted result)."""
    client = SPARQLWrapper(server.url + "sparql")
    client.setQuery(QUERIES[form])
    if fmt != NONE:
        client.setReturnFormat(fmt)
    if method != "GET":
        client.setMethod(POST)
        if method == "POSTDIRECTLY":
            client.setRequestMethod(POSTDIRECTLY)
    with warnings.catch_warnings():
        # SPARQLWrapper warns when a format does not fit the query form (it then sends */*)
        warnings.simplefilter("ignore", RuntimeWarning)
        result = client.query()
        media_type = result.info()["content-type"].split(";")[0].strip()
        return media_type, result.convert()


def solutions(media_type: str, converted) -> list[dict[str, str]] | bool:
    """Rows (variable -> lexical value) or the boolean of a converted SELECT/ASK answer."""
    if media_type == SRJ:
        assert isinstance(converted, dict)
        if "boolean" in converted:
            return converted["boolean"]
        return [{k: v["value"] for k, v in row.items()}
                for row in converted["results"]["bindings"]]
    if media_type == SRX:
        assert isinstance(converted, Document)
        parsed = ox.parse_query_results(converted.toxml("utf-8"), ox.QueryResultsFormat.XML)
    else:
        assert isinstance(converted, bytes)
        text = converted.decode("utf-8")
        if text.strip() in ("true", "false"):  # a boolean in CSV/TSV: one bare value
            return text.strip() == "true"
        if media_type == "text/csv":
            return list(csv.DictReader(io.StringIO(text)))
        parsed = ox.parse_query_results(converted, ox.QueryResultsFormat.TSV)
    if isinstance(parsed, ox.QueryBoolean):
        return bool(parsed)
    return [{v.value: row[v].value for v in parsed.variables if row[v] is not None}
            for row in parsed]


def graph_of(media_type: str, converted) -> Graph:
    """The rdflib graph of a converted CONSTRUCT/DESCRIBE answer."""
    if media_type in ("application/rdf+xml", "application/ld+json"):
        assert isinstance(converted, Graph)  # convert() parsed it with rdflib
        return converted
    assert media_type == "text/turtle" and isinstance(converted, bytes)
    return Graph().parse(data=converted, format="turtle")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_select(server, fmt, method):
    media_type, converted = run(server, "SELECT", fmt, method)
    assert media_type == EXPECTED["SELECT"][fmt]
    rows = solutions(media_type, converted)
    assert {row["name"] for row in rows} == PEOPLE


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_ask(server, fmt, method):
    media_type, converted = run(server, "ASK", fmt, method)
    assert media_type == EXPECTED["SELECT"][fmt]
    assert solutions(media_type, converted) is True
    media_type, converted = run(server, "ASK-false", fmt, method)
    assert solutions(media_type, converted) is False


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("form", ["CONSTRUCT", "DESCRIBE"])
def test_graph_queries(server, form, fmt, method):
    media_type, converted = run(server, form, fmt, method)
    assert media_type == EXPECTED["GRAPH"][fmt]
    graph = graph_of(media_type, converted)
    names = {str(o) for o in graph.objects(None, FOAF.name)}
    assert names == GRAPH_NAMES[form]
    if form == "DESCRIBE":  # the chair's own description, not just the name
        chair = next(graph.subjects(FOAF.name, Literal("Ramon Sanahuja i Vélez")))
        assert len(list(graph.predicate_objects(chair))) >= 2


@pytest.mark.parametrize("param", ["format", "output"])
@pytest.mark.parametrize("value,media_type", [
    ("json", SRJ), ("xml", SRX), ("csv", "text/csv"), ("tsv", "text/tab-separated-values"),
    ("rdf+xml", SRX), ("json-ld", SRJ), ("turtle", SRJ), ("text/tab-separated-values",
                                                          "text/tab-separated-values"),
])
def test_named_queries_read_the_same_values(server, param, value, media_type):
    """/api/{name} reads ``format`` and ``output`` as /sparql does (its queries are SELECTs)."""
    response = requests.get(server.url + "api/people-and-cities", params={param: value},
                            timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == media_type
    body = response.content.decode("utf-8")
    assert "Ramon Sanahuja i Vélez" in body or "Ramon Sanahuja i V\\u00e9lez" in body


def test_an_unknown_format_value_is_400(server):
    response = requests.get(server.url + "sparql", timeout=30,
                            params={"query": QUERIES["ASK"], "format": "yaml"})
    assert response.status_code == 400 and "yaml" in response.text


@pytest.mark.filterwarnings("ignore:.*query type:RuntimeWarning")  # it cannot parse it either
@pytest.mark.parametrize("method", METHODS)
def test_a_malformed_query_surfaces_the_servers_detail(server, method):
    """SPARQLWrapper puts the error body in its exception's message: the problem details."""
    client = SPARQLWrapper(server.url + "sparql")
    client.setQuery("SELEC ?name WHERE { ?p foaf:name ?name }")
    client.setReturnFormat(JSON)
    if method != "GET":
        client.setMethod(POST)
    if method == "POSTDIRECTLY":
        client.setRequestMethod(POSTDIRECTLY)
    with pytest.raises(QueryBadFormed) as refused:
        client.query()
    message = str(refused.value)
    assert '"status": 400' in message and '"detail": "malformed query' in message


def test_a_refused_query_keeps_its_status_and_detail(server):
    """A 403 is no SPARQLWrapper exception class: urllib's HTTPError carries the body."""
    client = SPARQLWrapper(server.url + "sparql")
    client.setQuery("SELECT * WHERE { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }")
    client.setReturnFormat(JSON)
    with pytest.raises(HTTPError) as refused:
        client.query()
    assert refused.value.code == 403
    assert refused.value.headers["Content-Type"].startswith("application/problem+json")
    assert "http://evil.example/sparql" in json.load(refused.value)["detail"]
