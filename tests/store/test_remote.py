"""The remote backend against a real SPARQL server (Oxigraph server): a build loads exactly the
release's quads, atomically replacing the previous ones; queries through RemoteStore answer as
the embedded store does; a failing server fails the build and leaves the live release alone."""

from __future__ import annotations

import gzip
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from service.build.pipeline import BuildFailed, build
from service.cli import main
from service.queries import load_queries
from service.settings import Settings
from service.store import EmbeddedStore, open_store
from service.store.release import current_link, current_release, releases_dir
from service.store.remote import RemoteStore, RemoteUnavailable, canonical_booleans_json
from service.web import describe
from tests.conftest import BASE, free_port
from tests.store.conftest import remote_settings

pytestmark = pytest.mark.slow  # real processes, real time

MIGRATION = BASE + "id/group/eurocities-migration-integration"
BARCELONA = BASE + "id/city/barcelona"
ALL_QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


def remote_quads(url: str) -> set[ox.Quad]:
    """Every quad the server holds in a data graph (``…/graph/…``: not the release records and
    default graphs, nor a server's own graphs), read over the protocol (not through RemoteStore)."""
    answer = requests.post(url, data={"query": ALL_QUADS}, timeout=30,
                           headers={"Accept": "application/sparql-results+json"})
    answer.raise_for_status()
    rows = ox.parse_query_results(canonical_booleans_json(answer.content),
                                  format=ox.QueryResultsFormat.JSON)
    return {ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows if "/graph/" in r["g"].value}


def dump_quads(settings: Settings) -> set[ox.Quad]:
    release = current_release(settings.var)
    data = gzip.decompress((release.dumps_path / "citynet.nq.gz").read_bytes())
    return set(ox.parse(data, format=ox.RdfFormat.N_QUADS))


def _cell(term) -> str:
    """A term's text; a GROUP_CONCAT list's parts sorted (their order is unspecified in SPARQL,
    and differs between two stores holding the same data) and its language left out (SPARQL
    1.1 leaves it to the engine: Oxigraph keeps a tag all parts share, Virtuoso drops it)."""
    if isinstance(term, ox.Literal) and ", " in term.value:
        return str(ox.Literal(", ".join(sorted(term.value.split(", ")))))
    return str(term) if term is not None else ""


def rows(result) -> list[tuple[str, ...]]:
    """Solutions as sorted tuples of term texts (order-free comparison of two stores)."""
    names = [v.value for v in result.variables]
    return sorted(tuple(_cell(s[n]) for n in names) for s in result)


def test_a_remote_build_loads_exactly_the_quads_of_the_local_dump(remote_built, sparql_server):
    held = remote_quads(sparql_server.query_url)
    assert held == dump_quads(remote_built)
    record = RemoteStore(remote_built).release()
    assert record.id == current_release(remote_built.var).id
    default = requests.post(sparql_server.query_url, timeout=30, data={
        "query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
        "default-graph-uri": record.info["merge_graph"]},
        headers={"Accept": "application/sparql-results+json"})
    merged = [(r["s"], r["p"], r["o"]) for r in ox.parse_query_results(
        canonical_booleans_json(default.content), format=ox.QueryResultsFormat.JSON)]
    assert sorted(merged, key=str) == sorted({(q.subject, q.predicate, q.object) for q in held},
                                             key=str)  # the release's default graph: the merge
    assert len(held) == current_release(remote_built.var).info["quads"]
    assert {q.graph_name.value for q in held} == set(current_release(remote_built.var).info["graphs"])


