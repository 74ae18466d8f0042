"""The named queries of queries/ answer the researchers' questions, checked against the seeds."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from service.queries import ParameterError, load_queries
from service.settings import PROJECT_ROOT

QUERIES = load_queries(PROJECT_ROOT / "queries")
BASE = "http://127.0.0.1:8080/"


def run(store: ox.Store, name: str, **values: str) -> list[dict[str, str]]:
    """Run a named query with parameters bound as RDF terms; rows as {variable: value}."""
    query = QUERIES[name]
    bound = query.bindings(values, BASE)
    solutions = store.query(query.text,
                            substitutions={ox.Variable(k): v for k, v in bound.items()})
    names = [v.value for v in solutions.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in solutions]


def column(rows: list[dict[str, str]], name: str) -> list[str]:
    return [row[name] for row in rows if name in row]


def test_there_are_at_least_twelve_documented_queries():
    assert len(QUERIES) >= 12
    for query in QUERIES.values():
        assert query.title and query.description
        for param in query.parameters:
            assert param.example, f"{query.name}: parameter {param.name} has no example"


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_runs_with_its_example_and_answers(built_store, name):
    assert run(built_store, name, **QUERIES[name].example_values())


def test_working_groups_per_impact_community(built_store):
    society = run(built_store, "working-groups-per-unit", unit="id/community/cemr-society")
    assert len(society) == 9  # seed 002: nine SOCIETY groups, the heading is not one
    assert "Migration and Inclusion" in column(society, "groupLabel")
    assert "Key areas of advocacy of the SOCIETY working groups" not in column(
        society, "groupLabel")
    everything = run(built_store, "working-groups-per-unit")
    per_network = {n: column(everything, "networkLabel").count(n) for n in ("Eurocities", "CEMR")}
    assert per_network == {"Eurocities": 10, "CEMR": 21}  # seed 000: ten; seed 002: 4+3+2+9+3
    saf = run(built_store, "working-groups-per-unit", unit="id/forum/eurocities-saf")
    assert column(saf, "groupLabel") == ["Migration and integration"]


def test_members_of_a_group_in_a_year(built_store):
    rows = run(built_store, "members-in-year",
               group="id/group/eurocities-migration-integration", year="2013")
    active = {r["memberLabel"] for r in rows if r["role"].endswith("#active-member-city")}
    assert len(active) == 51
    assert {"Aarhus", "Munster", "Zurich", "Brighton & Hove"} & active or {
        "Aarhus", "Münster", "Zurich"} <= active
    in_2014 = run(built_store, "members-in-year",
                  group="id/group/eurocities-migration-integration", year="2014")
    assert {"Ramon Sanahuja i Vélez", "Anu Riila", "Barcelona", "Helsinki"} <= set(
        column(in_2014, "memberLabel"))
    assert "Aarhus" not in column(in_2014, "memberLabel")


def test_chairs_and_vice_chairs_over_time_keep_every_holder(built_store):
    rows = run(built_store, "chairs-over-time", group="id/group/eurocities-migration-integration")
    held = {(r["roleLabel"], r["memberLabel"], r.get("begin", "")[:4]) for r in rows}
    assert ("chair", "Ramon Sanahuja i Vélez", "2014") in held
    assert ("chair city", "Barcelona", "2014") in held
    assert ("vice-chair", "Anu Riila", "2014") in held
    assert ("vice-chair city", "Helsinki", "2014") in held
    assert ("vice-chair", "Lefteris Papagiannakis", "") in held  # seed 003, undated


def test_groups_a_city_belongs_to(built_store):
    rows = run(built_store, "groups-of-city", city="id/city/barcelona")
    assert {(r["groupLabel"], r["roleLabel"]) for r in rows} == {
        ("Migration and integration", "active member city"),
        ("Migration and integration", "chair city"),
    }
    assert set(column(rows, "networkLabel")) == {"Eurocities"}


def test_cities_per_country(built_store):
    finland = run(built_store, "cities-per-country", country="FI")
    assert len(finland) == 1 and finland[0]["cities"] == "5"
    assert set(finland[0]["names"].split(", ")) == {"Espoo", "Helsinki", "Oulu", "Tampere", "Turku"}
    everywhere = run(built_store, "cities-per-country")
    assert sum(int(r["cities"]) for r in everywhere) == 52  # 51 of seed 004 + Brussels
    assert "UK" not in column(everywhere, "country") and "EL" not in column(everywhere, "country")


def test_groups_on_a_topic_span_both_networks_without_merging(built_store):
    rows = run(built_store, "groups-on-topic", topic="https://w3id.org/citynet/def#topic-migration")
    assert {(r["networkLabel"], r["groupLabel"]) for r in rows} == {
        ("Eurocities", "Migration and integration"), ("CEMR", "Migration and Inclusion")}


def test_outputs_due_before_a_date_respect_quarter_precision(built_store):
    workplan = "id/workplan/eurocities-migration-integration-2014"
    before_april = run(built_store, "outputs-due-before", workplan=workplan, before="2014-04-01")
    assert column(before_april, "dueLabel") == ["1Q 2014"]
    mid_may = run(built_store, "outputs-due-before", workplan=workplan, before="2014-05-15")
    assert column(mid_may, "dueLabel") == ["1Q 2014"]  # "end May 2014" is not due yet
    july = run(built_store, "outputs-due-before", workplan=workplan, before="2014-07-01")
    assert set(column(july, "dueLabel")) == {"1Q 2014", "2Q 2014", "end May 2014"}


def test_charter_facts(built_store):
    rows = run(built_store, "charter-facts", charter="id/charter/integrating-cities-charter")
    assert set(column(rows, "issued")) == {"2010"}
    assert set(column(rows, "value")) == {"35"}
    assert set(column(rows, "cityRole")) == {
        "policy makers", "service providers", "employers", "buyers of goods and services"}


def test_projects_and_events_of_a_group(built_store):
    rows = run(built_store, "projects-and-events", group="id/group/eurocities-migration-integration")
    tampere = [r for r in rows if r.get("placeLabel") == "Tampere"]
    assert tampere and tampere[0]["start"] == "2013-09-09" and tampere[0]["end"] == "2013-09-10"
    periods = {r["periodLabel"]: r["graph"].rsplit("/", 1)[-1] for r in rows if "periodLabel" in r}
    assert periods == {"2012 to 2014": "seed-003", "(end May 2014)": "seed-004"}


def test_people_and_the_city_they_represent(built_store):
    rows = run(built_store, "people-and-cities")
    cities = {(r["name"], r.get("cityLabel")) for r in rows}
    assert ("Ramon Sanahuja i Vélez", "Barcelona") in cities
    assert ("Anu Riila", "Helsinki") in cities
    assert ("Thomas Jezequel", None) in cities  # seed 003 names no city for him
    posts = {r["name"]: r.get("postLabel") for r in rows}
    assert posts["Lefteris Papagiannakis"] == "Vice-Mayor for migration, integration and refugees"


def test_declared_statistics_stand_beside_what_the_data_counts(built_store):
    rows = run(built_store, "declared-vs-counted",
               subject="id/group/eurocities-migration-integration")
    practitioners = next(r for r in rows if r["property"] == "practitionerCities")
    assert practitioners["minValue"] == "30" and practitioners["countedCities"] == "51"
    network = run(built_store, "declared-vs-counted", subject="id/network/eurocities")
    declared = {r["property"]: r.get("value") or r.get("minValue") for r in network}
    assert {"190", "39", "145", "45"} <= set(declared.values())


def test_provenance_of_a_fact_names_the_source_file_and_hash(built_store):
    rows = run(built_store, "fact-provenance", subject="id/group/eurocities-migration-integration")
    identifiers = set(column(rows, "identifier"))
    assert "003_1b3a6df5d6b0591b.txt" in identifiers
    assert any(i.startswith("sha256:5b613f10e6d971e8") for i in identifiers)  # seed 004


def test_parameters_are_bound_as_terms_and_checked(built_store):
    query = QUERIES["groups-of-city"]
    with pytest.raises(ParameterError, match="not an http"):
        query.bindings({"city": "x> } DROP ALL #"}, BASE)
    with pytest.raises(ParameterError, match="missing required parameter 'city'"):
        query.bindings({}, BASE)
    with pytest.raises(ParameterError, match="unknown parameter"):
        query.bindings({"city": "id/city/barcelona", "town": "x"}, BASE)
    with pytest.raises(ParameterError, match="four-digit year"):
        QUERIES["members-in-year"].bindings(
            {"group": "id/group/eurocities-migration-integration", "year": "2013 || true"}, BASE)
