"""The web application through Flask's test client: routes, negotiation, caching, errors."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from tests.conftest import BASE
from tests.web.conftest import GROUP

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RDF_TYPES = {"text/turtle": ox.RdfFormat.TURTLE, "application/ld+json": ox.RdfFormat.JSON_LD,
             "application/n-triples": ox.RdfFormat.N_TRIPLES,
             "application/rdf+xml": ox.RdfFormat.RDF_XML}


def triples_of(response, fmt: ox.RdfFormat) -> set[ox.Triple]:
    return {q.triple if isinstance(q, ox.Quad) else q
            for q in ox.parse(response.data, format=fmt)}


def test_an_id_redirects_303_to_its_document(client):
    response = client.get(f"/id/{GROUP}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/doc/{GROUP}")


@pytest.mark.parametrize("accept,fmt", list(RDF_TYPES.items()))
def test_a_document_negotiates_every_rdf_format(client, accept, fmt):
    response = client.get(f"/doc/{GROUP}", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == accept
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Content-Location"].endswith(f"/doc/{GROUP}.{_suffix(accept)}")
    subject = ox.NamedNode(f"{BASE}id/{GROUP}")
    assert any(t.subject == subject for t in triples_of(response, fmt))


def _suffix(media_type: str) -> str:
    return {"text/turtle": "ttl", "application/ld+json": "jsonld", "application/n-triples": "nt",
            "application/rdf+xml": "rdf"}[media_type]


def test_the_description_holds_own_triples_linked_labels_and_incoming_links(client):
    response = client.get(f"/doc/{GROUP}.nt")
    triples = triples_of(response, ox.RdfFormat.N_TRIPLES)
    me = ox.NamedNode(f"{BASE}id/{GROUP}")
    eurocities = ox.NamedNode(f"{BASE}id/network/eurocities")
    assert any(t.subject == me and t.object == eurocities for t in triples)
    assert any(t.subject == eurocities and isinstance(t.object, ox.Literal) for t in triples)
    assert any(t.object == me and t.subject != me for t in triples)


def test_the_incoming_links_are_bounded(app):
    from service.web.app import create_app

    bounded = create_app(app.config["CITYNET"].with_overrides(describe_incoming_limit=3))
    response = bounded.test_client().get(f"/doc/{GROUP}.nt")
    me = ox.NamedNode(f"{BASE}id/{GROUP}")
    incoming = {t for t in triples_of(response, ox.RdfFormat.N_TRIPLES) if t.object == me}
    assert len(incoming) == 3


def test_the_html_page_shows_labels_roles_sources_and_embedded_jsonld(client):
    response = client.get(f"/doc/{GROUP}", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.data.decode()
    assert "<h1>Migration and integration</h1>" in page
    assert "Barcelona" in page and "chair city" in page and "2014-01-01" in page
    assert "graph/seed-004" in page
    start = page.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">')
    embedded = page[start:page.index("</script>", start)]
    assert json.loads(embedded)
    assert "</" not in embedded


def test_html_titles_follow_accept_language(client):
    english = client.get("/doc/city/munich.html").data.decode()
    german = client.get("/doc/city/munich.html", headers={"Accept-Language": "de"}).data.decode()
    assert "<h1>Munich</h1>" in english
    assert "<h1>München</h1>" in german


@pytest.mark.parametrize("suffix,mimetype", [("html", "text/html"), ("ttl", "text/turtle"),
                                             ("jsonld", "application/ld+json"),
                                             ("nt", "application/n-triples"),
                                             ("rdf", "application/rdf+xml")])
def test_a_suffix_selects_the_format(client, suffix, mimetype):
    response = client.get(f"/doc/{GROUP}.{suffix}", headers={"Accept": "image/png"})
    assert response.status_code == 200 and response.mimetype == mimetype


def test_an_unknown_suffix_is_404(client):
    response = client.get(f"/doc/{GROUP}.exe")
    assert response.status_code == 404
    assert b"unknown format suffix" in response.data


def test_an_unknown_iri_is_404_with_a_page_for_browsers(client):
    assert client.get("/id/city/atlantis").status_code == 404
    response = client.get("/doc/city/atlantis", headers={"Accept": BROWSER})
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert b"nothing is known" in response.data


def test_an_unacceptable_accept_header_is_406(client):
    assert client.get(f"/doc/{GROUP}", headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize("path", ["/doc/..%2f..%2fetc%2fpasswd", "/doc/../../etc/passwd",
                                  "/dumps/..%2frelease.json", "/dumps/../release.json",
                                  "/id/city/..%2f..%2fsecret"])
def test_path_traversal_finds_nothing(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert b"root:" not in response.data and b'"id"' not in response.data


def test_conditional_requests_get_304(client):
    first = client.get(f"/doc/{GROUP}.ttl")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert "max-age" in first.headers["Cache-Control"]
    assert client.get(f"/doc/{GROUP}.ttl", headers={"If-None-Match": etag}).status_code == 304
    assert client.get(f"/doc/{GROUP}.ttl",
                      headers={"If-Modified-Since": modified}).status_code == 304
    other = client.get(f"/doc/{GROUP}.nt")
    assert other.headers["ETag"] != etag


def test_head_works_and_has_no_body(client):
    for path in ("/", f"/doc/{GROUP}", "/sparql", "/dumps/", "/def", "/health"):
        response = client.head(path)
        assert response.status_code == 200, path
        assert response.data == b""


def test_the_home_page_browses_and_searches(client):
    page = client.get("/", headers={"Accept": BROWSER}).data.decode()
    assert "Eurocities" in page and "/doc/network/eurocities" in page
    found = client.get("/?q=barcel").data.decode()
    assert "/doc/city/barcelona" in found


def test_the_home_page_escapes_the_search_text(client):
    page = client.get("/?q=<script>alert(1)</script>").data.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_rdf_clients_get_the_dataset_description_from_the_home_page(client):
    response = client.get("/", headers={"Accept": "text/turtle"})
    assert response.mimetype == "text/turtle"
    assert b"dcat:Dataset" in response.data or b"http://www.w3.org/ns/dcat#Dataset" in response.data


def test_the_vocabulary_has_an_anchor_per_term_and_every_rdf_format(client):
    page = client.get("/def", headers={"Accept": BROWSER}).data.decode()
    assert 'id="Charter"' in page
    for suffix, fmt in (("ttl", ox.RdfFormat.TURTLE), ("jsonld", ox.RdfFormat.JSON_LD),
                        ("nt", ox.RdfFormat.N_TRIPLES), ("rdf", ox.RdfFormat.RDF_XML)):
        triples = triples_of(client.get(f"/def.{suffix}"), fmt)
        assert ox.NamedNode("https://w3id.org/citynet/def#Charter") in {t.subject for t in triples}


def test_the_shapes_are_served_as_html_and_turtle(client):
    assert client.get("/shapes", headers={"Accept": BROWSER}).status_code == 200
    triples = triples_of(client.get("/shapes.ttl"), ox.RdfFormat.TURTLE)
    assert any(t.object.value == "http://www.w3.org/ns/shacl#NodeShape" for t in triples)


def test_graph_store_writes_need_a_token(client):
    for method in (client.put, client.post, client.delete):
        response = method("/graph-store?graph=http://127.0.0.1:8080/graph/seed-001", data=b"",
                          content_type="text/turtle")
        assert response.status_code in (401, 403)


def test_the_query_page_lists_the_named_queries(client):
    page = client.get("/sparql", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert "members-in-year" in page and "Members of a group in a year" in page
    assert "?year" in page and "<form" in page


def test_health_reports_readiness(client, fixture_release):
    body = client.get("/health").get_json()
    assert body["status"] == "ok" and body["triples"] == fixture_release.triples


def test_every_iri_document_agrees_with_the_dump(client, fixture_release):
    """For every thing the dataset mints, /doc/… holds exactly its triples from the dump."""
    import gzip

    dump = gzip.decompress((fixture_release.dumps_path / "citynet.nt.gz").read_bytes())
    by_subject: dict[str, set[ox.Triple]] = {}
    for triple in ox.parse(dump, format=ox.RdfFormat.N_TRIPLES):
        by_subject.setdefault(triple.subject.value, set()).add(triple)
    things = sorted(s for s in by_subject if s.startswith(fixture_release.base + "id/"))
    assert len(things) > 30
    for iri in things:
        response = client.get("/doc/" + iri.removeprefix(fixture_release.base + "id/") + ".nt")
        assert response.status_code == 200, iri
        served = set(ox.parse(response.data, format=ox.RdfFormat.N_TRIPLES))
        own = {t for t in served if t.subject.value == iri}
        assert own == by_subject[iri], iri
