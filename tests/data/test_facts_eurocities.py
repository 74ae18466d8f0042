"""Eurocities (seeds 000, 001, 004): network, declared figures, forum, tags, ten WGs, rules,
Brussels office, jobs and tenders."""

GROUPS_000 = {
    "Integrated urban development", "International economic relations", "Metropolitan areas",
    "Migration and integration", "Mobility of artists", "Open data", "public services",
    "Resources for culture",
}


def test_founded_1986(select):
    rows = select("""SELECT ?d WHERE { GRAPH graph:seed-001 {
        network:eurocities a org:FormalOrganization ; schema:foundingDate ?d } }""")
    assert [r["d"] for r in rows] == ["1986"]


def test_declared_figures_with_wording_and_source(select):
    rows = select("""SELECT ?id ?v ?min ?w WHERE { GRAPH graph:seed-001 {
        network:eurocities cn:declaredStatistic ?s .
        ?s a cn:DeclaredStatistic, schema:PropertyValue ; schema:propertyID ?id ;
           schema:description ?w ; prov:wasDerivedFrom source:seed-001 .
        OPTIONAL { ?s schema:value ?v } OPTIONAL { ?s schema:minValue ?min } } }""")
    got = {(r["id"], r["v"], r["min"]) for r in rows}
    assert ("cities", 190, None) in got
    assert ("countries", 39, None) in got
    assert ("people", 130000000, None) in got
    assert ("largestCities", None, 145) in got
    assert ("partnerCities", 45, None) in got
    assert ("residents", None, 130000000) in got
    assert ("openPositions", 0, None) in got
    assert any("over 145 of Europe" in r["w"] for r in rows)


def test_forum_saf_from_workplan(select):
    rows = select("""SELECT ?label WHERE { GRAPH graph:seed-004 {
        forum:eurocities-saf a org:OrganizationalUnit ; skos:prefLabel ?label ;
            org:unitOf network:eurocities .
        group:eurocities-migration-integration org:subOrganizationOf forum:eurocities-saf } }""")
    assert [r["label"] for r in rows] == ["SAF"]


def test_page_tags_are_a_scheme_and_not_forums(select, ask):
    rows = select("""SELECT ?label WHERE { GRAPH graph:seed-000 {
        ?t skos:inScheme topic:eurocities-page-tags ; skos:prefLabel ?label } }""")
    assert {r["label"] for r in rows} == {
        "economy", "culture", "environment", "knowledge society", "cooperation"}
    assert not ask("""ASK { ?g org:subOrganizationOf ?f .
        ?g dct:subject/skos:inScheme topic:eurocities-page-tags . ?f a org:OrganizationalUnit }""")
    assert not ask("ASK { ?t skos:inScheme topic:eurocities-page-tags ; ?p forum:eurocities-saf }")


def test_ten_working_groups_of_page_000(select):
    rows = select("""SELECT ?g ?label ?desc ?tag WHERE { GRAPH graph:seed-000 {
        ?g a org:OrganizationalUnit ; dct:description ?desc ; org:unitOf network:eurocities .
        OPTIONAL { ?g skos:prefLabel ?label }
        OPTIONAL { ?g dct:subject/skos:prefLabel ?tag } } }""")
    assert len({r["g"] for r in rows}) == 10
    assert {r["label"] for r in rows if r["label"]} == GROUPS_000
    tags = {r["label"]: r["tag"] for r in rows if r["label"]}
    assert tags["Migration and integration"] is None
    assert tags["Open data"] == "knowledge society"
    assert tags["public services"] == "cooperation"
    truncated = {r["label"] for r in rows if r["desc"].endswith("...")}
    assert truncated == {"Open data", "public services"}


def test_two_untitled_groups_carry_editorial_labels(select):
    rows = select("""SELECT ?g ?label ?note ?desc WHERE {
        GRAPH graph:seed-000 { ?g a org:OrganizationalUnit ; dct:description ?desc .
                               FILTER NOT EXISTS { ?g skos:prefLabel ?any } }
        GRAPH graph:editorial { ?g skos:prefLabel ?label ; cn:hasEditorialLabel true ;
                                skos:editorialNote ?note } }""")
    assert len(rows) == 2
    assert all("Title missing" in r["note"] for r in rows)
    assert any("Horizon 2020" in r["desc"] for r in rows)
    assert any("urban noise" in r["desc"] for r in rows)


def test_how_working_groups_work(select):
    rules = [r["r"] for r in select("""SELECT ?r WHERE { GRAPH graph:seed-000 {
        network:eurocities cn:governanceRule ?r } }""")]
    assert any("nominated by member cities" in r for r in rules)
    assert any("reporting back to the relevant forum" in r for r in rules)
    assert any("specific remit and tasks" in r for r in rules)
    note = select("""SELECT ?n WHERE { GRAPH graph:vocabulary {
        cn:nominated-member skos:scopeNote ?n } }""")
    assert note and "nominated by member cities" in note[0]["n"]


def test_brussels_office_is_a_site(select):
    rows = select("""SELECT ?label ?place WHERE { GRAPH graph:seed-003 {
        ?s a org:Site ; skos:prefLabel ?label ; org:siteOf network:eurocities ;
           dct:spatial ?place } }""")
    assert rows == [{"label": "EUROCITIES Brussels Office",
                     "place": "http://127.0.0.1:8080/id/place/brussels"}]


def test_jobs_and_tenders(select):
    rows = select("""SELECT ?name WHERE { GRAPH graph:seed-001 {
        ?t a schema:Demand ; schema:name ?name ; dct:publisher network:eurocities } }""")
    assert [r["name"] for r in rows] == ["Request for an offer: short animated video"]
