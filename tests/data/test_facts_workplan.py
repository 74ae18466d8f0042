"""The 2014 workplan of the Migration and integration WG (seed 004)."""

WP = "workplan:eurocities-migration-integration-2014"

OBJECTIVES = [
    "Raise awareness at all levels of governance for the importance of involving cities when "
    "developing policies for migration, integration and non-discrimination, in particular policy "
    "dialogue with EC, EP and NCPIs",
    "Raise profile of EU mobility as an integration issue for cities requiring due attention from "
    "EU policy and funding",
    "Influence EU policy making on migration and integration, including future of home affairs "
    "policies",
    "Ensure innovation in cities policies on integration and non-discrimination through exchange "
    "on best practice, experience, Know how and mutual learning based on innovative methods",
]


def test_workplan_period_forum_and_priorities(select):
    rows = select(f"""SELECT ?title ?prio ?b ?e WHERE {{ GRAPH graph:seed-004 {{
        {WP} a cn:Workplan ; dct:title ?title ; cn:priorityAlignment ?prio ;
            dct:relation forum:eurocities-saf ;
            dct:subject group:eurocities-migration-integration ;
            dct:temporal [ time:hasBeginning/time:inXSDDate ?b ;
                           time:hasEnd/time:inXSDDate ?e ] }} }}""")
    assert rows == [{"title": "Workplan WG Migration & Integration: Jan-Dec 2014",
                     "prio": "SAF priorities (TBC)", "b": "2014-01-01", "e": "2014-12-31"}]


def test_four_objectives_verbatim(select):
    rows = select(f"""SELECT ?pos ?label WHERE {{ GRAPH graph:seed-004 {{
        ?o a cn:Objective ; dct:isPartOf {WP} ; schema:position ?pos ; rdfs:label ?label }} }}
        ORDER BY ?pos""")
    assert [r["label"] for r in rows] == OBJECTIVES


def test_seven_outputs_with_due_labels(select):
    rows = select(f"""SELECT ?pos ?label ?due WHERE {{ GRAPH graph:seed-004 {{
        ?o a cn:ExpectedOutput ; dct:isPartOf {WP} ; schema:position ?pos ; rdfs:label ?label .
        OPTIONAL {{ ?o cn:due/rdfs:label ?due }} }} }} ORDER BY ?pos""")
    assert len(rows) == 7
    assert [r["due"] for r in rows] == [
        "1Q 2014", "2Q 2014", None, None, "end May 2014", None, None]
    assert rows[1]["label"] == "Three Integrating Cities toolkits"


def test_quarter_is_an_interval_not_a_fake_date(select):
    rows = select("""SELECT ?b ?e WHERE { period:2014-q1 time:hasBeginning/time:inXSDDate ?b ;
        time:hasEnd/time:inXSDDate ?e }""")
    assert rows == [{"b": "2014-01-01", "e": "2014-03-31"}]


def test_actions_contributions_and_support(select):
    rows = select(f"""SELECT ?label ?type WHERE {{ GRAPH graph:seed-004 {{
        ?a a cn:Action ; dct:isPartOf {WP} ; rdfs:label ?label ; dct:type ?t .
        BIND(STRAFTER(STR(?t), "#") AS ?type) }} }}""")
    types = sorted(r["type"] for r in rows)
    assert types == ["agreed-support", "member-contribution", "member-contribution",
                     "proposed-action", "proposed-action", "requested-support"]
    labels = {r["label"] for r in rows}
    assert "New signatories for Integrating Cities Charter" in labels
    assert "New working methods: mentoring, speed networking" in labels
    assert "Address issue of intra-EU migration" in labels
    detail = select("""SELECT ?d WHERE { ?a dct:type cn:agreed-support ; dct:description ?d ;
        schema:agent network:eurocities ; schema:location site:eurocities-brussels-office }""")
    assert detail[0]["d"].startswith("policy monitoring; support with drafting")


def test_dialogue_partners_are_organisations(select):
    rows = select("""SELECT ?label WHERE { GRAPH graph:seed-004 {
        ?a dct:type cn:proposed-action ; schema:participant ?o .
        ?o a org:Organization ; skos:prefLabel ?label } }""")
    assert {r["label"] for r in rows} == {
        "National contact points on Integration", "European Migration Network",
        "Intercultural Cities", "CLIP", "ECCAR"}


def test_asylum_and_migration_fund_period(select):
    rows = select("""SELECT ?b ?e WHERE { GRAPH graph:seed-004 {
        ?f skos:prefLabel "Asylum and Migration Fund"@en ; dct:temporal ?p .
        ?p time:hasBeginning/time:inXSDgYear ?b ; time:hasEnd/time:inXSDgYear ?e } }""")
    assert rows == [{"b": "2014", "e": "2020"}]
