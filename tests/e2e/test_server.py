"""End to end against a real ``citynet serve`` process (gunicorn workers, built on startup):
standard clients (SPARQLWrapper, rdflib) and plain HTTP, checked against the seed facts."""

from __future__ import annotations

import gzip
import hashlib
import json

import pyoxigraph as ox
import pytest
import requests
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

pytestmark = pytest.mark.slow  # real processes, real time

GROUP = "group/eurocities-migration-integration"
ORG = "http://www.w3.org/ns/org#"
CN = "https://w3id.org/citynet/def#"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ACTIVE_2013 = """PREFIX org: <http://www.w3.org/ns/org#> PREFIX time: <http://www.w3.org/2006/time#>
PREFIX cn: <https://w3id.org/citynet/def#>
SELECT (COUNT(DISTINCT ?city) AS ?n) WHERE {
  ?m org:member ?city ; org:organization ?group ; org:role cn:active-member-city ;
     org:memberDuring/time:hasBeginning/time:inXSDDate ?begin .
  FILTER(YEAR(?begin) = 2013)
}"""
RDFLIB_FORMATS = {"text/turtle": "turtle", "application/ld+json": "json-ld",
                  "application/n-triples": "nt", "application/rdf+xml": "xml",
                  "application/n-quads": "nquads", "application/trig": "trig"}


def sparql(server, query: str, accept: str = "application/sparql-results+json", **kw):
    return requests.get(server.url + "sparql", params={"query": query, **kw},
                        headers={"Accept": accept}, timeout=30)


def test_health_says_ready(server):
    body = server.get("health").json()
    assert body["status"] == "ok" and body["store"] == "ready" and body["triples"] > 1000


def test_an_iri_redirects_and_the_document_negotiates(server):
    response = server.get(f"id/{GROUP}", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    doc = requests.get(server.url + f"id/{GROUP}", headers={"Accept": "text/turtle"}, timeout=30)
    assert doc.status_code == 200 and doc.url.endswith(f"/doc/{GROUP}")
    assert doc.headers["Content-Type"].startswith("text/turtle")
    assert "Accept" in doc.headers["Vary"]
    assert doc.headers["Content-Location"].endswith(".ttl")
    assert doc.headers["ETag"] and doc.headers["Last-Modified"] and doc.headers["Cache-Control"]


@pytest.mark.parametrize("media_type", ["text/turtle", "application/ld+json",
                                        "application/n-triples", "application/rdf+xml"])
def test_rdflib_parses_every_document_format(server, media_type):
    response = server.get(f"doc/{GROUP}", headers={"Accept": media_type})
    graph = Graph().parse(data=response.content, format=RDFLIB_FORMATS[media_type])
    group = URIRef(server.base + f"id/{GROUP}")
    assert (group, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"),
            Literal("Migration and integration", lang="en")) in graph


def test_barcelona_chairs_the_working_group_in_2014_on_its_page(server):
    page = server.get(f"doc/{GROUP}", headers={"Accept": BROWSER}).text
    rows = [row for row in page.split("<tr>") if "Barcelona" in row and "chair city" in row]
    assert rows and "2014-01-01" in rows[0]


def test_51_cities_were_active_members_in_2013(server):
    response = sparql(server, ACTIVE_2013)
    assert response.status_code == 200
    assert response.json()["results"]["bindings"][0]["n"]["value"] == "51"


def test_sparqlwrapper_reads_every_results_format(server):
    client = SPARQLWrapper(server.url + "sparql")
    client.setQuery(ACTIVE_2013)
    client.setReturnFormat(JSON)
    assert client.query().convert()["results"]["bindings"][0]["n"]["value"] == "51"
    client.setReturnFormat(XML)
    assert "51" in client.query().convert().toxml()
    client.setReturnFormat(CSV)
    assert client.query().convert().decode().splitlines() == ["n", "51"]
    tsv = sparql(server, ACTIVE_2013, accept="text/tab-separated-values")
    assert tsv.headers["Content-Type"].startswith("text/tab-separated-values")
    client.setQuery(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ BIND(<{server.base}id/{GROUP}> AS ?s) "
                    "?s ?p ?o }")
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.query().convert(), format="turtle")
    assert len(graph) > 5


