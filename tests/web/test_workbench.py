"""The query page for people: a browser's query answers an HTML page with the query kept and
the answer as a table; errors are shown above the query; protocol clients are unaffected."""

from __future__ import annotations

import csv
import html
import io
import re

import pyoxigraph as ox

from tests.conftest import BASE
from tests.web.conftest import GROUP

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
MEMBERS = ("members-in-year", {"group": f"id/{GROUP}", "year": "2013"})


def page_of(response) -> str:
    assert response.mimetype == "text/html", response.data[:300]
    return response.get_data(as_text=True)


def textarea(page: str) -> str:
    """The query the editor holds, unescaped."""
    found = re.search(r'<textarea id="query"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "no query editor on the page"
    return html.unescape(found.group(1))


def row_count(page: str) -> int:
    return int(re.search(r'<strong id="row-count">(\d+)</strong>', page).group(1))


def post(client, query: str, **fields):
    return client.post("/sparql", data={"query": query, **fields},
                       headers={"Accept": BROWSER})


def test_the_editor_page_posts_and_offers_examples_and_prefixes(client):
    page = page_of(client.get("/sparql", headers={"Accept": BROWSER}))
    assert re.search(r'<form method="post" action="/sparql" id="query-form"', page)
    assert "Members of a group in a year" in page
    prefixes = re.search(r'<script type="application/json" id="prefixes">(.*?)</script>', page,
                         re.S).group(1)
    assert '"org": "http://www.w3.org/ns/org#"' in prefixes.replace('":"', '": "')


def test_an_example_loads_with_its_parameters_as_fields(client, app):
    name, values = MEMBERS
    page = page_of(client.get("/sparql", query_string={"example": name, **values},
                              headers={"Accept": BROWSER}))
    assert textarea(page) == app.extensions["citynet.queries"][name].text
    assert re.search(r'<input id="param-year" name="year" value="2013"', page)
    assert f'value="id/{GROUP}"' in page


def test_a_long_query_posted_by_a_browser_answers_a_table_and_keeps_the_query(client):
    """12.8 kB of query text (a long comment, as pasted queries have) still runs."""
    query = ("# " + "x" * 12800
             + "\nSELECT ?city WHERE { ?m <http://www.w3.org/ns/org#member> ?city } LIMIT 5\n")
    page = page_of(post(client, query))
    assert textarea(page) == query
    assert row_count(page) == 5
    assert re.search(r'<span id="elapsed">\d+ ms</span>', page)


def test_iris_are_labelled_links_and_literals_show_language_and_datatype(client):
    page = page_of(post(client, f"""SELECT ?city ?label ?n WHERE {{
      <{BASE}id/city/barcelona> <http://www.w3.org/2004/02/skos/core#prefLabel> ?label .
      BIND(<{BASE}id/city/barcelona> AS ?city) BIND(42 AS ?n) }}"""))
    assert f'<a href="/doc/city/barcelona" title="{BASE}id/city/barcelona">Barcelona</a>' in page
    assert "@ca" in page and "@en" in page and "xsd:integer" in page


def test_results_are_paged_with_a_row_count(client):
    page = page_of(post(client, "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 250", page="2"))
    assert row_count(page) == 250
    assert "showing 101–200" in page and "Page 2 of 3" in page
    assert len(re.findall(r'<td class="rownum">', page)) == 100


def test_construct_is_a_table_of_triples(client):
    page = page_of(post(client, "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } LIMIT 7"))
    assert "<th scope=\"col\">subject</th><th scope=\"col\">predicate</th>" in page
    assert row_count(page) == 7 and re.search(r"</strong> triples", page)
    assert 'data-format="turtle"' in page


def test_a_syntax_error_is_shown_above_the_query_with_its_position(client):
    query = "SELECT ?s WHERE {\n  ?s ?p ?o .\n  ?s foo:bar ?o .\n}\n"
    response = post(client, query)
    assert response.status_code == 400
    page = page_of(response)
    assert textarea(page) == query
    assert page.index('id="query-error"') < page.index('<textarea id="query"')
    assert re.search(r"line 3, column \d+", page)
    assert 'data-error-line="3"' in page


def test_a_refused_query_keeps_the_query(client):
    query = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    response = post(client, query)
    assert response.status_code == 403
    page = page_of(response)
    assert textarea(page) == query and "SERVICE" in page[:page.index('<textarea id="query"')]


def test_the_page_escapes_the_query(client):
    query = 'SELECT ("</textarea><script>alert(1)</script>" AS ?x) WHERE {}'
    page = page_of(post(client, query))
    assert "<script>alert(1)" not in page
    assert textarea(page) == query


def test_protocol_clients_still_get_sparql_results(client):
    for accept in ("*/*", "application/sparql-results+json", None):
        headers = {"Accept": accept} if accept else {}
        response = client.post("/sparql", data={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"},
                               headers=headers)
        assert response.mimetype == "application/sparql-results+json", accept


def test_a_named_query_with_a_parameter_downloads_the_same_result_as_csv(client, app):
    name, values = MEMBERS
    text = app.extensions["citynet.queries"][name].text
    page = page_of(post(client, text.replace("\n", "\r\n"), example=name, **values))
    shown = row_count(page)
    assert shown > 0 and page.count('href="/doc/city/') >= min(shown, 100)
    href = html.unescape(re.search(r'<a href="([^"]+)"[^>]*data-format="csv"', page).group(1))
    assert href.startswith(f"/api/{name}?")
    response = client.get(href)
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == shown
    assert {r["group"] for r in rows} == {f"{BASE}id/{GROUP}"}


def test_an_edited_query_downloads_with_its_parameters_bound(client, app):
    name, values = MEMBERS
    text = app.extensions["citynet.queries"][name].text.replace("ORDER BY", "ORDER BY DESC(?member)")
    page = page_of(post(client, text, example=name, **values))
    href = html.unescape(re.search(r'<a href="([^"]+)"[^>]*data-format="json"', page).group(1))
    assert href.startswith("/sparql?")
    result = ox.parse_query_results(client.get(href).data, format=ox.QueryResultsFormat.JSON)
    assert len(list(result)) == row_count(page)


def test_a_bad_parameter_is_a_400_page_that_keeps_the_query(client, app):
    name, _ = MEMBERS
    text = app.extensions["citynet.queries"][name].text
    response = post(client, text, example=name, group=f"id/{GROUP}", year="twenty")
    assert response.status_code == 400
    page = page_of(response)
    assert "four-digit year" in page and textarea(page) == text


def test_the_share_link_runs_the_query_again(client):
    query = "SELECT ?n WHERE { ?n a <http://www.w3.org/ns/org#FormalOrganization> }"
    page = page_of(post(client, query))
    share = html.unescape(re.search(r'<a href="([^"]+)" id="share-link"', page).group(1))
    again = page_of(client.get(share, headers={"Accept": BROWSER}))
    assert textarea(again) == query and row_count(again) == row_count(page)
