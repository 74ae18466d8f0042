"""Pages of incoming links on a generated dataset whose largest group has about two thousand
members (built once, real build, real store): walking the "next" links of the HTML page and
of the RDF document visits every incoming link exactly once, the counts shown equal what a
SPARQL COUNT answers, every page is bounded, and bad page numbers are 400."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pyoxigraph as ox
import pytest

from service.build.pipeline import build
from service.generate.dataset import generate
from service.namespaces import PREFIXES
from service.settings import Settings, load_settings
from service.store.release import Release
from tests.conftest import BASE

pytestmark = pytest.mark.slow

SIZE = 60_000
PAGE = 150
HYDRA = PREFIXES["hydra"]
ORG = PREFIXES["org"]
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Settings, Release]:
    root = tmp_path_factory.mktemp("paged")
    generate(SIZE, root)
    settings = load_settings({"root": root, "var": root / "var", "base": BASE,
                              "describe_incoming_limit": PAGE}, environ={})
    return settings, build(settings)


@pytest.fixture(scope="module")
def paged_client(generated):
    from service.web.app import create_app

    return create_app(generated[0]).test_client()


@pytest.fixture(scope="module")
def store(generated) -> ox.Store:
    return ox.Store.read_only(str(generated[1].store_path))


@pytest.fixture(scope="module")
def biggest(store) -> str:
    """The group with the most memberships."""
    row = next(iter(store.query(
        f"SELECT ?g (COUNT(?m) AS ?n) WHERE {{ ?m <{ORG}organization> ?g }} "
        "GROUP BY ?g ORDER BY DESC(?n) LIMIT 1")))
    assert int(row["n"].value) > 1500
    return row["g"].value


def links_to(store: ox.Store, iri: str) -> set[tuple[str, str]]:
    return {(r["x"].value, r["p"].value)
            for r in store.query(f"SELECT ?x ?p WHERE {{ ?x ?p <{iri}> }}")}


def count(store: ox.Store, iri: str, where: str = "") -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?x ?p <{iri}> {where} }}"
    return int(next(iter(store.query(query)))["n"].value)


def path_of(iri: str) -> str:
    return "/doc/" + iri[len(BASE) + 3:]


def walk_rdf_pages(client, iri: str, page: int) -> tuple[list[tuple[str, str]], int, int]:
    """Follow ``hydra:next`` from the first N-Triples page of ``iri``: the (subject, property)
    of every incoming link seen, how many pages, and the ``hydra:totalItems`` they state."""
    me = ox.NamedNode(iri)
    seen: list[tuple[str, str]] = []
    url, pages, total = path_of(iri) + ".nt", 0, -1
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)
        triples = list(ox.parse(response.data, format=ox.RdfFormat.N_TRIPLES))
        incoming = [(t.subject.value, t.predicate.value) for t in triples
                    if t.object == me and t.subject != me]
        assert 0 < len(incoming) <= page
        seen += incoming
        pages += 1
        found = {t.predicate.value: t.object for t in triples
                 if t.predicate.value.startswith(HYDRA)}
        total = int(found[HYDRA + "totalItems"].value)
        following = found.get(HYDRA + "next")
        url = following.value.removeprefix(BASE.rstrip("/")) if following else None
    return seen, pages, total


def test_walking_the_rdf_pages_visits_every_incoming_link_once(paged_client, store, biggest):
    seen, pages, total = walk_rdf_pages(paged_client, biggest, PAGE)
    expected = links_to(store, biggest)
    assert len(seen) == len(set(seen)) == len(expected) == total == count(store, biggest)
    assert set(seen) == expected
    assert pages == -(-total // PAGE)


def test_the_hydra_controls_name_first_last_and_previous(paged_client, biggest):
    doc = path_of(biggest)
    response = paged_client.get(doc + ".ttl?page=2")
    triples = [q.triple for q in ox.parse(response.data, format=ox.RdfFormat.TURTLE)]
    view = ox.NamedNode(f"{BASE}doc/{biggest[len(BASE) + 3:]}.ttl?page=2")
    controls = {t.predicate.value[len(HYDRA):]: t.object.value for t in triples
                if t.subject == view}
    assert controls["first"].endswith(".ttl?page=1") and controls["previous"].endswith("page=1")
    assert controls["next"].endswith("page=3") and "last" in controls
    collection = ox.NamedNode(f"{BASE}doc/{biggest[len(BASE) + 3:]}")
    assert ox.Triple(collection, ox.NamedNode(HYDRA + "view"), view) in triples


def _rows(page: str) -> list[str]:
    return re.findall(r'<td data-membership="([^"]+)">', page)


def _linked(page: str) -> list[str]:
    section = page.split("<h2>Linked from</h2>", 1)
    if len(section) == 1:
        return []
    body = section[1].split("</section>", 1)[0]
    return re.findall(r'<li><a href="[^"]*" title="([^"]+)">', body)


def test_walking_the_html_pages_shows_every_role_and_link_once(paged_client, store, biggest):
    memberships = count(store, biggest, f"FILTER(?p IN (<{ORG}member>, <{ORG}organization>))")
    others = count(store, biggest) - memberships
    roles: list[str] = []
    linked: list[str] = []
    url, first = path_of(biggest), None
    while url is not None:
        response = paged_client.get(url, headers=HTML)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        first = first or page
        rows, links = _rows(page), _linked(page)
        assert 0 < len(rows) + len(links) <= PAGE
        roles += rows
        linked += links
        found = re.search(r'<a href="([^"]+)" rel="next">', page)
        url = unescape(found.group(1)) if found else None
    assert len(roles) == len(set(roles)) == memberships
    assert set(roles) == {x for x, p in links_to(store, biggest) if p == ORG + "organization"}
    assert len(linked) == others
    shown = re.search(r'id="roles-count">([\d,]+) memberships link here', first)
    assert shown and int(shown.group(1).replace(",", "")) == memberships
    pages = re.search(r"Page 1 of ([\d,]+)", first)
    assert pages and int(pages.group(1).replace(",", "")) == -(-(memberships + others) // PAGE)


def test_each_page_has_its_own_etag_and_revalidates(paged_client, biggest):
    one = paged_client.get(path_of(biggest), headers=HTML)
    two = paged_client.get(path_of(biggest) + "?page=2", headers=HTML)
    assert one.headers["ETag"] != two.headers["ETag"]
    assert "Accept" in two.headers["Vary"]
    again = paged_client.get(path_of(biggest) + "?page=2",
                             headers={**HTML, "If-None-Match": two.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == two.headers["ETag"]
    negotiated = paged_client.get(path_of(biggest) + "?page=2", headers={"Accept": "text/turtle"})
    assert negotiated.headers["Content-Location"].endswith(".ttl?page=2")


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "", "²", "99999", "10000000"])
@pytest.mark.parametrize("suffix,headers", [("", HTML), (".ttl", {}), (".jsonld", {})])
def test_bad_pages_are_400_with_a_reason(paged_client, biggest, page, suffix, headers):
    response = paged_client.get(f"{path_of(biggest)}{suffix}?page={page}", headers=headers)
    assert response.status_code == 400, page
    assert "page" in response.get_data(as_text=True)


def test_a_small_resource_has_one_page_and_no_controls(paged_client, store):
    row = next(iter(store.query(
        f"SELECT ?c (COUNT(?m) AS ?n) WHERE {{ ?m <{ORG}member> ?c }} GROUP BY ?c ORDER BY ?n "
        "LIMIT 1")))
    city = row["c"].value
    assert count(store, city) <= PAGE
    response = paged_client.get(path_of(city) + ".ttl")
    assert HYDRA not in response.get_data(as_text=True)
    assert paged_client.get(path_of(city) + ".ttl?page=2").status_code == 400
    page = paged_client.get(path_of(city), headers=HTML).get_data(as_text=True)
    assert 'rel="next"' not in page and len(_rows(page)) == count(
        store, city, f"FILTER(?p = <{ORG}member>)")


def test_the_label_index_is_in_the_generated_release(generated):
    release = generated[1]
    assert Path(release.path, "labels.sqlite").is_file()


def test_charts_that_would_read_too_many_memberships_are_left_out(paged_client, biggest,
                                                                  monkeypatch):
    from service.web import glance

    monkeypatch.setattr(glance, "CHART_MEMBERSHIPS", 1000)
    monkeypatch.setattr(glance, "CHART_TRIPLES", 1000)
    fresh = {**HTML, "Accept-Language": "de"}  # a variant the response cache has not seen
    page = paged_client.get(path_of(biggest), headers=fresh).get_data(as_text=True)
    assert "Chart left out: more than 1,000 memberships" in page and "<svg" not in page
    assert "example=chairs-over-time" in page
    home = paged_client.get("/", headers=fresh).get_data(as_text=True)
    assert "Chart left out: the dataset has more than 1,000 triples" in home
    monkeypatch.setattr(glance, "CHART_MEMBERSHIPS", 100_000)
    page = paged_client.get(path_of(biggest), headers={**HTML, "Accept-Language": "fr"})
    assert "<svg" in page.get_data(as_text=True)
