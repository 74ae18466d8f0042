"""Cities table (graph/cities) and editorial cross-network links (graph/editorial)."""

import csv

import cn_testdata
import pytest

COLUMNS = ["slug", "name_en", "name_local", "lang", "country", "place_kind", "wikidata",
           "wikidata_status", "note"]
WD = "http://www.wikidata.org/entity/"


def rows():
    with (cn_testdata.DATA / "cities" / "cities.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_cities_table_columns_and_rows():
    with (cn_testdata.DATA / "cities" / "cities.csv").open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == COLUMNS
    table = rows()
    assert len(table) == 52
    assert all(r["name_local"] and r["lang"] for r in table)
    assert not {r["country"] for r in table} & {"EL", "UK"}


def test_wikidata_only_when_verified():
    reference = cn_testdata.SHARED / "reference" / "cities.csv"
    if not reference.is_file():
        pytest.skip("../shared/reference/cities.csv is not beside the checkout")
    with reference.open(encoding="utf-8") as handle:
        ref = {r["wikidata_qid"]: r for r in csv.DictReader(handle) if r["wikidata_qid"]}
    for row in rows():
        if row["wikidata"]:
            assert row["wikidata"] in ref
            assert ref[row["wikidata"]]["qid_status"] == row["wikidata_status"]
            assert row["wikidata_status"] in {"verified", "verified (single source)"}


def test_no_wikidata_for_brighton_and_newcastle_gateshead(select):
    found = select("""SELECT ?p ?qid WHERE { GRAPH graph:cities { ?p schema:sameAs ?qid .
        FILTER (?p IN (place:brighton-and-hove, place:newcastle-gateshead)) } }""")
    assert found == []
    note = select("""SELECT ?n WHERE { place:newcastle-gateshead skos:editorialNote ?n }""")
    assert "two municipalities" in note[0]["n"]


def test_brussels_region_and_city(select):
    rows_ = select("""SELECT ?p ?q WHERE { GRAPH graph:cities { ?p schema:sameAs ?q .
        FILTER (?p IN (place:brussels-capital-region, place:brussels)) } }""")
    assert {(r["p"].rsplit("/")[-1], r["q"]) for r in rows_} == {
        ("brussels-capital-region", WD + "Q240"), ("brussels", WD + "Q239")}


def test_city_labels_english_and_local(select):
    found = select("""SELECT ?l WHERE { city:munich skos:prefLabel ?l }""")
    assert {r["l"] for r in found} == {"Munich", "München"}
    greece = select("""SELECT ?cc WHERE {
        place:athens schema:containedInPlace/skos:notation ?cc }""")
    assert greece == [{"cc": "GR"}]


@pytest.mark.parametrize(("eurocities", "cemr", "topic"), [
    ("eurocities-migration-integration", "cemr-migration-and-inclusion", "topic-migration"),
    ("eurocities-public-services", "cemr-public-services", "topic-public-services"),
])
def test_shared_topic_is_editorial_and_groups_not_merged(select, ask, eurocities, cemr, topic):
    found = select(f"""SELECT ?g WHERE {{ GRAPH graph:editorial {{
        ?g org:purpose cn:{topic} ; dct:subject cn:{topic} ; cn:editorialInference ?why }} }}""")
    assert {r["g"].rsplit("/")[-1] for r in found} == {eurocities, cemr}
    assert not ask(f"""ASK {{ GRAPH ?x {{ ?g org:purpose cn:{topic} }}
        FILTER (?x != graph:editorial) }}""")
    assert not ask(f"ASK {{ group:{eurocities} owl:sameAs|skos:exactMatch ?o }}")
