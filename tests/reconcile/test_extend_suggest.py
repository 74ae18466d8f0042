"""Suggest, preview and data extension, validated against the 0.2 schemas; which payloads the
1.0-draft schemas accept as well."""

from __future__ import annotations

import json

import pytest


def extend(client, ids: list[str], *pids: str, **settings) -> dict:
    properties = [{"id": p, **({"settings": settings} if settings else {})} for p in pids]
    response = client.post("/reconcile", data={"extend": json.dumps(
        {"ids": ids, "properties": properties})})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_the_local_schema_registry_resolves_refs_and_fetches_nothing(schemas):
    manifest = schemas("0.2", "manifest.json")
    base = {"versions": ["0.2"], "name": "n", "identifierSpace": "i", "schemaSpace": "s"}
    assert manifest.is_valid(base)
    assert not manifest.is_valid({**base, "defaultTypes": [{"id": "city"}]})  # via type.json
    assert not manifest.is_valid({**base, "authentication": {"type": "nonsense"}})  # swagger


def test_city_data_extension(client, valid):
    body = extend(client, ["city/munich", "http://127.0.0.1:8080/id/city/gothenburg"],
                  "country", "wikidata", "name_en", "name_local", "place", "country_entity", "iri")
    valid("data-extension-response.json", body)
    assert [m["id"] for m in body["meta"]] == ["country", "wikidata", "name_en", "name_local",
                                              "place", "country_entity", "iri"]
    munich = body["rows"]["city/munich"]
    assert munich["country"] == [{"str": "DE"}] and munich["wikidata"] == [{"str": "Q1726"}]
    assert munich["name_en"] == [{"str": "Munich"}] and munich["name_local"] == [{"str": "München"}]
    assert munich["place"] == [{"id": "place/munich", "name": "Munich"}]
    assert munich["country_entity"] == [{"id": "country/de", "name": "Germany"}]
    assert munich["iri"] == [{"str": "http://127.0.0.1:8080/id/city/munich"}]
    gothenburg = body["rows"]["http://127.0.0.1:8080/id/city/gothenburg"]
    assert gothenburg["name_local"] == [{"str": "Göteborg"}]


def test_extension_of_unknown_ids_and_unrelated_properties_is_empty(client, valid):
    body = extend(client, ["city/atlantis", "group/eurocities-migration-integration"],
                  "country", "network")
    valid("data-extension-response.json", body)
    assert body["rows"]["city/atlantis"] == {"country": [], "network": []}
    group = body["rows"]["group/eurocities-migration-integration"]
    assert group == {"country": [], "network": [{"id": "network/eurocities", "name": "Eurocities"}]}


@pytest.mark.parametrize("payload", [
    "{bad", "[]", '{"ids": ["city/munich"]}', '{"ids": "x", "properties": []}',
    '{"ids": ["city/munich"], "properties": [{"id": "population"}]}',
    '{"ids": [1], "properties": [{"id": "country"}]}',
    '{"ids": ["city/munich"], "properties": [{"id": "country", "settings": {"limit": "x"}}]}',
    '{"ids": ["city/munich"], "properties": [{"id": "country", "settings": {"limit": 1e400}}]}',
])
def test_bad_extension_queries_are_400(client, payload):
    response = client.post("/reconcile", data={"extend": payload})
    assert response.status_code == 400 and "extend" in response.get_json()["detail"]


def test_property_proposals_follow_the_type(client, schemas, valid):
    city = client.get("/reconcile/propose_properties?type=city").get_json()
    valid("data-extension-property-proposal.json", city)
    ids = [p["id"] for p in city["properties"]]
    assert {"country", "wikidata", "name_en", "name_local", "place"} <= set(ids)
    group = client.get("/reconcile/propose_properties?type=group&limit=3").get_json()
    assert "network" in [p["id"] for p in group["properties"]] and len(group["properties"]) <= 3
    assert client.get("/reconcile/propose_properties?type=nothing").get_json()["properties"] == []


def test_suggest_entities_types_and_properties(client, valid):
    entities = client.get("/reconcile/suggest/entity?prefix=M%C3%BCn").get_json()
    valid("suggest-entities-response.json", entities)
    assert [e["id"] for e in entities["result"][:2]] == ["city/munich", "city/munster"]
    groups = client.get("/reconcile/suggest/entity?prefix=migr&type=group").get_json()
    assert {e["id"] for e in groups["result"]} == {"group/eurocities-migration-integration",
                                                    "group/cemr-migration-and-inclusion"}
    types = client.get("/reconcile/suggest/type?prefix=wor").get_json()
    valid("suggest-types-response.json", types)
    assert types["result"][0]["id"] == "group"
    props = client.get("/reconcile/suggest/property?prefix=wiki").get_json()
    valid("suggest-properties-response.json", props)
    assert props["result"][0]["id"] == "wikidata"
    paged = client.get("/reconcile/suggest/entity?prefix=a&limit=2&cursor=2").get_json()
    assert len(paged["result"]) == 2


@pytest.mark.parametrize("query", ["", "?prefix=a&limit=0", "?prefix=a&limit=x",
                                   "?prefix=a&cursor=-1", "?prefix=" + "a" * 201])
def test_bad_suggest_requests_are_400(client, query):
    response = client.get("/reconcile/suggest/entity" + query)
    assert response.status_code == 400
    assert response.get_json()["detail"].startswith(("prefix", "limit", "cursor", "give"))


def test_preview_is_a_small_escaped_html_card(client):
    response = client.get("/reconcile/preview?id=city/munich")
    assert response.status_code == 200 and response.content_type.startswith("text/html")
    html = response.get_data(as_text=True)
    assert "Munich" in html and "München" in html and "Q1726" in html and "/doc/city/munich" in html
    brighton = client.get("/reconcile/preview?id=city/brighton-and-hove").get_data(as_text=True)
    assert "Brighton &amp; Hove" in brighton and "Brighton & Hove" not in brighton
    assert client.get("/reconcile/preview?id=<script>").status_code == 404


def test_get_answers_are_cached_per_release(client):
    first = client.get("/reconcile/suggest/entity?prefix=mun")
    assert first.headers["ETag"]
    again = client.get("/reconcile/suggest/entity?prefix=mun",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_which_payloads_the_1_0_draft_schemas_accept_too(client, schemas):
    """Suggest responses and property proposals are the same in both versions; the manifest
    (1.0 wants "1.0-draft" and boolean suggest flags), result batches ({"results": [...]}) and
    extension rows (a list) differ, so the service answers in 0.2, as OpenRefine speaks it."""
    def draft(name: str, payload) -> bool:
        return schemas("1.0-draft", name).is_valid(payload)

    for path, name in [("/reconcile/suggest/entity?prefix=mun", "suggest-entities-response.json"),
                       ("/reconcile/suggest/type?prefix=c", "suggest-types-response.json"),
                       ("/reconcile/suggest/property?prefix=c", "suggest-properties-response.json"),
                       ("/reconcile/propose_properties?type=city",
                        "data-extension-property-proposal.json")]:
        assert draft(name, client.get(path).get_json()), path
    assert not draft("manifest.json", client.get("/reconcile").get_json())
    batch = client.post("/reconcile", data={"queries": '{"q0": {"query": "Munich"}}'}).get_json()
    assert not draft("reconciliation-result-batch.json", batch)
    rows = extend(client, ["city/munich"], "country")
    assert not draft("data-extension-response.json", rows)
