"""Clean RDF for people and programs: every JSON-LD answer is compact, with (part of) the
dataset's context published at /context.jsonld, and says exactly what the Turtle says; Turtle
declares only the prefixes it uses and never escapes inside a prefixed name.

Turtle is read by rdflib, JSON-LD by pyoxigraph and by pyld: three independent parsers, none
of them the serialiser under test."""

from __future__ import annotations

import gzip
import json
import re

import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld as pyld

from tests.conftest import BASE
from tests.web.conftest import GROUP

SPARQL_CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
KEYWORDS = {"@id", "@type", "@graph", "@context"}


def from_turtle(data: bytes) -> set[ox.Triple]:
    """Turtle read by rdflib, handed over as N-Triples (exact, no blank nodes here)."""
    graph = rdflib.Graph().parse(data=data, format="turtle")
    nt = graph.serialize(format="nt", encoding="utf-8")
    return {q.triple for q in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)}


def from_jsonld(data: bytes) -> set[ox.Triple]:
    """JSON-LD read by pyoxigraph and by pyld, which must agree."""
    by_oxigraph = {q.triple for q in ox.parse(data, format=ox.RdfFormat.JSON_LD)}
    nquads = pyld.to_rdf(json.loads(data), {"format": "application/n-quads"})
    by_pyld = {q.triple for q in ox.parse(nquads.encode(), format=ox.RdfFormat.N_QUADS)}
    assert by_pyld == by_oxigraph
    return by_oxigraph


@pytest.fixture(scope="module")
def app(build_settings, built_release):
    """Every resource of the full dataset (not the web tests' small fixture) is checked."""
    from service.web.app import create_app

    return create_app(build_settings)


@pytest.fixture(scope="module")
def published_context(app) -> dict:
    response = app.test_client().get("/context.jsonld")
    assert response.status_code == 200
    return response.get_json()["@context"]


def assert_compact(document: dict, context: dict) -> None:
    """A compact document: its context is part of the published one, and every key is a
    keyword, a term of that context, or a compact IRI with one of its prefixes."""
    local = document["@context"]
    assert isinstance(local, dict) and local
    for key, value in local.items():
        assert context[key] == value, key
    nodes = list(document["@graph"])
    while nodes:
        node = nodes.pop()
        nodes.extend(node.get("@graph", []))
        for key in node:
            prefix = key.split(":", 1)[0]
            assert key in KEYWORDS or key in local or (":" in key and prefix in local), key
        assert not node["@id"].startswith((BASE + "id/", BASE + "graph/")), node["@id"]


def assert_clean_turtle(text: str) -> None:
    """Each declared prefix is used; no prefixed name holds an escape."""
    declared = re.findall(r"^@prefix (\w*): <[^>]*> \.$", text, flags=re.M)
    body = re.sub(r'"(?:[^"\\]|\\.)*"', '""', "\n".join(
        line for line in text.splitlines() if not line.startswith("@prefix")))
    for prefix in declared:
        assert re.search(rf"(?:^|[\s,;^]){prefix}:", body, flags=re.M), prefix
    assert "\\" not in body


def things(store: ox.Store) -> list[str]:
    rows = store.query("SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } }")
    return sorted(r["s"].value for r in rows if r["s"].value.startswith(BASE + "id/"))


def test_every_resource_says_the_same_in_compact_jsonld_and_clean_turtle(
        client, built_store, published_context):
    iris = things(built_store)
    assert len(iris) > 300
    for iri in iris:
        path = "/doc/" + iri.removeprefix(BASE + "id/")
        turtle = client.get(path + ".ttl")
        document = client.get(path + ".jsonld")
        assert turtle.status_code == document.status_code == 200, iri
        assert_clean_turtle(turtle.data.decode())
        assert_compact(document.get_json(), published_context)
        expected = from_turtle(turtle.data)
        assert any(t.subject.value == iri for t in expected), iri
        assert from_jsonld(document.data) == expected, iri


def test_a_resource_reads_as_people_expect(client):
    """Barcelona, as the seeds name it: terms, language maps and compact IRIs, no escapes."""
    document = client.get("/doc/city/barcelona.jsonld").get_json()
    node = next(n for n in document["@graph"] if n["@id"] == "id:city/barcelona")
    assert node["prefLabel"]["en"] == "Barcelona"
    assert "org:Organization" in node["@type"]
    assert node["spatial"] == "id:place/barcelona"
    turtle = client.get("/doc/city/barcelona.ttl").data.decode()
    assert f"<{BASE}id/city/barcelona>" in turtle and "id:city" not in turtle
    declared = re.findall(r"^@prefix (\w*):", turtle, flags=re.M)
    assert "skos" in declared and "wd" not in declared and "id" not in declared


