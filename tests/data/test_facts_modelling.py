"""Modelling rules the sources imply: media types as IANA IRIs, the organisation (not its
office) as the agent, a region is not a city, the source's spellings kept, month-end dates,
page order for every network's groups, and vocabulary statements only in the vocabulary."""

import cn_testdata
import pytest

IANA = "http://www.iana.org/assignments/media-types/"
VOCAB = "https://w3id.org/citynet/def#"


def seed_text(name: str) -> str:
    path = next(iter((cn_testdata.SHARED / "seeds").glob(f"{name}_*.txt")), None)
    if path is None:
        pytest.skip("../shared/seeds is not beside the checkout")
    return " ".join(path.read_text(encoding="utf-8").split())


def test_source_formats_are_iana_media_type_iris(select):
    rows = select("""SELECT ?s ?f WHERE { GRAPH graph:meta { ?s dct:format ?f } }""")
    assert {r["s"].rsplit("/", 1)[-1] for r in rows} >= {
        "seed-000", "seed-001", "seed-002", "seed-003", "seed-004", "city-reference-table"}
    literal = select("""SELECT ?f WHERE { ?s dct:format ?f FILTER (!isIRI(?f)) }""")
    assert literal == []
    formats = {r["s"].rsplit("/", 1)[-1]: r["f"] for r in rows}
    assert formats["seed-001"] == IANA + "text/plain"
    assert formats["city-reference-table"] == IANA + "text/csv"


def test_brussels_office_is_where_not_who(select, ask):
    assert not ask("""ASK { ?x schema:agent|org:member ?a . ?a a org:Site }""")
    rows = select("""SELECT ?t ?where WHERE { GRAPH graph:seed-004 {
        ?a dct:type ?t ; schema:agent network:eurocities ; schema:location ?where .
        FILTER (?t IN (cn:requested-support, cn:agreed-support)) } }""")
    assert {(r["t"].rsplit("#")[-1], r["where"].rsplit("/")[-1]) for r in rows} == {
        ("requested-support", "eurocities-brussels-office"),
        ("agreed-support", "eurocities-brussels-office")}


def test_brussels_capital_region_is_a_region_not_a_city(select, ask):
    assert not ask("ASK { place:brussels-capital-region a schema:City }")
    assert ask("""ASK { GRAPH graph:cities {
        place:brussels-capital-region a schema:AdministrativeArea, dct:Location ;
            schema:sameAs <http://www.wikidata.org/entity/Q240> } }""")
    assert ask("ASK { place:brussels a schema:City }")  # the City of Brussels is a city
    # every other member of the 2013 list stays a city
    rows = select("""SELECT DISTINCT ?p WHERE { ?m org:role cn:active-member-city ;
        org:member/dct:spatial ?p . FILTER NOT EXISTS { ?p a schema:City } }""")
    assert [r["p"].rsplit("/")[-1] for r in rows] == ["brussels-capital-region"]


def test_source_spelling_munster_is_an_alternative_label(select):
    assert "Munster" in seed_text("004") and "Münster" not in seed_text("004")
    rows = select("""SELECT ?alt ?pref WHERE { GRAPH graph:seed-004 {
        ?m org:member city:munster ; org:role cn:active-member-city .
        city:munster skos:altLabel ?alt } city:munster skos:prefLabel ?pref
        FILTER (LANG(?pref) = "en") }""")
    assert rows == [{"alt": "Munster", "pref": "Münster"}]


def test_end_may_2014_ends_on_the_last_day_of_may(select):
    assert "end May 2014" in seed_text("004")
    rows = select("""SELECT ?p ?end ?kind WHERE { GRAPH graph:seed-004 {
        ?x cn:due|dct:temporal ?p . ?p rdfs:label ?label ; time:hasEnd ?i .
        ?i ?kind ?end . FILTER (CONTAINS(?label, "end May 2014") && STRSTARTS(STR(?kind), STR(time:))) } }""")
    assert len({r["p"] for r in rows}) == 2  # the output's due period and ImpleMentoring's
    assert {(r["kind"].rsplit("#")[-1], r["end"]) for r in rows} == {("inXSDDate", "2014-05-31")}


@pytest.mark.parametrize(("seed", "graph", "count"), [("000", "seed-000", 10),
                                                      ("002", "seed-002", 21)])
def test_working_groups_are_numbered_in_page_order(select, seed, graph, count):
    text = seed_text(seed)
    rows = select(f"""SELECT ?g ?pos ?d WHERE {{ GRAPH graph:{graph} {{
        ?g a org:OrganizationalUnit ; dct:description ?d .
        FILTER (CONTAINS(STR(?g), "/id/group/")) OPTIONAL {{ ?g schema:position ?pos }} }} }}""")
    by_group = {r["g"]: (r["pos"], text.index(" ".join(r["d"].split()))) for r in rows}
    assert len(by_group) == count
    positions = [pos for pos, _ in sorted(by_group.values(), key=lambda v: v[1])]
    assert positions == list(range(1, count + 1))


def test_cemr_impact_communities_are_numbered_in_page_order(select):
    text = seed_text("002")
    rows = select("""SELECT ?label ?pos WHERE { GRAPH graph:seed-002 {
        ?c org:unitOf network:cemr ; skos:prefLabel ?label ; schema:position ?pos ;
           org:purpose/skos:inScheme topic:cemr-impact-goals .
        FILTER NOT EXISTS { ?c org:classification ?any } } }""")
    assert sorted(r["pos"] for r in rows) == [1, 2, 3, 4]
    in_page_order = sorted(rows, key=lambda r: text.index(r["label"] + " –"))
    assert [r["pos"] for r in in_page_order] == [1, 2, 3, 4]


def test_vocabulary_terms_are_described_only_in_the_vocabulary(store, select):
    vocabulary = f"{cn_testdata.BASE}graph/vocabulary"
    rows = select(f"""SELECT DISTINCT ?g ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
        FILTER (STRSTARTS(STR(?s), "{VOCAB}") && ?g != <{vocabulary}>) }}""")
    assert rows == []
    notes = select("""SELECT ?n WHERE { GRAPH graph:vocabulary {
        cn:chair-city skos:scopeNote ?n } }""")
    assert notes and "reporting back to the relevant forum" in notes[0]["n"]
