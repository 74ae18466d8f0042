"""The 51 active member cities of 2013 (seed 004)."""

WG = "group:eurocities-migration-integration"


def test_51_active_member_cities_in_2013(select):
    rows = select(f"""SELECT DISTINCT ?city WHERE {{ GRAPH graph:seed-004 {{
        ?m a org:Membership ; org:organization {WG} ; org:member ?city ;
           org:role cn:active-member-city ; org:memberDuring period:2013 }} }}""")
    slugs = {r["city"].rsplit("/", 1)[-1] for r in rows}
    assert len(slugs) == 51
    assert {"tampere", "helsinki", "barcelona", "athens", "brussels-capital-region",
            "newcastle-gateshead", "munster"} <= slugs
    assert "brussels" not in slugs


def test_period_2013_is_the_calendar_year(select):
    rows = select("""SELECT ?b ?e WHERE { period:2013 a time:ProperInterval ;
        time:hasBeginning/time:inXSDDate ?b ; time:hasEnd/time:inXSDDate ?e }""")
    assert rows == [{"b": "2013-01-01", "e": "2013-12-31"}]


def test_active_member_role_has_the_qualification(select):
    rows = select("SELECT ?d WHERE { cn:active-member-city skos:definition ?d }")
    assert "at least one activity" in rows[0]["d"]


def test_every_member_city_has_place_and_country(select):
    rows = select(f"""SELECT ?city WHERE {{ ?m org:organization {WG} ;
        org:role cn:active-member-city ; org:member ?city .
        FILTER NOT EXISTS {{ ?city dct:spatial/schema:containedInPlace/skos:notation ?cc }} }}""")
    assert rows == []
