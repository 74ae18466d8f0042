"""The researcher's workbench in a real browser: the editor runs a query and shows the table,
a syntax error keeps the query, the charts render without console errors, every page kind
fits 1280 and 400 px (screenshots written), and the whole journey from the home page to a
CSV download of a named query's answer."""

from __future__ import annotations

import csv
import io
import time

import pytest
import requests

from service.settings import PROJECT_ROOT
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.slow

GROUP = "group/eurocities-migration-integration"
EDITOR_BUILT = (PROJECT_ROOT / "service" / "web" / "static" / "editor" / "editor.js").is_file()


def by():
    from selenium.webdriver.common.by import By

    return By


def wait_for(driver, css: str, seconds: float = 30):
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds).until(
        ec.presence_of_element_located((by().CSS_SELECTOR, css)))


def errors(driver) -> list[str]:
    """Console errors (and failed loads) since the last call."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def set_query(driver, text: str) -> None:
    """Put a query in the editor: CodeMirror when the bundle is built, else the textarea."""
    if driver.execute_script("return !!window.citynetEditor"):
        driver.execute_script(
            "const v = window.citynetEditor;"
            "v.dispatch({changes: {from: 0, to: v.state.doc.length, insert: arguments[0]}});",
            text)
    else:
        box = driver.find_element(by().ID, "query")
        box.clear()
        box.send_keys(text)


def run_with_keyboard(driver) -> None:
    """Ctrl+Enter in the editor (the Run button without the editor bundle)."""
    from selenium.webdriver.common.keys import Keys

    if EDITOR_BUILT:
        area = driver.find_element(by().CSS_SELECTOR, ".cm-content")
        area.click()
        area.send_keys(Keys.CONTROL, Keys.ENTER)
    else:
        driver.find_element(by().ID, "run").click()


def query_text(driver) -> str:
    return driver.execute_script("return document.getElementById('query').value")


def test_the_editor_runs_a_query_and_shows_the_table(server, browser):
    errors(browser)
    browser.get(server.url + "sparql")
    if EDITOR_BUILT:
        wait_for(browser, ".cm-editor")
        assert not browser.find_element(by().ID, "query").is_displayed()
    set_query(browser, "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
                       "SELECT ?network ?label WHERE {\n"
                       "  ?network a <http://www.w3.org/ns/org#FormalOrganization> ;\n"
                       "           skos:prefLabel ?label FILTER(LANG(?label) = 'en') }")
    run_with_keyboard(browser)
    table = wait_for(browser, "#result-table")
    assert "Eurocities" in table.text
    link = table.find_element(by().LINK_TEXT, "Eurocities")
    assert link.get_attribute("href").endswith("/doc/network/eurocities")
    assert "@en" in table.text
    assert "SELECT ?network ?label" in query_text(browser)
    assert not errors(browser)
    screenshot(browser, "sparql-results")


def test_a_long_query_runs_from_the_form_through_gunicorn(server, browser):
    """12.8 kB of query text: a GET form died with gunicorn's 414; the form POSTs."""
    query = ("# " + "long comment " * 985 + "\n"
             "SELECT ?city WHERE { ?m <http://www.w3.org/ns/org#member> ?city } LIMIT 3\n")
    assert len(query.encode()) > 12800
    browser.get(server.url + "sparql")
    set_query(browser, query)
    browser.find_element(by().ID, "run").click()
    wait_for(browser, "#result-table")
    assert browser.find_element(by().ID, "row-count").text == "3"
    assert query_text(browser).replace("\r\n", "\n") == query


@pytest.mark.skipif(not EDITOR_BUILT, reason="the editor bundle is not built (no npm)")
def test_the_editor_completes_a_prefix_and_declares_it(server, browser):
    from selenium.webdriver.common.keys import Keys

    browser.get(server.url + "sparql")
    wait_for(browser, ".cm-editor")
    set_query(browser, "SELECT * WHERE { ?s a  }")
    browser.execute_script("const v = window.citynetEditor;"
                           "v.dispatch({selection: {anchor: v.state.doc.length - 2}}); v.focus();")
    area = browser.find_element(by().CSS_SELECTOR, ".cm-content")
    area.send_keys("sko")
    options = wait_for(browser, ".cm-tooltip-autocomplete")
    assert "skos:" in options.text
    area.send_keys(Keys.ENTER)
    text = browser.execute_script("return window.citynetEditor.state.doc.toString()")
    assert text.startswith("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n")
    assert "?s a skos:" in text


