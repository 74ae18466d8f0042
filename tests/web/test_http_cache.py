"""The release cache at the WSGI edge behaves as a shared HTTP cache: one kept answer per
variant (the request headers ``Vary`` names, the host), the 304 of a kept answer, nothing kept
for credentials or answers that are not a function of the release."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.web.conftest import GROUP


def hits(client, route: str) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples
               if s.name == "citynet_response_cache_total" and s.labels["route"] == route
               and s.labels["result"] == "hit")


def test_each_negotiated_variant_is_kept_apart(client):
    path = f"/doc/{GROUP}"
    for accept, media_type in (("text/turtle", "text/turtle"),
                               ("application/n-triples", "application/n-triples"),
                               ("text/turtle", "text/turtle")):
        answer = client.get(path, headers={"Accept": accept})
        assert answer.status_code == 200 and answer.mimetype == media_type
    before = hits(client, "resource.document")
    again = client.get(path, headers={"Accept": "application/n-triples"})
    assert again.mimetype == "application/n-triples"
    assert hits(client, "resource.document") == before + 1


def test_a_kept_answer_and_its_304_carry_the_same_validators(client):
    path = f"/doc/{GROUP}"
    first = client.get(path, headers={"Accept": "text/turtle"})
    kept = client.get(path, headers={"Accept": "text/turtle"})
    assert kept.get_data() == first.get_data()
    before = hits(client, "resource.document")
    revalidated = client.get(path, headers={"Accept": "text/turtle",
                                            "If-None-Match": f'W/{first.headers["ETag"]}'})
    assert revalidated.status_code == 304 and revalidated.get_data() == b""
    assert hits(client, "resource.document") == before + 1
    for header in ("ETag", "Vary", "Content-Location", "Cache-Control", "Last-Modified"):
        assert revalidated.headers.get(header) == first.headers.get(header), header
    head = client.head(path, headers={"Accept": "text/turtle"})
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["Content-Length"] == first.headers["Content-Length"]


def test_links_built_from_the_host_are_kept_per_host(client):
    one = client.get("/api/openapi.json", base_url="http://one.example")
    two = client.get("/api/openapi.json", base_url="http://two.example")
    assert one.get_json()["servers"][0]["url"].startswith("http://one.example")
    assert two.get_json()["servers"][0]["url"].startswith("http://two.example")


def test_requests_with_credentials_are_never_answered_from_the_cache(client):
    path = f"/doc/{GROUP}.ttl"
    client.get(path)
    before = hits(client, "resource.document")
    answer = client.get(path, headers={"Authorization": "Bearer not-a-token"})
    assert answer.status_code == 200
    assert hits(client, "resource.document") == before


def test_a_query_that_is_not_a_function_of_the_release_is_asked_every_time(client):
    query = "SELECT (STRUUID() AS ?u) WHERE {}"
    answers = {client.get("/sparql", query_string={"query": query}, headers={
        "Accept": "application/sparql-results+json"}).get_json()["results"]["bindings"][0]["u"][
        "value"] for _ in range(2)}
    assert len(answers) == 2
