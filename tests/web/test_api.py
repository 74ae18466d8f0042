"""The named queries as a REST API: /api/{name} with typed parameters, described by OpenAPI."""

from __future__ import annotations

import csv

import pyoxigraph as ox
import pytest
from openapi_spec_validator import validate

from service.queries import load_queries
from service.settings import PROJECT_ROOT
from tests.conftest import BASE, FIXTURE_DATA

QUERIES = load_queries(PROJECT_ROOT / "queries")
JSON_RESULTS = "application/sparql-results+json"


def bindings(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = response.get_json()["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


def test_the_openapi_document_is_valid_and_lists_every_query(client):
    document = client.get("/api/openapi.json").get_json()
    validate(document)
    assert set(document["paths"]) == {f"/api/{name}" for name in QUERIES}
    members = document["paths"]["/api/members-in-year"]["get"]
    params = {p["name"]: p for p in members["parameters"]}
    assert params["group"]["required"] and params["year"]["schema"]["pattern"] == "^[0-9]{4}$"
    assert JSON_RESULTS in members["responses"]["200"]["content"]


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_answers_its_own_example_as_the_store_does(client, fixture_release, name):
    """Over HTTP, each example answers exactly the rows the store gives for the same bound
    query (that every example answers something on the full data: tests/queries)."""
    response = client.get(f"/api/{name}", query_string=QUERIES[name].example_values(),
                          headers={"Accept": JSON_RESULTS})
    store = ox.Store.read_only(str(fixture_release.store_path))
    bound = QUERIES[name].bindings(QUERIES[name].example_values(), BASE)
    solutions = store.query(QUERIES[name].text,
                            substitutions={ox.Variable(k): v for k, v in bound.items()})
    names = [v.value for v in solutions.variables]
    expected = [{n: row[n].value for n in names if row[n] is not None} for row in solutions]
    assert sorted(map(sorted_items, bindings(response))) == sorted(map(sorted_items, expected))


def sorted_items(row: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(row.items())


def fixture_active_members_2013() -> set[str]:
    """The English names of the cities the fixture's seed-004 lists as active in 2013."""
    names = {row["slug"]: row["name_en"] for row in csv.DictReader(
        (FIXTURE_DATA / "cities" / "cities.csv").open(encoding="utf-8"))}
    graph = ox.parse(path=FIXTURE_DATA / "seed-004.ttl", format=ox.RdfFormat.TURTLE, base_iri=BASE)
    triples = list(graph)
    role = ox.NamedNode("https://w3id.org/citynet/def#active-member-city")
    active = {t.subject for t in triples if t.predicate.value.endswith("#role") and t.object == role}
    return {names[t.object.value.rsplit("/", 1)[1]] for t in triples
            if t.subject in active and t.predicate.value == "http://www.w3.org/ns/org#member"}


@pytest.mark.parametrize("query_string, message", [
    ({}, "missing required parameter 'city'"),
    ({"city": "id/city/barcelona", "town": "x"}, "unknown parameter"),
    ({"city": "x> } DROP ALL #"}, "not an http"),
])
def test_bad_parameters_are_400_with_the_reason(client, query_string, message):
    response = client.get("/api/groups-of-city", query_string=query_string,
                          headers={"Accept": "text/plain"})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_repeated_parameter_and_an_unknown_query_are_refused(client):
    assert client.get("/api/members-in-year?year=2013&year=2014&group=id/group/x").status_code == 400
    assert client.get("/api/no-such-query").status_code == 404


def test_api_answers_are_cached_per_release(client):
    first = client.get("/api/cities-per-country?country=FI", headers={"Accept": JSON_RESULTS})
    again = client.get("/api/cities-per-country?country=FI",
                       headers={"Accept": JSON_RESULTS, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    other = client.get("/api/cities-per-country?country=DE", headers={"Accept": JSON_RESULTS})
    assert other.headers["ETag"] != first.headers["ETag"]


def test_the_index_links_each_query_with_its_example(client):
    listing = client.get("/api/").get_json()
    example = next(q for q in listing["queries"] if q["name"] == "groups-of-city")["example"]
    assert example.startswith("/api/groups-of-city?city=id")
    assert bindings(client.get(example, headers={"Accept": JSON_RESULTS}))
