"""CEMR (seed 002): network, member kind, four Impact Communities, 21 working groups."""

COUNTS = {"CLIMATE": 4, "LABOUR": 3, "COHESION": 2, "SOCIETY": 9}


def test_cemr_network_and_member_associations(select):
    rows = select("""SELECT ?label ?role WHERE { GRAPH graph:seed-002 {
        network:cemr a org:FormalOrganization ; skos:prefLabel ?label ; cn:memberRole ?role } }""")
    assert rows == [{"label": "CEMR",
                     "role": "https://w3id.org/citynet/def#national-member-association"}]


def test_no_invented_member_associations(ask):
    assert not ask("ASK { ?m org:organization network:cemr }")


def test_four_impact_communities_with_goals(select):
    rows = select("""SELECT ?label ?goal WHERE { GRAPH graph:seed-002 {
        ?c org:unitOf network:cemr ; skos:prefLabel ?label ; org:purpose ?g .
        ?g skos:prefLabel ?goal ; skos:inScheme topic:cemr-impact-goals .
        FILTER NOT EXISTS { ?c org:classification ?any } } }""")
    assert {r["label"]: r["goal"] for r in rows} == {
        "CLIMATE": "Accelerating Climate and Energy Transformation",
        "LABOUR": "Driving Digital and Employment Transformation",
        "COHESION": "Fostering Territorial Cohesion",
        "SOCIETY": "Building Inclusive and Resilient Societies",
    }


def test_groups_per_community_and_cross_cutting(select):
    rows = select("""SELECT ?community (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH graph:seed-002 {
        ?g org:subOrganizationOf ?c ; dct:description ?d . ?c skos:prefLabel ?community } }
        GROUP BY ?community""")
    assert {r["community"]: r["n"] for r in rows} == COUNTS
    cross = select("""SELECT ?label (COUNT(DISTINCT ?goal) AS ?n) WHERE { GRAPH graph:seed-002 {
        ?g org:classification topic:cemr-cross-cutting ; skos:prefLabel ?label ;
           org:unitOf network:cemr ; org:purpose ?goal } } GROUP BY ?label""")
    assert {r["label"]: r["n"] for r in cross} == {
        "Twinning and Partnerships": 4, "External Funding": 4, "Research and Studies": 4}


def test_21_groups_with_remits(select):
    rows = select("""SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH graph:seed-002 {
        ?g a org:OrganizationalUnit ; dct:description ?d .
        FILTER STRSTARTS(STR(?g), "http://127.0.0.1:8080/id/group/cemr-") } }""")
    assert rows[0]["n"] == 21


def test_untitled_groups_and_heading(select, ask):
    rows = select("""SELECT ?c ?note WHERE {
        GRAPH graph:seed-002 { ?g org:subOrganizationOf/skos:prefLabel ?c .
                               FILTER NOT EXISTS { ?g skos:prefLabel ?x } }
        GRAPH graph:editorial { ?g cn:hasEditorialLabel true ; skos:editorialNote ?note } }""")
    assert sorted(r["c"] for r in rows) == ["LABOUR", "SOCIETY"]
    assert not ask("""ASK { ?g a org:OrganizationalUnit ; skos:prefLabel ?l .
        FILTER CONTAINS(?l, "Key areas") }""")
