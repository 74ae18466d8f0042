"""Migration and integration WG (seeds 003, 004): remit, working modes, people and roles."""

WG = "group:eurocities-migration-integration"


def test_remit_and_horizontal_vertical_work(select):
    rows = select(f"""SELECT ?d WHERE {{ GRAPH graph:seed-003 {{ {WG} dct:description ?d }} }}""")
    texts = [r["d"] for r in rows]
    assert any(t.startswith("This working group works to influence EU policies") for t in texts)
    assert any("horizontally" in t and "vertically" in t for t in texts)
    modes = select(f"""SELECT ?m WHERE {{ GRAPH graph:seed-003 {{
        {WG} org:classification ?m }} }}""")
    assert {r["m"].rsplit("#")[-1] for r in modes} == {"horizontal-work", "vertical-work"}


def test_more_than_30_practitioner_cities(select):
    rows = select(f"""SELECT ?min ?w WHERE {{ GRAPH graph:seed-003 {{
        {WG} cn:declaredStatistic ?s . ?s schema:propertyID "practitionerCities" ;
        schema:minValue ?min ; schema:description ?w ; prov:wasDerivedFrom source:seed-003 }} }}""")
    assert rows and rows[0]["min"] == 30 and "more than 30 cities" in rows[0]["w"]


def test_2014_chair_and_vice_chair(select):
    rows = select(f"""SELECT ?who ?role WHERE {{ GRAPH graph:seed-004 {{
        ?m org:organization {WG} ; org:member ?x ; org:role ?r ; org:memberDuring period:2014 .
        OPTIONAL {{ ?x foaf:name ?n }} OPTIONAL {{ ?x dct:spatial ?p }}
        BIND(COALESCE(?n, STR(?x)) AS ?who) BIND(STRAFTER(STR(?r), "#") AS ?role) }} }}""")
    got = {(r["who"], r["role"]) for r in rows}
    assert got == {
        ("Ramon Sanahuja i Vélez", "chair"),
        ("http://127.0.0.1:8080/id/city/barcelona", "chair-city"),
        ("Anu Riila", "vice-chair"),
        ("http://127.0.0.1:8080/id/city/helsinki", "vice-chair-city"),
    }
    ties = select("""SELECT ?n ?city WHERE { GRAPH graph:seed-004 {
        ?m org:role cn:officer ; org:member/foaf:name ?n ; org:organization ?city ;
           org:memberDuring period:2014 } }""")
    assert {(r["n"], r["city"].rsplit("/")[-1]) for r in ties} == {
        ("Ramon Sanahuja i Vélez", "barcelona"), ("Anu Riila", "helsinki")}


def test_undated_people_of_page_003(select):
    rows = select(f"""SELECT ?n ?role ?period WHERE {{ GRAPH graph:seed-003 {{
        ?m org:organization {WG} ; org:member/foaf:name ?n ; org:role ?r .
        OPTIONAL {{ ?m org:memberDuring ?period }} BIND(STRAFTER(STR(?r), "#") AS ?role) }} }}""")
    assert {(r["n"], r["role"]) for r in rows} == {
        ("Anu Riila", "member"), ("Lefteris Papagiannakis", "vice-chair"),
        ("Thomas Jezequel", "staff-contact")}
    assert all(r["period"] is None for r in rows)


def test_posts_and_missing_role_label(select):
    posts = select("""SELECT ?n ?post WHERE { GRAPH graph:seed-003 {
        ?p foaf:name ?n ; org:holds/skos:prefLabel ?post } }""")
    assert {(r["n"], r["post"]) for r in posts} == {
        ("Anu Riila", "Senior Planning Officer"),
        ("Lefteris Papagiannakis", "Vice-Mayor for migration, integration and refugees"),
        ("Thomas Jezequel", "Policy advisor")}
    note = select("""SELECT ?note WHERE { GRAPH graph:seed-003 {
        ?m org:member person:anu-riila ; skos:editorialNote ?note } }""")
    assert note and "role label is missing" in note[0]["note"]
    office = select("""SELECT ?o WHERE { GRAPH graph:seed-003 {
        person:thomas-jezequel org:basedAt ?o } }""")
    assert [r["o"].rsplit("/")[-1] for r in office] == ["eurocities-brussels-office"]


def test_vice_chairs_are_both_kept(select):
    rows = select(f"""SELECT DISTINCT ?n WHERE {{
        ?m org:organization {WG} ; org:role cn:vice-chair ;
        org:member/foaf:name ?n }}""")
    assert sorted(r["n"] for r in rows) == ["Anu Riila", "Lefteris Papagiannakis"]
