"""The web application over the remote backend, on each engine (Oxigraph server, Virtuoso):
dereferencing, pages, /sparql and the named queries of /api answered from the SPARQL server,
identical to the embedded backend's answers; an unreachable server is a 503; API writes reach
the server as a build does, or change nothing."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import requests

from service.build import journal
from service.build.pipeline import build
from service.queries import load_queries
from service.settings import Settings
from service.store.release import current_release
from service.web.app import create_app
from tests.conftest import BASE, free_port, source_copy
from tests.store.conftest import ENGINES, remote_settings
from tests.store.test_remote import BARCELONA, remote_quads, rows
from tests.web.test_paging import walk_rdf_pages

pytestmark = pytest.mark.slow  # real processes, real time

TOKEN = "s3cret-token-for-remote-writes"
SELECT = f"SELECT ?label WHERE {{ <{BARCELONA}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }}"


def turtle(body: bytes) -> set[ox.Triple]:
    return {ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(body, format=ox.RdfFormat.TURTLE, base_iri=BASE)}


@pytest.fixture(scope="module")
def clients(remote_built: Settings):
    """Test clients of the same release: remote backend, and embedded for comparison."""
    embedded = create_app(remote_built.with_overrides(backend="embedded", query_workers=1))
    return create_app(remote_built).test_client(), embedded.test_client()


def test_resource_documents_come_from_the_remote_server_as_from_the_embedded_store(clients):
    remote, embedded = clients
    for path in ("/doc/city/barcelona.ttl", "/doc/group/eurocities-migration-integration.ttl"):
        got, expected = remote.get(path), embedded.get(path)
        assert got.status_code == 200 and got.mimetype == "text/turtle"
        assert got.headers["ETag"] == expected.headers["ETag"]
        assert turtle(got.data) and turtle(got.data) == turtle(expected.data)
    html = remote.get("/doc/city/barcelona", headers={"Accept": "text/html"})
    assert html.status_code == 200 and "Barcelona" in html.get_data(as_text=True)


def test_jsonld_over_the_remote_backend_is_compact_and_as_the_embedded_one(clients):
    """The context is computed from the remote server's data: the same as the embedded one's."""
    remote, embedded = clients
    assert remote.get("/context.jsonld").get_json() == embedded.get("/context.jsonld").get_json()
    construct = f"CONSTRUCT {{ <{BARCELONA}> ?p ?o }} WHERE {{ <{BARCELONA}> ?p ?o }}"
    for client in (remote, embedded):
        got = client.get("/sparql", query_string={"query": construct},
                         headers={"Accept": "application/ld+json"})
        assert got.status_code == 200 and "prefLabel" in got.get_json()["@context"]
        assert {q.triple for q in ox.parse(got.data, format=ox.RdfFormat.JSON_LD)} == turtle(
            embedded.get("/sparql", query_string={"query": construct},
                         headers={"Accept": "text/turtle"}).data)


def test_sparql_selects_and_constructs_run_on_the_remote_server(clients, remote_built):
    remote, embedded = clients
    got = remote.post("/sparql", data={"query": SELECT},
                      headers={"Accept": "application/sparql-results+json"})
    assert got.status_code == 200
    labels = {b["label"]["value"] for b in got.get_json()["results"]["bindings"]}
    assert "Barcelona" in labels
    expected = embedded.post("/sparql", data={"query": SELECT},
                             headers={"Accept": "application/sparql-results+json"})
    parse = ox.QueryResultsFormat.JSON  # as sorted rows: the query has no ORDER BY
    assert rows(ox.parse_query_results(got.data, format=parse)) == rows(
        ox.parse_query_results(expected.data, format=parse))
    construct = f"CONSTRUCT {{ <{BARCELONA}> ?p ?o }} WHERE {{ <{BARCELONA}> ?p ?o }}"
    graph = remote.get("/sparql", query_string={"query": construct}, headers={"Accept": "text/turtle"})
    assert graph.status_code == 200 and turtle(graph.data) == turtle(
        embedded.get("/sparql", query_string={"query": construct},
                     headers={"Accept": "text/turtle"}).data)
    absent = remote.get("/sparql", query_string={"query": "SELECT * FROM <http://evil.example/> "
                                                          "WHERE { ?s ?p ?o }"},
                        headers={"Accept": "application/sparql-results+json"})
    assert absent.status_code == 200  # FROM outside the dataset: an empty graph, not fetched
    assert absent.get_json()["results"]["bindings"] == []


def test_identifiers_dereference_alike_on_the_remote_server(clients):
    remote, embedded = clients
    for path in ("/id/city/barcelona", "/id/group/eurocities-migration-integration",
                 "/id/city/nowhere"):
        got = remote.get(path, headers={"Accept": "text/turtle"})
        expected = embedded.get(path, headers={"Accept": "text/turtle"})
        assert got.status_code == expected.status_code
        assert got.headers.get("Location") == expected.headers.get("Location")
    assert remote.get("/id/city/barcelona").status_code == 303
    assert remote.get("/doc/city/nowhere.ttl").status_code == 404


def test_every_named_query_of_the_api_answers_alike_on_the_remote_server(clients, remote_built):
    remote, embedded = clients
    queries = load_queries(remote_built.queries_dir)
    assert len(queries) >= 10
    for query in queries.values():
        args = {"query_string": query.example_values(),
                "headers": {"Accept": "application/sparql-results+json, text/turtle;q=0.9"}}
        got, expected = remote.get(f"/api/{query.name}", **args), embedded.get(
            f"/api/{query.name}", **args)
        assert got.status_code == expected.status_code == 200, (query.name, got.data[:300])
        assert got.headers["ETag"] == expected.headers["ETag"]
        assert got.mimetype == expected.mimetype
        if got.mimetype == "text/turtle":
            assert turtle(got.data) == turtle(expected.data), query.name
            continue
        parse = ox.QueryResultsFormat.JSON
        assert rows(ox.parse_query_results(got.data, format=parse)) == rows(
            ox.parse_query_results(expected.data, format=parse)), query.name
    members = remote.get("/api/members-in-year", query_string={
        "group": "id/group/eurocities-migration-integration", "year": "2013"},
        headers={"Accept": "application/sparql-results+json"})
    assert BARCELONA in {b["member"]["value"] for b in members.get_json()["results"]["bindings"]}


def test_an_unreachable_remote_server_is_a_503_not_a_500(remote_built):
    gone = remote_built.with_overrides(remote_query_url=f"http://127.0.0.1:{free_port()}/query",
                                       remote_timeout=2.0)
    client = create_app(gone).test_client()
    page = client.get("/doc/city/barcelona.ttl")
    assert page.status_code == 503 and "remote store unreachable" in page.get_data(as_text=True)
    assert client.post("/sparql", data={"query": SELECT}).status_code == 503
    health = client.get("/health")
    assert health.status_code == 503 and health.get_json()["status"] == "unavailable"


def _comment_update(text: str) -> str:
    return (f'INSERT DATA {{ GRAPH <{BASE}graph/cities> {{ <{BARCELONA}> '
            f'<http://www.w3.org/2000/01/rdf-schema#comment> "{text}"@en }} }}')


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_api_writes_reach_the_remote_server_or_change_nothing(tmp_path, new_server, engine):
    server = new_server(engine)
    root = source_copy(tmp_path / "root")  # writes are journaled into data/: not the checkout
    settings = remote_settings(tmp_path / "var", server, write_token=TOKEN, root=root)
    build(settings)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    comment = ox.Quad(ox.NamedNode(BARCELONA), ox.NamedNode(
        "http://www.w3.org/2000/01/rdf-schema#comment"), ox.Literal("written remotely", language="en"),
        ox.NamedNode(BASE + "graph/cities"))
    client = create_app(settings).test_client()
    done = client.post("/update", data={"update": _comment_update("written remotely")}, headers=auth)
    assert done.status_code == 200, done.get_json()
    live = current_release(settings.var)
    assert comment in remote_quads(server.query_url)
    assert any(q.graph_name.value == BASE + "graph/writes" for q in remote_quads(server.query_url))

    broken = settings.with_overrides(remote_update_url=f"http://127.0.0.1:{free_port()}/update")
    before = remote_quads(server.query_url)
    failed = create_app(broken).test_client().post(
        "/update", data={"update": _comment_update("never stored")}, headers=auth)
    assert failed.status_code == 503 and "remote store unreachable" in failed.get_json()["detail"]
    assert current_release(settings.var).id == live.id
    assert remote_quads(server.query_url) == before
    assert len(journal.read(root / "data")) == 1  # the refused write is not in the sources
    assert requests.get(server.url, timeout=5).status_code < 500  # the server itself is fine


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_citynet_serve_builds_and_loads_the_remote_server_on_a_fresh_machine(tmp_path, new_server,
                                                                           engine):
    from tests.conftest import start_server, stop_server

    server = new_server(engine)
    env = {"CITYNET_BACKEND": "remote", "CITYNET_REMOTE_QUERY_URL": server.query_url,
           "CITYNET_REMOTE_UPDATE_URL": server.update_url}
    site = start_server(tmp_path / "var", tmp_path / "serve.log", env=env)
    try:
        page = site.get("doc/city/barcelona.ttl")
        assert page.status_code == 200
        city = site.base + "id/city/barcelona"
        assert ox.Literal("Barcelona", language="ca") in {
            t.object for t in turtle(page.content) if t.subject.value == city}
        assert len(remote_quads(server.query_url)) == current_release(site.var).info["quads"]
    finally:
        stop_server(site.process)


def test_walking_the_pages_of_incoming_links_on_the_remote_server_visits_each_once(
        remote_built: Settings):
    """Pages are LIMIT/OFFSET slices without ORDER BY: each engine must slice one stable order,
    so walking "next" sees every link to the resource once, as the embedded store lists them."""
    page = 4
    settings = remote_built.with_overrides(describe_incoming_limit=page)
    remote = create_app(settings).test_client()
    embedded = create_app(settings.with_overrides(backend="embedded", query_workers=1))
    most = f"""SELECT ?o (COUNT(*) AS ?n) WHERE {{ ?x ?p ?o FILTER(STRSTARTS(STR(?o), "{BASE}id/")) }}
               GROUP BY ?o ORDER BY DESC(?n) LIMIT 1"""
    answer = embedded.test_client().get("/sparql", query_string={"query": most},
                                        headers={"Accept": "application/sparql-results+json"})
    best = answer.get_json()["results"]["bindings"][0]
    iri, total = best["o"]["value"], int(best["n"]["value"])
    assert total > 5 * page
    links = f"SELECT ?x ?p WHERE {{ ?x ?p <{iri}> }}"
    expected = embedded.test_client().get("/sparql", query_string={"query": links},
                                          headers={"Accept": "application/sparql-results+json"})
    expected_links = {(b["x"]["value"], b["p"]["value"])
                      for b in expected.get_json()["results"]["bindings"]}
    seen, pages, stated = walk_rdf_pages(remote, iri, page)
    assert len(seen) == len(set(seen)) == total == stated
    assert set(seen) == expected_links
    assert pages == -(-total // page)