def test_sparqlwrapper_posts_queries(server):
    client = SPARQLWrapper(server.url + "sparql")
    client.setMethod("POST")
    client.setQuery(ACTIVE_2013)
    client.setReturnFormat(JSON)
    assert client.query().convert()["results"]["bindings"][0]["n"]["value"] == "51"
    direct = requests.post(server.url + "sparql", data=ACTIVE_2013.encode(), timeout=30,
                           headers={"Content-Type": "application/sparql-query",
                                    "Accept": "text/csv"})
    assert direct.text.splitlines() == ["n", "51"]


def rdflib_quads(content: bytes, fmt: str) -> int:
    """How many statements rdflib reads from a response, in any graph."""
    data = Dataset()
    data.parse(data=content, format=fmt)
    return sum(1 for _ in data.quads((None, None, None, None)))


def test_tampere_conference_dates_through_rdflib_sparqlstore(server):
    store = SPARQLStore(server.url + "sparql", returnFormat="json")
    graph = Graph(store=store)
    rows = list(graph.query("""PREFIX schema: <http://schema.org/>
        SELECT ?start ?end WHERE { ?e a schema:Event ; schema:startDate ?start ;
          schema:endDate ?end ; schema:location ?place . ?place ?label "Tampere"@en }"""))
    assert [(str(s), str(e)) for s, e in rows] == [("2013-09-09", "2013-09-10")]


@pytest.mark.parametrize("accept", ["text/turtle", "application/ld+json",
                                    "application/n-triples", "application/rdf+xml",
                                    "application/n-quads", "application/trig"])
def test_construct_results_parse_in_every_rdf_format(server, accept):
    query = f"DESCRIBE <{server.base}id/network/eurocities>"
    response = sparql(server, query, accept=accept)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(accept)
    assert rdflib_quads(response.content, RDFLIB_FORMATS[accept]) > 0


def test_the_format_parameter_overrides_accept(server):
    response = sparql(server, ACTIVE_2013, accept="text/html", format="csv")
    assert response.headers["Content-Type"].startswith("text/csv")


def test_a_malformed_query_is_400_with_the_parser_message(server):
    response = sparql(server, "SELECT * WHERE { ?s ?p ", accept="text/plain")
    assert response.status_code == 400
    assert "error" in response.text.lower() and "Traceback" not in response.text


def test_an_update_is_refused_and_changes_nothing(server):
    before = server.get("health").json()["triples"]
    update = f"INSERT DATA {{ <{server.base}id/x/y> <{server.base}p> 1 }}"
    form = requests.post(server.url + "sparql", data={"update": update}, timeout=30)
    direct = requests.post(server.url + "sparql", data=update.encode(), timeout=30,
                           headers={"Content-Type": "application/sparql-update"})
    assert 400 <= form.status_code < 500 and 400 <= direct.status_code < 500
    assert server.get("health").json()["triples"] == before
    assert server.get("id/x/y").status_code == 404


def test_an_unsupported_accept_is_406(server):
    assert sparql(server, ACTIVE_2013, accept="image/png").status_code == 406
    assert server.get(f"doc/{GROUP}", headers={"Accept": "image/png"}).status_code == 406