def test_the_remote_store_describes_resources_as_the_embedded_store_does(remote_built):
    remote, embedded = open_store(remote_built), EmbeddedStore(remote_built.var)
    assert isinstance(remote, RemoteStore)
    for iri in (MIGRATION, BARCELONA):
        triples = describe.describe(remote, iri, remote_built.describe_incoming_limit)
        assert triples and set(triples) == set(
            describe.describe(embedded, iri, remote_built.describe_incoming_limit))
        got, expected = describe.facts(remote, iri, 200), describe.facts(embedded, iri, 200)
        assert got.labels.keys() == expected.labels.keys()
        assert all(sorted(got.labels[k], key=str) == sorted(expected.labels[k], key=str)
                   for k in got.labels)  # each node's labels; their order is the engine's
        assert sorted(got.memberships, key=lambda m: str(m.node)) == sorted(
            expected.memberships, key=lambda m: str(m.node))  # the query has no ORDER BY
        assert replace(got, labels={}, memberships=[]) == replace(expected, labels={},
                                                                  memberships=[])
    label = ox.Literal("Barcelona", language="ca")  # the seeds name the city; its own language
    assert label in {t.object for t in describe.describe(remote, BARCELONA, 200)}
    assert describe.exists(remote, BARCELONA) and not describe.exists(remote, BASE + "id/city/nowhere")
    assert sorted(describe.search(remote, "barcel"), key=str) == sorted(
        describe.search(embedded, "barcel"), key=str)  # ties in ORDER BY: the engine's order


def test_every_named_query_answers_alike_through_both_stores(remote_built):
    remote, embedded = RemoteStore(remote_built), EmbeddedStore(remote_built.var)
    queries = load_queries(remote_built.queries_dir)
    assert len(queries) >= 10
    for query in queries.values():
        bound = query.bindings(query.example_values(), remote_built.base_iri)
        expected = rows(embedded.query(query.text, substitutions=bound))
        assert rows(remote.query(query.text, substitutions=bound)) == expected, query.name
    members = remote.query(queries["members-in-year"].text, substitutions=queries[
        "members-in-year"].bindings({"group": MIGRATION, "year": "2013"}, BASE))
    assert BARCELONA in {s["member"].value for s in members}  # seed 004: a 2013 member city


def test_the_default_graph_is_the_servers_real_one_and_explicit_graphs_are_sent(remote_built):
    remote, embedded = RemoteStore(remote_built), EmbeddedStore(remote_built.var)
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    merged = rows(remote.query(count))
    triples = current_release(remote_built.var).triples
    assert merged == rows(embedded.query(count)) == [
        (f'"{triples}"^^<http://www.w3.org/2001/XMLSchema#integer>',)]
    cities = BASE + "graph/cities"
    assert rows(remote.query(count, default_graphs=[cities])) == rows(
        embedded.query(count, default_graphs=[cities]))
    named = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert rows(remote.query(named, named_graphs=[cities])) == [(f"<{cities}>",)]


