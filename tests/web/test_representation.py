"""Every negotiated, cacheable route answers a revalidation the way it answered the request:
the 304 carries the 200's ETag, Vary, Content-Location and Cache-Control, and a weak
``If-None-Match`` (what nginx sends once it has gzipped the response) still gets a 304."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.web.conftest import GROUP

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TURTLE = {"Accept": "text/turtle"}
QUERY = quote("SELECT ?s WHERE { ?s a <http://www.w3.org/ns/org#FormalOrganization> }")

#: (path, headers) of one representation of every cacheable GET route.
ROUTES = [
    (f"/doc/{GROUP}", {"Accept": BROWSER}),
    (f"/doc/{GROUP}", TURTLE),
    (f"/doc/{GROUP}.jsonld", {}),
    ("/", {"Accept": BROWSER}),
    ("/", TURTLE),
    ("/.well-known/void", {"Accept": BROWSER}),
    ("/.well-known/void", TURTLE),
    ("/sparql", {"Accept": BROWSER}),
    ("/sparql", TURTLE),
    (f"/sparql?query={QUERY}", {"Accept": "application/sparql-results+json"}),
    ("/api/", {}),
    ("/api/openapi.json", {}),
    ("/api/cities-per-country", {"Accept": "application/sparql-results+json"}),
    ("/search?q=migration", {"Accept": "application/json"}),
    ("/def", {"Accept": BROWSER}),
    ("/def", TURTLE),
    ("/shapes.ttl", {}),
    ("/graph-store?default", TURTLE),
    ("/dumps/", {"Accept": "application/json"}),
    ("/context.jsonld", {}),
    ("/dumps/releases/", {"Accept": "application/json"}),
    ("/dumps/releases/", {"Accept": BROWSER}),
    ("/dumps/releases.atom", {}),
    ("/graph/seed-004", {"Accept": BROWSER}),
    ("/dumps/", {"Accept": BROWSER}),
    ("/reconcile", {}),
    ("/reconcile/suggest/entity?prefix=migr", {}),
    ("/reconcile/propose_properties?type=city", {}),
    (f"/reconcile/preview?id={GROUP}", {}),
]
#: What RFC 9110 §15.4.5 has a 304 repeat (werkzeug drops Last-Modified from 304s, as allowed).
SHARED = ("ETag", "Vary", "Content-Location", "Cache-Control")


@pytest.mark.parametrize(("path", "headers"), ROUTES)
def test_a_304_carries_the_headers_of_its_200(client, path, headers):
    first = client.get(path, headers=headers)
    assert first.status_code == 200, first.get_data(as_text=True)[:300]
    etag = first.headers["ETag"]
    again = client.get(path, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    for name in SHARED:
        assert again.headers.get(name) == first.headers.get(name), name


@pytest.mark.parametrize(("path", "headers"), ROUTES)
def test_a_weak_validator_from_a_gzipping_proxy_gets_a_304(client, path, headers):
    etag = client.get(path, headers=headers).headers["ETag"]
    assert etag.startswith('"')
    weak = client.get(path, headers={**headers, "If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304
    listed = client.get(path, headers={**headers, "If-None-Match": f'"other", W/{etag}'})
    assert listed.status_code == 304


def test_negotiated_documents_name_their_specific_url_in_200_and_304(client):
    first = client.get(f"/doc/{GROUP}", headers=TURTLE)
    assert first.headers["Content-Location"] == f"/doc/{GROUP}.ttl"
    assert set(first.headers["Vary"].replace(" ", "").split(",")) == {"Accept",
                                                                       "Accept-Language"}
    again = client.get(f"/doc/{GROUP}", headers={**TURTLE, "If-None-Match": first.headers["ETag"]})
    assert again.headers["Content-Location"] == f"/doc/{GROUP}.ttl"


def test_another_variant_or_a_stale_tag_gets_the_full_answer(client):
    ttl = client.get(f"/doc/{GROUP}.ttl")
    other = client.get(f"/doc/{GROUP}.nt", headers={"If-None-Match": ttl.headers["ETag"]})
    assert other.status_code == 200 and other.headers["ETag"] != ttl.headers["ETag"]
    stale = client.get(f"/doc/{GROUP}.ttl", headers={"If-None-Match": 'W/"0-old"'})
    assert stale.status_code == 200 and stale.get_data() == ttl.get_data()


def test_every_cacheable_get_route_is_covered(app):
    """A new GET route must be added to ROUTES (so its 304 is checked too) or listed here."""
    adapter = app.url_map.bind("localhost")
    covered = {adapter.match(path.split("?")[0])[0] for path, _ in ROUTES}
    covered.add("releases.one")  # test_a_kept_release_revalidates_like_every_route
    not_cached = {"resource.thing",  # a 303 redirect
                  "dumps.download",  # send_file's own conditional GET, checked in test_app
                  "releases.download",  # the same, for a kept release's files
                  "releases.changes",  # a change log needs two releases: tests/build/test_history
                  "health.health", "metrics", "static"}
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert endpoints - not_cached - covered == set()


def test_a_post_query_is_not_stored_by_http_caches(client):
    response = client.post("/sparql", data={"query": "ASK { ?s ?p ?o }"},
                           headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store" and "ETag" not in response.headers
    assert "Accept" in response.headers["Vary"]


def test_a_dump_download_revalidates_with_a_weak_validator_too(client):
    listing = client.get("/dumps/", headers={"Accept": "application/json"}).get_json()
    url = listing["dumps"][0]["url"]
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"].startswith('"')
    weak = client.get(url, headers={"If-None-Match": "W/" + first.headers["ETag"]})
    assert weak.status_code == 304 and weak.headers["ETag"] == first.headers["ETag"]


def test_a_kept_release_revalidates_like_every_route(client):
    live = client.get("/dumps/releases/", headers={"Accept": "application/json"}).get_json()["live"]
    path = f"/dumps/releases/{live}/"
    for headers in ({"Accept": "application/json"}, {"Accept": BROWSER}):
        first = client.get(path, headers=headers)
        assert first.status_code == 200
        again = client.get(path, headers={**headers, "If-None-Match": f"W/{first.headers['ETag']}"})
        assert again.status_code == 304
        for name in ("ETag", "Vary", "Cache-Control"):
            assert again.headers.get(name) == first.headers.get(name), name