def test_a_syntax_error_keeps_the_query_and_marks_its_line(server, browser):
    query = "SELECT ?s WHERE {\n  ?s ?p ?o .\n  ?s foo:bar ?o .\n}"
    browser.get(server.url + "sparql")
    set_query(browser, query)
    browser.find_element(by().ID, "run").click()
    box = wait_for(browser, "#query-error")
    assert "line 3" in box.text
    assert query_text(browser).replace("\r\n", "\n") == query
    if EDITOR_BUILT:
        marked = wait_for(browser, ".cm-error-line")
        assert "foo:bar" in marked.text
    screenshot(browser, "sparql-error")


PAGES = {
    "home": "",
    "search": "?q=barcelona",
    "network": "doc/network/eurocities",
    "community": "doc/community/cemr-society",
    "group": f"doc/{GROUP}",
    "city": "doc/city/barcelona",
    "place": "doc/place/barcelona",
    "person": "doc/person/anu-riila",
    "sparql": "sparql?example=members-in-year&group=id/" + GROUP + "&year=2013&run=1",
    "api": "api/",
    "api-query": f"api/members-in-year?group=id/{GROUP}&year=2013",
    "dumps": "dumps/",
    "vocabulary": "def",
    "void": ".well-known/void",
}


@pytest.mark.parametrize("width", [1280, 400])
def test_every_page_kind_fits_the_window_with_no_console_errors(server, browser, width):
    errors(browser)  # forget what earlier tests logged (an error page is logged as a 4xx)
    for name, path in PAGES.items():
        browser.set_window_size(width, 900)
        browser.get(server.url + path)
        wait_for(browser, "main h1")
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{name} is {overflow} px wider than {width} px"
        for chart in browser.find_elements(by().CSS_SELECTOR, "svg.chart"):
            size = chart.size
            assert 0 < size["width"] <= width and size["height"] > 0, name
        assert not errors(browser), name
        screenshot(browser, name)
    browser.set_window_size(1280, 900)


def test_the_charts_render(server, browser):
    errors(browser)
    browser.get(server.url + f"doc/{GROUP}")
    chart = wait_for(browser, "svg#roles-chart")
    assert chart.find_elements(by().CSS_SELECTOR, "rect")
    assert "Roles in Migration and integration" in chart.get_attribute("aria-labelledby") or \
        browser.find_element(by().ID, "roles-chart-title").get_attribute("textContent")
    browser.get(server.url)
    for chart_id in ("structure-chart", "countries-chart"):
        assert wait_for(browser, f"svg#{chart_id}").size["width"] > 0
    assert not errors(browser)


def test_the_journey_from_home_to_a_csv_of_a_named_query(server, browser, downloads_dir):
    """Home -> a network -> a group's roles chart -> the query behind it in the editor ->
    run with its parameter -> the table -> the same answer as a CSV download."""
    errors(browser)
    browser.get(server.url)
    browser.find_element(by().LINK_TEXT, "Eurocities").click()
    browser.find_element(by().LINK_TEXT, "Migration and integration").click()
    wait_for(browser, "svg#roles-chart")
    browser.find_element(by().CSS_SELECTOR, "#roles-chart-figure a.chart-query").click()
    group_field = wait_for(browser, "input#param-group")
    assert group_field.get_attribute("value").endswith("/id/" + GROUP)
    browser.find_element(by().ID, "run").click()
    table = wait_for(browser, "#result-table")
    shown = int(browser.find_element(by().ID, "row-count").text)
    assert shown == len(table.find_elements(by().CSS_SELECTOR, "tbody tr")) > 0
    assert "chair" in table.text
    link = browser.find_element(by().CSS_SELECTOR, '#downloads a[data-format="csv"]')
    href = link.get_attribute("href")
    assert "/api/chairs-over-time?" in href and "format=csv" in href
    link.click()
    deadline = time.monotonic() + 20
    files: list = []
    while time.monotonic() < deadline:  # Chromium reserves the name with an empty file
        names = list(downloads_dir.iterdir())
        files = [p for p in names if p.suffix == ".csv" and p.stat().st_size > 0]
        if files and not any(p.name.endswith(".crdownload") for p in names):
            break
        time.sleep(0.2)
    assert files, "the CSV was not downloaded"
    rows = list(csv.DictReader(io.StringIO(files[0].read_text(encoding="utf-8"))))
    assert len(rows) == shown
    assert rows == list(csv.DictReader(io.StringIO(requests.get(href, timeout=30).text)))
    assert not errors(browser)