def test_remote_results_are_pyoxigraph_results(remote_built):
    remote = RemoteStore(remote_built)
    assert isinstance(remote.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1"), ox.QuerySolutions)
    assert isinstance(remote.query("ASK { ?s ?p ?o }"), ox.QueryBoolean)
    triples = list(remote.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"))
    assert len(triples) == 3 and all(isinstance(t, ox.Triple) for t in triples)
    with pytest.raises(SyntaxError):
        remote.query("SELECT ?s WHERE { ?s ")


def test_a_rebuild_replaces_the_previous_graphs_without_leftovers(tmp_path, new_oxigraph):
    server = new_oxigraph()
    other_base = "http://other.example/"
    first = remote_settings(tmp_path / "var", server, base=other_base)
    build(first)
    stale = ox.Quad(ox.NamedNode(BASE + "id/thing/stale"), ox.NamedNode(BASE + "p"),
                    ox.Literal("left over"), ox.NamedNode(BASE + "graph/removed-source"))
    triple = f"{stale.subject} {stale.predicate} {stale.object}"
    planted = f"INSERT DATA {{ GRAPH {stale.graph_name} {{ {triple} }} }}"
    requests.post(server.update_url, data={"update": planted}, timeout=30).raise_for_status()
    assert any(q.graph_name.value.startswith(other_base) for q in remote_quads(server.query_url))

    second = remote_settings(tmp_path / "var", server)  # same var, another base: all replaced
    build(second)
    held = remote_quads(server.query_url)
    assert held == dump_quads(second)
    assert not any(q.graph_name.value.startswith(other_base) for q in held)  # previous release's
    assert stale not in held  # ours, under this base, though no release listed it
    build(second)
    assert remote_quads(server.query_url) == dump_quads(second)


@pytest.mark.parametrize("failure", ["unreachable", "refused"])
def test_a_failing_remote_fails_the_build_and_keeps_the_live_release(tmp_path, new_oxigraph,
                                                                     failure):
    server = new_oxigraph()
    settings = remote_settings(tmp_path / "var", server, base="http://first.example/")
    live = build(settings)
    before = remote_quads(server.query_url)
    broken_url = (f"http://127.0.0.1:{free_port()}/update" if failure == "unreachable"
                  else server.query_url)  # a query endpoint refuses an update
    broken = remote_settings(tmp_path / "var", server, remote_update_url=broken_url)
    with pytest.raises(BuildFailed) as failed:
        build(broken)
    assert "\n" not in failed.value.summary and "nothing was published" in failed.value.summary
    assert current_link(settings.var).resolve() == live.path
    assert current_release(settings.var).id == live.id
    assert [p for p in releases_dir(settings.var).iterdir()] == [live.path]
    assert remote_quads(server.query_url) == before


def test_citynet_build_reports_an_unreachable_remote_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CITYNET_BACKEND", "remote")
    monkeypatch.setenv("CITYNET_REMOTE_QUERY_URL", f"http://127.0.0.1:{free_port()}/query")
    monkeypatch.setenv("CITYNET_REMOTE_UPDATE_URL", f"http://127.0.0.1:{free_port()}/update")
    assert main(["build", "--var", str(tmp_path / "var"), "--base", BASE]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("citynet build: remote store unreachable")
    assert not current_link(tmp_path / "var").exists()


def test_a_remote_backend_without_urls_is_one_readable_error(tmp_path: Path):
    with pytest.raises(ValueError, match="remote_query_url"):
        open_store(remote_settings(tmp_path, None))
    with pytest.raises(BuildFailed, match="remote_update_url"):
        build(remote_settings(tmp_path, None))
    assert not current_link(tmp_path).exists()


def test_an_unreachable_server_is_reported_as_unavailable(remote_built):
    gone = RemoteStore(remote_built.with_overrides(
        remote_query_url=f"http://127.0.0.1:{free_port()}/query", remote_timeout=2.0))
    with pytest.raises(RemoteUnavailable, match="remote store unreachable"):
        gone.query("ASK { ?s ?p ?o }")
    with pytest.raises(RemoteUnavailable, match="remote store unreachable"):
        gone.release()  # the release record is the server's too


def test_serve_reloads_a_remote_server_that_lost_the_live_release(tmp_path, new_oxigraph):
    from service.build.remote_load import remote_holds
    from service.cli import ensure_release

    first = remote_settings(tmp_path / "var", new_oxigraph())
    live = build(first)
    assert remote_holds(first, live) is True
    emptied = remote_settings(tmp_path / "var", new_oxigraph())  # same var, an empty server
    assert remote_holds(emptied, live) is False
    ensure_release(emptied)
    assert remote_quads(emptied.remote_query_url) == dump_quads(emptied)
    gone = remote_settings(tmp_path / "var", None,
                           remote_query_url=f"http://127.0.0.1:{free_port()}/query")
    assert remote_holds(gone, current_release(gone.var)) is None


VIRTUOSO_GRAPHS = (  # Virtuoso answers GRAPH ?g { } with a row that leaves ?g unbound
    b'{"head":{"vars":["g"]},"results":{"bindings":[{},'
    b'{"g":{"type":"uri","value":"' + BASE.encode() + b'graph/old"}},'
    b'{"g":{"type":"uri","value":"http://elsewhere.example/graph/x"}}]}}')


def test_a_graph_list_with_an_unbound_row_is_read(tmp_path):
    import http.server
    import threading

    from service.build.remote_load import deployment_graphs, remote_holds, server_graphs
    from service.store.release import Release

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(VIRTUOSO_GRAPHS)))
            self.end_headers()
            self.wfile.write(VIRTUOSO_GRAPHS)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        settings = remote_settings(tmp_path / "var", None, remote_query_url=url + "query",
                                   remote_update_url=url + "update")
        assert deployment_graphs(server_graphs(RemoteStore(settings)), BASE) == {BASE + "graph/old"}
        release = Release(path=tmp_path, info={"id": "x", "triples": 1,
                                               "graphs": {BASE + "graph/old": 1}})
        assert remote_holds(settings, release) is None  # an answer without counts: unknown
    finally:
        server.shutdown()
        server.server_close()
