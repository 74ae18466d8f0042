"""The static export of the fixture dataset, served by Debian's nginx, passes the linked-data
checks: 303 from /id/, negotiation with ``Vary: Accept``, suffixes, 404, conditional GET, and
every answer is the very bytes (and media type) the service gives for the same request."""

from __future__ import annotations

import hashlib
import io

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from service import media
from tests.conftest import BASE

pytestmark = pytest.mark.slow  # a real nginx process

GROUP = "group/eurocities-migration-integration"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RDFLIB = {"ttl": "turtle", "jsonld": "json-ld", "nt": "nt", "rdf": "xml"}
SUFFIXES = ("html", "ttl", "jsonld", "nt", "rdf")
#: Accept headers whose first listed acceptable range names the format the service picks.
ACCEPTS = [None, "*/*", BROWSER, "text/html", "application/xhtml+xml",
           "text/html;q=0, text/turtle", "*/*;q=0.1, application/rdf+xml",
           *(f.media_type for f in media.GRAPH_FORMATS),
           *(alias for f in media.GRAPH_FORMATS for alias in f.aliases),
           "text/turtle;q=0.9, application/ld+json;q=0.5"]


def things(app) -> list[str]:
    """``kind/slug`` of every subject the fixture release mints (asked of the store itself)."""
    store = app.extensions["citynet.store"]
    prefix = f"{BASE}id/"
    rows = store.query(f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{prefix}")) }}')
    return sorted(row["s"].value[len(prefix):] for row in rows)


def media_type(response) -> str:
    value = response.headers.get("Content-Type", "")
    return value.split(";")[0].strip()


def test_every_document_in_every_format_is_the_services_bytes(nginx, service, app):
    found = things(app)
    assert GROUP in found and "city/barcelona" in found
    assert nginx.export.tally.documents >= len(found)
    for thing in found:
        for suffix in SUFFIXES:
            ours = nginx.get(f"doc/{thing}.{suffix}")
            theirs = service.get(f"/doc/{thing}.{suffix}")
            assert ours.status_code == theirs.status_code == 200, (thing, suffix)
            assert ours.content == theirs.data, (thing, suffix)
            assert ours.headers["Content-Type"] == theirs.headers["Content-Type"], (thing, suffix)
            assert "Accept" in ours.headers["Vary"]


def test_an_iri_answers_303_to_its_document(nginx, service, app):
    for thing in things(app):
        ours = nginx.get(f"id/{thing}", headers={"Accept": "text/turtle"})
        theirs = service.get(f"/id/{thing}", {"Accept": "text/turtle"})
        assert ours.status_code == theirs.status_code == 303, thing
        assert ours.headers["Location"] == theirs.headers["Location"] == f"/doc/{thing}"
    followed = nginx.get(f"id/{GROUP}", headers={"Accept": "text/turtle"}, allow_redirects=True)
    assert followed.status_code == 200 and followed.url.endswith(f"/doc/{GROUP}")
    assert media_type(followed) == "text/turtle"


@pytest.mark.parametrize("accept", ACCEPTS)
def test_negotiation_gives_what_the_service_gives(nginx, service, accept):
    headers = {"Accept": accept} if accept is not None else {}
    ours = nginx.get(f"doc/{GROUP}", headers=headers)
    theirs = service.get(f"/doc/{GROUP}", headers)
    assert ours.status_code == theirs.status_code == 200
    assert ours.headers["Content-Type"] == theirs.headers["Content-Type"]
    assert ours.content == theirs.data
    assert ours.headers["Content-Location"] == theirs.headers["Content-Location"]
    assert "Accept" in [v.strip() for v in ours.headers["Vary"].split(",")]


@pytest.mark.parametrize("suffix", ["ttl", "jsonld", "nt", "rdf"])
def test_rdflib_and_pyoxigraph_read_every_format(nginx, suffix):
    fmt = next(f for f in media.GRAPH_FORMATS if f.suffix == suffix)
    negotiated = nginx.get(f"doc/{GROUP}", headers={"Accept": fmt.media_type})
    assert negotiated.content == nginx.get(f"doc/{GROUP}.{suffix}").content
    group = f"{BASE}id/{GROUP}"
    graph = Graph().parse(data=negotiated.content, format=RDFLIB[suffix])
    assert (URIRef(group), URIRef(SKOS_PREF), Literal("Migration and integration", lang="en")) \
        in graph
    triples = {q.triple for q in ox.parse(io.BytesIO(negotiated.content), format=fmt.format)}
    assert ox.Triple(ox.NamedNode(group), ox.NamedNode(SKOS_PREF),
                     ox.Literal("Migration and integration", language="en")) in triples
    assert len(triples) == len(graph)


def test_the_page_shows_the_group(nginx):
    page = nginx.get(f"doc/{GROUP}", headers={"Accept": BROWSER})
    assert media_type(page) == media.HTML
    assert page.headers["Content-Encoding"] == "gzip"  # requests asks for it, and decodes it
    assert "Migration and integration" in page.text and "Barcelona" in page.text


@pytest.mark.parametrize("path", [f"doc/{GROUP}", f"doc/{GROUP}.ttl", "def", "shapes.nt",
                                  ".well-known/void", "context.jsonld", "dumps/citynet.ttl"])
def test_conditional_get_answers_304(nginx, service, path):
    accept = "text/turtle, */*;q=0.1"
    first = nginx.get(path, headers={"Accept": accept})
    assert first.status_code == 200
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = nginx.get(path, headers={"Accept": accept, "If-None-Match": etag})
    assert again.status_code == 304 and not again.content
    # a gzipped 200 carries nginx's weak form of the file's ETag; its 304 the strong one
    assert again.headers["ETag"].removeprefix("W/") == etag.removeprefix("W/")
    since = nginx.get(path, headers={"Accept": accept, "If-Modified-Since": modified})
    assert since.status_code == 304
    changed = nginx.get(path, headers={"Accept": accept, "If-None-Match": '"other"'})
    assert changed.status_code == 200 and changed.content == first.content
    if not path.startswith("dumps/"):  # a rendered answer: the release's build time
        assert modified == service.get(f"/{path}", {"Accept": accept}).headers["Last-Modified"]


@pytest.mark.parametrize("path,accept", [
    ("", BROWSER), ("", "text/turtle"), ("?format=jsonld", None),
    (".well-known/void", BROWSER), (".well-known/void", "application/n-triples"),
    (".well-known/void?format=rdfxml", None), (".well-known/void?format=turtle", BROWSER),
    ("def", BROWSER), ("def", "text/turtle"), ("def.jsonld", None), ("shapes", "application/rdf+xml"),
    ("shapes.html", None), ("context.jsonld", None), ("dumps/", BROWSER),
    ("dumps/", "application/json"), ("static/style.css", None)])
def test_site_pages_are_the_services_bytes(nginx, service, path, accept):
    headers = {"Accept": accept} if accept else {}
    ours = nginx.get(path, headers=headers)
    theirs = service.get(f"/{path}", headers)
    assert ours.status_code == theirs.status_code == 200
    assert ours.content == theirs.data
    assert ours.headers["Content-Type"] == theirs.headers["Content-Type"]
    if "Content-Location" in theirs.headers:
        assert ours.headers["Content-Location"] == theirs.headers["Content-Location"]


def test_dumps_are_the_releases_files(nginx, service, fixture_release):
    listing = nginx.get("dumps/", headers={"Accept": "application/json"}).json()
    assert listing["release"] == fixture_release.id and listing["dumps"]
    for dump in listing["dumps"]:
        ours = nginx.get(f"dumps/{dump['name']}")
        theirs = service.get(f"/dumps/{dump['name']}")
        assert ours.status_code == theirs.status_code == 200
        assert hashlib.sha256(ours.content).hexdigest() == dump["sha256"]
        assert ours.content == theirs.data
        assert media_type(ours) == media_type(theirs)
        assert ours.headers["Content-Disposition"].startswith("attachment")
        assert dump["name"] in ours.headers["Content-Disposition"]


@pytest.mark.parametrize("path", ["id/group/no-such-group", "doc/group/no-such-group",
                                  "doc/group/no-such-group.ttl", f"doc/{GROUP}.xyz",
                                  "id/not a path", "doc/", "no-such-page", "dumps/no-such.ttl",
                                  "def.xyz", "index.html", ".well-known/void.ttl",
                                  "dumps/index.json"])
def test_unknown_things_are_404(nginx, service, path):
    assert nginx.get(path).status_code == 404
    assert service.get(f"/{path}").status_code == 404


@pytest.mark.parametrize("path", ["sparql?query=ASK%7B%7D", "search?q=barcelona", "api/",
                                  "reconcile", "health"])
def test_dynamic_routes_are_absent_without_an_upstream(nginx, service, path):
    assert service.get(f"/{path}").status_code in (200, 303)
    assert nginx.get(path).status_code == 404


@pytest.mark.parametrize("path", [f"doc/{GROUP}.ttl?page=2", f"doc/{GROUP}?page=3"])
def test_a_later_page_is_not_in_the_export_without_an_upstream(nginx, path):
    """Only page 1 of a document's incoming links is exported; page 2 is never page 1 again."""
    assert nginx.get(path).status_code == 404
    first = nginx.get(path.split("?")[0] + "?page=1")
    assert first.status_code == 200 and first.content == nginx.get(path.split("?")[0]).content


def test_an_unknown_format_parameter_is_400(nginx, service):
    assert nginx.get(".well-known/void?format=bogus").status_code == 400
    assert service.get("/.well-known/void?format=bogus").status_code == 400
