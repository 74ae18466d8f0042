"""Pages that answer at a glance: a city's country and Wikidata link, roles in reading order
with their sources, no repeated memberships, kinds of search hits, charts as accessible SVG,
the API and the dataset description for browsers."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest

from tests.conftest import BASE
from tests.web.conftest import GROUP

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def app(build_settings, built_release):
    """The pages of the full dataset: the charts' expected figures come from the seeds."""
    from service.web.app import create_app

    return create_app(build_settings)


def html(client, path: str, status: int = 200) -> str:
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def svgs(page: str) -> dict[str, ElementTree.Element]:
    """Every inline chart of a page, parsed as XML (so each is well-formed SVG), by id."""
    found = {}
    for text in re.findall(r"<svg .*?</svg>", page, re.S):
        root = ElementTree.fromstring(text)
        found[root.get("id")] = root
    return found


def accessible(svg: ElementTree.Element) -> tuple[str, str]:
    """The chart's title and description, which its role and aria-labelledby point at."""
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert svg.get("viewBox", "").startswith("0 0 ")
    return title.text, desc.text


def seed_members_2013(shared_dir) -> int:
    """The member cities the Migration and integration page lists for 2013 (seed 004)."""
    text = next(shared_dir.glob("seeds/004_*.txt")).read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("3. Member cities"))
    return len(re.findall(r"<u>[^<]+</u>", line))


def test_a_city_page_shows_its_country_and_wikidata_link(client):
    page = html(client, "/doc/city/barcelona")
    facts = re.search(r'<p class="glance" id="place-facts">(.*?)</p>', page, re.S).group(1)
    assert "Spain" in facts and "(ES)" in facts
    assert 'href="http://www.wikidata.org/entity/Q1492"' in facts


def test_a_group_page_lists_roles_chair_first_with_sources_and_no_membership_rows(client):
    page = html(client, f"/doc/{GROUP}")
    table = re.search(r'<table class="roles">(.*?)</table>', page, re.S).group(1)
    roles = re.findall(r'<tr><td>.*?</td><td><a [^>]*>([^<]+)</a>', table)
    assert roles[0] in ("chair", "chair city")
    ranks = [0 if r.startswith("chair") else 1 if r.startswith("vice") else
             2 if "member" in r else 3 for r in roles]
    assert ranks == sorted(ranks)
    sources = re.findall(r'<td class="source">(.*?)</td>', table, re.S)
    assert sources and all("<a " in s for s in sources)
    assert "Workplan WG Migration" in table
    linked_from = page[page.index("<h2>Linked from</h2>"):] if "Linked from" in page else ""
    assert "/doc/membership/" not in linked_from


def test_search_results_say_what_kind_of_thing_each_hit_is(client):
    page = html(client, "/?q=barcelona")
    hits = re.findall(r'<li><a href="([^"]+)">[^<]+</a> <span class="kind">([^<]+)</span>', page)
    assert ("/doc/city/barcelona", "City") in hits
    assert ("/doc/place/barcelona", "Place") in hits
    found = client.get("/search?q=barcelona", headers={"Accept": "application/json"}).get_json()
    assert {"city", "place"} <= {r["kind"] for r in found["results"]}


def test_a_group_page_charts_its_roles_per_year(client, shared_dir):
    charts = svgs(html(client, f"/doc/{GROUP}"))
    title, desc = accessible(charts["roles-chart"])
    assert "Migration and integration" in title
    assert f"2013: {seed_members_2013(shared_dir)} member" in desc
    assert re.search(r"2014: 2 chair, 2 vice-chair", desc)


def test_the_home_and_network_pages_chart_structure_and_countries(client, built_store):
    home = svgs(html(client, "/"))
    _, structure = accessible(home["structure-chart"])
    assert "Eurocities" in structure and "CEMR" in structure or "Council" in structure
    units = [r["l"].value for r in built_store.query(
        "SELECT ?l WHERE { ?u <http://www.w3.org/ns/org#unitOf> ?n . "
        "?g <http://www.w3.org/ns/org#subOrganizationOf> ?u . "
        "?u <http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER(LANG(?l) = 'en') }",
        use_default_graph_as_union=True)]
    assert units and all(u in structure for u in units)
    _, countries = accessible(home["countries-chart"])
    assert "Spain" in countries
    cemr = svgs(html(client, "/doc/network/cemr"))
    _, desc = accessible(cemr["structure-chart"])
    assert "Eurocities" not in desc and "working group" in desc


def test_a_city_page_charts_its_groups_over_time(client):
    charts = svgs(html(client, "/doc/city/barcelona"))
    title, desc = accessible(charts["city-chart"])
    assert "Barcelona" in title
    assert "Migration and integration (Eurocities), chair 2014" in desc
    assert "member 2013" in desc


def test_a_chart_links_to_its_query_in_the_editor(client):
    page = html(client, f"/doc/{GROUP}")
    href = re.search(r'<a class="chart-query" href="([^"]+)"', page).group(1)
    editor = html(client, href.replace("&amp;", "&"))
    assert "Chairs and vice-chairs over time" in editor
    assert f'value="{BASE}id/{GROUP}"' in editor


def test_the_api_index_is_a_page_for_browsers_and_json_for_programs(client):
    page = html(client, "/api/")
    assert 'id="api-list"' in page and "/api/members-in-year" in page
    assert client.get("/api/", headers={"Accept": "application/json"}).get_json()["queries"]


def test_a_named_query_page_has_a_form_a_table_and_data_links(client):
    page = html(client, "/api/members-in-year")
    assert 'name="group"' in page and 'name="year"' in page and "result-table" not in page
    page = html(client, f"/api/members-in-year?group=id/{GROUP}&year=2013")
    rows = len(re.findall(r'<td class="rownum">', page))
    assert rows > 0
    csv_href = re.search(r'<a href="([^"]+)" type="text/csv"', page).group(1).replace("&amp;", "&")
    body = client.get(csv_href).get_data(as_text=True)
    assert len(body.strip().splitlines()) - 1 == rows
    assert "four-digit year" in html(client, f"/api/members-in-year?group=id/{GROUP}&year=x", 400)


@pytest.mark.parametrize("name,fmt", [("turtle", ox.RdfFormat.TURTLE),
                                      ("jsonld", ox.RdfFormat.JSON_LD),
                                      ("ntriples", ox.RdfFormat.N_TRIPLES),
                                      ("rdfxml", ox.RdfFormat.RDF_XML)])
def test_the_description_links_deliver_the_format_they_name(client, name, fmt):
    page = html(client, "/.well-known/void")
    href = re.search(rf'<a href="([^"]+format={name})"', page).group(1)
    response = client.get(href, headers={"Accept": BROWSER})
    assert response.mimetype != "text/html"
    triples = list(ox.parse(response.data, format=fmt))
    assert any(t.object == ox.NamedNode("http://www.w3.org/ns/dcat#Dataset") for t in triples)
    if name == "jsonld":
        assert json.loads(response.data)


def test_every_page_links_the_dumps_the_vocabulary_and_the_api(client):
    page = html(client, "/doc/city/barcelona")
    nav = re.search(r"<nav>(.*?)</nav>", page, re.S).group(1)
    for href in ('href="/dumps/"', 'href="/def"', 'href="/api/"', 'href="/sparql"'):
        assert href in nav