def test_the_endpoint_describes_itself(server):
    html = server.get("sparql", headers={"Accept": BROWSER})
    assert html.headers["Content-Type"].startswith("text/html") and "<form" in html.text
    rdf = server.get("sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=rdf.content, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (None, URIRef(sd + "endpoint"), URIRef(server.url + "sparql")) in graph
    assert (None, URIRef(sd + "feature"), URIRef(sd + "UnionDefaultGraph")) in graph


def test_cors_allows_any_origin(server):
    get = sparql(server, ACTIVE_2013)
    assert get.headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests.options(server.url + "sparql", timeout=30, headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


def test_named_graphs_and_default_graph_parameters(server):
    graph = server.base + "graph/seed-004"
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    only = sparql(server, query, **{"default-graph-uri": graph}).json()
    union = sparql(server, query).json()
    n_only = int(only["results"]["bindings"][0]["n"]["value"])
    assert 0 < n_only < int(union["results"]["bindings"][0]["n"]["value"])


def test_conditional_get_gives_304(server):
    first = server.get(f"doc/{GROUP}.ttl")
    again = server.get(f"doc/{GROUP}.ttl", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""


def test_head_answers_like_get_without_a_body(server):
    response = requests.head(server.url + f"doc/{GROUP}.ttl", timeout=30)
    assert response.status_code == 200 and response.content == b""
    assert response.headers["Content-Type"].startswith("text/turtle")


@pytest.mark.parametrize("path", ["doc/..%2f..%2fetc%2fpasswd", "dumps/..%2frelease.json",
                                  "doc/city/nowhere-at-all", f"doc/{GROUP}.exe"])
def test_bad_paths_are_404(server, path):
    response = server.get(path, headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert "text/html" in response.headers["Content-Type"]
    assert "root:" not in response.text and "Traceback" not in response.text


def test_dumps_are_listed_and_download_with_their_checksums(server):
    listing = server.get("dumps/", headers={"Accept": "application/json"}).json()
    names = {d["name"] for d in listing["dumps"]}
    assert {"citynet.ttl", "citynet.nt.gz", "citynet.nq.gz", "citynet.jsonld"} <= names
    assert "license" in listing
    for dump in listing["dumps"]:
        body = server.get("dumps/" + dump["name"]).content
        assert len(body) == dump["size"]
        assert hashlib.sha256(body).hexdigest() == dump["sha256"]
    html = server.get("dumps/", headers={"Accept": BROWSER}).text
    assert "SHA-256" in html and "citynet.nq.gz" in html


def test_dumps_support_range_requests(server):
    response = server.get("dumps/citynet.ttl", headers={"Range": "bytes=0-9"})
    assert response.status_code == 206 and len(response.content) == 10


def test_dump_store_and_graph_store_agree_on_every_quad(server):
    listing = server.get("dumps/", headers={"Accept": "application/json"}).json()
    nq = gzip.decompress(server.get("dumps/citynet.nq.gz").content)
    dumped = set(ox.parse(nq, format=ox.RdfFormat.N_QUADS))
    rows = sparql(server, "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                  accept="application/sparql-results+json").json()
    assert len(rows["results"]["bindings"]) == len(dumped)
    graphs = {q.graph_name.value for q in dumped}
    read: set[ox.Quad] = set()
    for graph in graphs:
        response = requests.get(server.url + "graph-store", params={"graph": graph}, timeout=30,
                                headers={"Accept": "application/n-quads"})
        assert response.status_code == 200
        read.update(ox.parse(response.content, format=ox.RdfFormat.N_QUADS))
    assert read == dumped
    assert listing["dumps"]


@pytest.mark.parametrize("accept", list(RDFLIB_FORMATS))
def test_graph_store_reads_in_every_rdf_format(server, accept):
    response = requests.get(server.url + "graph-store", params={"graph": server.base +
                            "graph/seed-004"}, headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200
    assert rdflib_quads(response.content, RDFLIB_FORMATS[accept]) > 100
    default = requests.get(server.url + "graph-store?default", headers={"Accept": accept},
                           timeout=30)
    assert default.status_code == 200


def test_graph_store_unknown_graph_is_404_and_writes_are_refused(server):
    missing = requests.get(server.url + "graph-store", params={"graph": "http://no.where/g"},
                           timeout=30)
    assert missing.status_code == 404
    put = requests.put(server.url + "graph-store?default", data=b"", timeout=30,
                       headers={"Content-Type": "text/turtle"})
    assert put.status_code in (401, 403, 405)


def test_void_description_negotiates(server):
    turtle = server.get(".well-known/void", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=turtle.content, format="turtle")
    dcat = "http://www.w3.org/ns/dcat#"
    assert len(set(graph.objects(None, URIRef(dcat + "distribution")))) == 4
    home = server.get("", headers={"Accept": "application/ld+json"})
    assert home.headers["Content-Type"].startswith("application/ld+json")
    assert json.loads(home.content)