def test_application_json_answers_jsonld(client):
    response = client.get(f"/doc/{GROUP}", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert response.headers["Content-Location"].endswith(f"/doc/{GROUP}.jsonld")
    assert from_jsonld(response.data) == from_turtle(client.get(f"/doc/{GROUP}.ttl").data)
    store = client.get("/graph-store?default", headers={"Accept": "application/json"})
    assert store.status_code == 200 and store.mimetype == "application/ld+json"


def test_a_construct_answers_the_same_in_jsonld_and_turtle(client, built_release,
                                                           published_context):
    as_jsonld = client.get("/sparql", query_string={"query": SPARQL_CONSTRUCT},
                           headers={"Accept": "application/ld+json"})
    as_turtle = client.get("/sparql", query_string={"query": SPARQL_CONSTRUCT},
                           headers={"Accept": "text/turtle"})
    assert as_jsonld.status_code == as_turtle.status_code == 200
    assert_compact(as_jsonld.get_json(), published_context)
    assert_clean_turtle(as_turtle.data.decode())
    triples = from_turtle(as_turtle.data)
    assert len(triples) == built_release.triples
    assert from_jsonld(as_jsonld.data) == triples


def test_the_graph_store_answers_compact_jsonld(client, published_context):
    default = client.get("/graph-store?default", headers={"Accept": "application/ld+json"})
    assert_compact(default.get_json(), published_context)
    turtle = client.get("/graph-store?default", headers={"Accept": "text/turtle"})
    assert_clean_turtle(turtle.data.decode())
    assert from_jsonld(default.data) == from_turtle(turtle.data)
    graph = f"{BASE}graph/seed-004"
    named = client.get("/graph-store", query_string={"graph": graph},
                       headers={"Accept": "application/ld+json"})
    document = named.get_json()
    assert_compact(document, published_context)
    assert [g["@id"] for g in document["@graph"]] == ["graph:seed-004"]
    nquads = client.get("/graph-store", query_string={"graph": graph},
                        headers={"Accept": "application/n-quads"})
    assert set(ox.parse(named.data, format=ox.RdfFormat.JSON_LD)) == set(
        ox.parse(nquads.data, format=ox.RdfFormat.N_QUADS))


def test_the_description_and_vocabulary_are_compact_too(client, published_context):
    for path in ("/.well-known/void", "/def"):
        document = client.get(path, headers={"Accept": "application/ld+json"})
        assert_compact(document.get_json(), published_context)
        turtle = client.get(path, headers={"Accept": "text/turtle"})
        assert_clean_turtle(turtle.data.decode())
        assert from_jsonld(document.data) == from_turtle(turtle.data)


def test_the_page_embeds_compact_jsonld(client, published_context):
    page = client.get(f"/doc/{GROUP}.html").data.decode()
    start = page.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">')
    embedded = json.loads(page[start:page.index("</script>", start)])
    assert_compact(embedded, published_context)
    assert any(n["@id"] == f"id:{GROUP}" for n in embedded["@graph"])


def test_the_context_is_published_negotiated_and_cacheable(client, built_store):
    response = client.get("/context.jsonld")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    context = response.get_json()["@context"]
    assert context["id"] == BASE + "id/" and context["skos"].endswith("/skos/core#")
    assert context["prefLabel"] == {"@id": "skos:prefLabel", "@container": "@language"}
    assert context["memberDuring"] == {"@id": "org:memberDuring", "@type": "@id"}
    used = {r["p"].value for r in built_store.query(
        "SELECT DISTINCT ?p WHERE { GRAPH ?g { ?s ?p ?o } }")}
    iris = {pyld.expand({"@context": context, "@id": "x", key: "v"})[0].popitem()[0]
            for key in context if isinstance(context[key], dict)}
    assert iris <= used
    as_json = client.get("/context.jsonld", headers={"Accept": "application/json"})
    assert as_json.status_code == 200 and as_json.mimetype == "application/json"
    assert client.get("/context.jsonld", headers={"Accept": "text/html"}).status_code == 406
    etag = response.headers["ETag"]
    assert "max-age" in response.headers["Cache-Control"]
    assert client.get("/context.jsonld", headers={"If-None-Match": etag}).status_code == 304


def test_programs_compact_their_own_data_with_the_published_context(client):
    """pyld with the published context gives the same triples as the service's JSON-LD."""
    context = client.get("/context.jsonld").get_json()
    expanded = json.loads(ox.serialize(
        ox.parse(client.get(f"/doc/{GROUP}.nt").data, format=ox.RdfFormat.N_TRIPLES),
        format=ox.RdfFormat.JSON_LD))
    compacted = pyld.compact(expanded, context)
    assert from_jsonld(json.dumps(compacted).encode()) == from_jsonld(
        client.get(f"/doc/{GROUP}.jsonld").data)
    assert "prefLabel" in json.dumps(compacted)


def test_the_dumps_are_clean_and_agree(built_release, client):
    folder = built_release.dumps_path
    nquads = set(ox.parse(gzip.decompress((folder / "citynet.nq.gz").read_bytes()),
                          format=ox.RdfFormat.N_QUADS))
    document = json.loads((folder / "citynet.jsonld").read_bytes())
    assert document["@context"] == client.get("/context.jsonld").get_json()["@context"]
    assert_compact(document, document["@context"])
    assert set(ox.parse((folder / "citynet.jsonld").read_bytes(),
                        format=ox.RdfFormat.JSON_LD)) == nquads
    turtle = (folder / "citynet.ttl").read_bytes()
    assert_clean_turtle(turtle.decode())
    assert from_turtle(turtle) == {q.triple for q in nquads}
