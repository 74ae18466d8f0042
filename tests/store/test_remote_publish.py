"""Publishing to a remote store streams from the release's store: staging goes in requests of
a bounded number of triples, a write on a transactional server stages only the graphs it
changed, the switch moves staged graphs to their public names, and staging left behind by a
publication that failed is removed. Real servers (Oxigraph server, Virtuoso), the real
RemoteStore: the tests only watch what it sends."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
import requests

from service.build import remote_load
from service.build.pipeline import BuildFailed, build
from service.namespaces import release_graph, releases_graph
from service.settings import Settings
from service.store.release import Release, current_release
from service.store.remote import RemoteStore, UpdateRefused
from service.writes.apply import apply_write
from service.writes.operations import add_to_graph
from tests.conftest import BASE, source_copy
from tests.store.conftest import ENGINES, remote_settings
from tests.store.test_remote import BARCELONA, dump_quads, remote_quads

pytestmark = pytest.mark.slow  # real servers

INSERT = re.compile(r"INSERT DATA \{ GRAPH <([^>]*)> \{\n(.*)\n\} \}", re.DOTALL)


def sent_operations(monkeypatch) -> list[str]:
    """Every SPARQL Update operation RemoteStore sends from now on (it still sends them)."""
    sent: list[str] = []
    update = RemoteStore.update

    def recording(self, operations):
        sent.extend(operations)
        return update(self, operations)

    monkeypatch.setattr(RemoteStore, "update", recording)
    return sent


def staged_inserts(sent: list[str], release: Release) -> dict[str, list[int]]:
    """Triples per INSERT DATA request into each staging graph of ``release``."""
    prefix = release_graph(BASE, release.path.name)
    found: dict[str, list[int]] = {}
    for operation in sent:
        match = INSERT.fullmatch(operation)
        if match and match.group(1).startswith(prefix):
            found.setdefault(match.group(1), []).append(len(match.group(2).splitlines()))
    return found


def deployment_graphs_on(settings: Settings) -> set[str]:
    return {g for g in remote_load.server_graphs(RemoteStore(settings)) if g.startswith(BASE)}


def comment(text: str) -> ox.Triple:
    return ox.Triple(ox.NamedNode(BARCELONA),
                     ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
                     ox.Literal(text, language="en"))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_release_is_staged_in_bounded_requests_and_switched_whole(tmp_path, new_server,
                                                                     monkeypatch, engine):
    server = new_server(engine)
    settings = remote_settings(tmp_path / "var", server, root=source_copy(tmp_path / "root"))
    monkeypatch.setattr(remote_load, "BATCH", 150)
    monkeypatch.setattr(remote_load, "VIRTUOSO_BATCH", 150)
    sent = sent_operations(monkeypatch)
    release = build(settings)
    staged = staged_inserts(sent, release)
    merge = release_graph(BASE, release.path.name)
    # the default graph and every named graph were staged, in requests of at most 150
    assert sum(staged.pop(merge)) == release.triples
    assert sum(sum(sizes) for sizes in staged.values()) == release.info["quads"]
    assert len(staged) == len(release.info["graphs"])
    assert max(n for sizes in staged.values() for n in sizes) == 150
    # the staged graphs are gone: moved to their public names
    assert remote_quads(server.query_url) == dump_quads(settings)
    assert deployment_graphs_on(settings) == {*release.info["graphs"], releases_graph(BASE), merge}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_write_stages_the_graphs_it_changed_where_the_switch_is_one_transaction(
        tmp_path, new_server, monkeypatch, engine):
    server = new_server(engine)
    settings = remote_settings(tmp_path / "var", server, root=source_copy(tmp_path / "root"))
    before = build(settings)
    sent = sent_operations(monkeypatch)
    after = apply_write(settings, "test", add_to_graph(BASE + "graph/cities",
                                                       [comment("staged alone")])).release
    assert after is not None
    digests, earlier = after.info["graph_digests"], before.info["graph_digests"]
    changed = {g for g in digests if earlier.get(g) != digests[g]}
    assert BASE + "graph/cities" in changed and len(changed) < len(digests)
    staged = staged_inserts(sent, after)
    staged.pop(release_graph(BASE, after.path.name))  # its default graph: always staged
    names = {remote_load.staged_graph(release_graph(BASE, after.path.name), g, BASE): g
             for g in digests}
    # Virtuoso's switch is not one transaction: there every graph is sent again
    assert {names[g] for g in staged} == (changed if engine == "oxigraph" else set(digests))
    assert remote_quads(server.query_url) == dump_quads(settings)
    assert deployment_graphs_on(settings) == {
        *after.info["graphs"], releases_graph(BASE), release_graph(BASE, after.path.name),
        release_graph(BASE, before.path.name)}  # the previous one's, for readers holding it


def test_a_publication_failing_while_staging_leaves_nothing_staged(tmp_path, new_oxigraph,
                                                                    monkeypatch):
    server = new_oxigraph()
    settings = remote_settings(tmp_path / "var", server, root=source_copy(tmp_path / "root"))
    live = build(settings)
    held, graphs = remote_quads(server.query_url), deployment_graphs_on(settings)
    monkeypatch.setattr(remote_load, "BATCH", 100)
    update, calls = RemoteStore.update, []

    def failing_midway(self, operations):
        calls.append(operations)
        if len(calls) == 12:
            raise UpdateRefused("remote store refused the update (500): planted failure")
        return update(self, operations)

    monkeypatch.setattr(RemoteStore, "update", failing_midway)
    with (settings.data_dir / "editorial.ttl").open("a") as f:  # a new release to publish
        f.write(f"\n<{BARCELONA}> <http://www.w3.org/2000/01/rdf-schema#comment> "
                '"a second release"@en .\n')
    with pytest.raises(BuildFailed, match="planted failure"):
        build(settings)
    assert current_release(settings.var).id == live.id
    assert remote_quads(server.query_url) == held
    assert deployment_graphs_on(settings) == graphs  # no staged graph left


def test_staging_left_by_a_killed_publication_is_removed_by_the_next(tmp_path, new_oxigraph):
    server = new_oxigraph()
    settings = remote_settings(tmp_path / "var", server, root=source_copy(tmp_path / "root"))
    build(settings)
    leftover = remote_load.staged_graph(release_graph(BASE, "0123abcd-1"), BASE + "graph/cities",
                                        BASE)
    planted = f"INSERT DATA {{ GRAPH <{leftover}> {{ <{BARCELONA}> <{BASE}p> 1 }} }}"
    requests.post(server.update_url, data={"update": planted}, timeout=30).raise_for_status()
    assert leftover in deployment_graphs_on(settings)
    apply_write(settings, "test", add_to_graph(BASE + "graph/cities", [comment("next")]))
    assert leftover not in deployment_graphs_on(settings)
    assert remote_quads(server.query_url) == dump_quads(settings)
