"""Integrating Cities Charter, projects, conferences and the 2016 objectives (seeds 003, 004)."""


def test_charter(select):
    rows = select("""SELECT ?issued ?n ?role WHERE { GRAPH graph:seed-003 {
        ?c a cn:Charter ; dct:title "Integrating Cities Charter"@en ; dct:issued ?issued ;
           cn:declaredStatistic [ schema:value ?n ; prov:wasDerivedFrom source:seed-003 ] ;
           dct:subject/skos:prefLabel ?role } }""")
    assert {r["issued"] for r in rows} == {"2010"}
    assert {r["n"] for r in rows} == {35}
    assert {r["role"] for r in rows} == {
        "policy makers", "service providers", "employers", "buyers of goods and services"}


def test_no_placeholder_signatories(ask):
    assert not ask("ASK { ?s a cn:CharterSignature }")


def test_four_projects_declared_one_named(select):
    rows = select("""SELECT ?n WHERE { GRAPH graph:seed-003 {
        ?g cn:declaredStatistic [ schema:propertyID "integrationGovernanceProjects" ;
                                  schema:value ?n ] } }""")
    assert [r["n"] for r in rows] == [4]


def test_implementoring_claims_in_their_own_graphs(select):
    s003 = select("""SELECT ?b ?e WHERE { GRAPH graph:seed-003 {
        project:implementoring dct:temporal ?p .
        ?p time:hasBeginning/time:inXSDgYear ?b ; time:hasEnd/time:inXSDgYear ?e } }""")
    assert s003 == [{"b": "2012", "e": "2014"}]
    s004 = select("""SELECT ?e WHERE { GRAPH graph:seed-004 {
        project:implementoring dct:temporal ?p . ?p time:hasEnd/time:inXSDDate ?e } }""")
    assert s004 == [{"e": "2014-05-31"}]  # "end May 2014"


def test_tampere_conference(select):
    rows = select("""SELECT ?start ?end ?place WHERE { GRAPH graph:seed-003 {
        ?e schema:superEvent event:integrating-cities-conferences ;
           schema:startDate ?start ; schema:endDate ?end ; schema:location ?place } }""")
    assert rows == [{"start": "2013-09-09", "end": "2013-09-10",
                     "place": "http://127.0.0.1:8080/id/place/tampere"}]


def test_objectives_2016_are_a_separate_set(select):
    rows = select("""SELECT ?plan ?label WHERE { ?o a cn:Objective ; dct:isPartOf ?plan ;
        rdfs:label ?label }""")
    by_plan: dict[str, list[str]] = {}
    for r in rows:
        by_plan.setdefault(r["plan"].rsplit("/", 1)[-1], []).append(r["label"])
    assert len(by_plan["eurocities-migration-integration-objectives-2016"]) == 4
    assert len(by_plan["eurocities-migration-integration-2014"]) == 4
    set_2016 = by_plan["eurocities-migration-integration-objectives-2016"]
    assert any("refugee crisis" in t for t in set_2016)
