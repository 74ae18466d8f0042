"""A city's chart reads its memberships and then the networks of their groups in a second,
bounded query: the chart must be what one query with the network as an OPTIONAL gives."""

from __future__ import annotations

from service.web.charts import _EN, PREFIXES, _bound, city_timeline, for_city, year_of

#: The memberships of city ?s with the network of each group, in one query (the
#: specification; too slow at scale, where pyoxigraph walks the path from every group).
ONE_QUERY = PREFIXES + f"""SELECT ?groupLabel ?group ?netLabel ?role ?begin ?end WHERE {{
  ?m a org:Membership ; org:member ?s ; org:organization ?group ; org:role ?role .
  OPTIONAL {{ ?group skos:prefLabel ?groupLabel {_EN.format("groupLabel")} }}
  OPTIONAL {{ ?group (org:subOrganizationOf|org:unitOf)* ?net . ?net a org:FormalOrganization ;
              skos:prefLabel ?netLabel {_EN.format("netLabel")} }}
  OPTIONAL {{ ?m org:memberDuring ?p .
    OPTIONAL {{ ?p time:hasBeginning/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear) ?begin }}
    OPTIONAL {{ ?p time:hasEnd/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear) ?end }} }}
}}"""


def _expected(store, iri: str, label: str):
    rows = [(r["groupLabel"].value if r["groupLabel"] else r["group"].value,
             r["netLabel"].value if r["netLabel"] else "", r["role"].value,
             year_of(r["begin"]), year_of(r["end"]))
            for r in store.query(_bound(ONE_QUERY, iri))]
    return city_timeline(list(dict.fromkeys(rows)), label)


def test_every_city_chart_names_the_networks_one_query_finds(built_store):
    cities = sorted({r["c"].value for r in built_store.query(
        PREFIXES + "SELECT ?c WHERE { ?m a org:Membership ; org:member ?c }")})
    assert len(cities) > 20
    charted = 0
    for iri in cities:
        chart, expected = for_city(built_store, iri, "City"), _expected(built_store, iri, "City")
        assert (chart and chart.desc) == (expected and expected.desc), iri
        charted += chart is not None and " (Eurocities)" in chart.desc
    assert charted > 10, "the seed cities' groups belong to Eurocities"
