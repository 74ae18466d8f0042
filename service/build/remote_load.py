"""Publishing a release to the remote store: staged per release, then one switch.

What the server holds for a deployment (base ``B``):

- the named graphs of the live release under their public names (``B graph/…``);
- per published release, its default graph (the merge of its named graphs, a set: see
  :mod:`service.store.dataset`) in a graph of its own, ``B release/<id>-<stamp>``;
- the release records in ``B release/``: one per release, with its JSON record
  (``release.json`` plus where its dumps are and which graph is its default graph) and when it
  was published. The latest record is the live release; every web process (replica) reads it
  from there, so no replica needs the release in its own ``var/``.

A publication runs in three steps. (1) The new default graph is staged in its own graph,
unseen by readers, who query the default graph their record names. (2) The named graphs are
replaced and the new record inserted: the record is the switch. Oxigraph server (and most
stores) runs one update request as one transaction, so there both happen in one request and no
reader sees half a release. Virtuoso 7 does not: a request of several operations is not rolled
back when one fails, and its SPARQL compiler refuses an ``INSERT DATA`` of more than about
5,000 triples (SP030 "memory exhausted"); so there the operations go in batches of at most
:data:`VIRTUOSO_BATCH` triples and the record last. Pages, ``/api`` and every query of the
default graph still switch at once (the record names the new default graph); a ``GRAPH``
query running during the few seconds of a Virtuoso load may see the named graphs half replaced.
(3) The records and default graphs of releases older than the previous one are dropped (the
previous one stays for readers that still hold its record).

Terms are written by pyoxigraph (N-Triples syntax, which is valid SPARQL), never by hand.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from service.namespaces import RECORD, graph_iri, release_graph, releases_graph
from service.settings import Settings
from service.store.release import NoRelease, Release, current_release
from service.store.remote import RemoteStore, RemoteUnavailable, UpdateRefused

GRAPHS_QUERY = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
COUNTS_QUERY = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
#: Triples per update request on Virtuoso (its SPARQL compiler fails near 5,000).
VIRTUOSO_BATCH = 1000


class RemoteLoadFailed(Exception):
    """The remote store did not accept the new release; it still serves the previous one."""


def _line(quad: ox.Quad | ox.Triple) -> str:
    return f"{quad.subject} {quad.predicate} {quad.object} ."


def _inserts(graph: str, lines: list[str], batch: int | None) -> Iterator[str]:
    """``INSERT DATA`` operations filling ``graph`` with ``lines``, ``batch`` lines each."""
    size = batch or max(len(lines), 1)
    for start in range(0, len(lines), size):
        yield (f"INSERT DATA {{ GRAPH {ox.NamedNode(graph)} {{\n"
               + "\n".join(lines[start:start + size]) + "\n} }")


def named_graph_lines(quads: Iterable[ox.Quad]) -> dict[str, list[str]]:
    """The quads' triples per named graph; refuses default-graph quads (every fact lives in a
    named graph)."""
    graphs: dict[str, list[str]] = {}
    for quad in quads:
        if not isinstance(quad.graph_name, ox.NamedNode):
            raise ValueError(f"only quads in named graphs can be loaded, not {quad}")
        graphs.setdefault(quad.graph_name.value, []).append(_line(quad))
    return graphs


def merge_operations(graphs: dict[str, list[str]], merge_graph: str,
                     batch: int | None) -> list[str]:
    """Stage the release's default graph, the merge of its named graphs (each triple once)."""
    merged = sorted({line for lines in graphs.values() for line in lines})
    return [f"CLEAR SILENT GRAPH {ox.NamedNode(merge_graph)}",
            *_inserts(merge_graph, merged, batch)]


def switch_operations(graphs: dict[str, list[str]], drop: Iterable[str],
                      batch: int | None) -> list[str]:
    """Replace the named graphs: drop the ones ``graphs`` no longer has, refill the others."""
    ops = [f"DROP SILENT GRAPH {ox.NamedNode(g)}" for g in sorted(set(drop) - set(graphs))]
    for graph, lines in sorted(graphs.items()):
        ops.append(f"CLEAR SILENT GRAPH {ox.NamedNode(graph)}")
        ops.extend(_inserts(graph, lines, batch))
    return ops


def record_operation(base: str, record: dict, published: int) -> str:
    """The switch: the new release's record (the latest record is the live release)."""
    subject = ox.NamedNode(record["merge_graph"])
    body = ox.Literal(json.dumps(record, sort_keys=True))
    stamp = ox.Literal(str(published), datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer"))
    return (f"INSERT DATA {{ GRAPH {ox.NamedNode(releases_graph(base))} {{ "
            f"{subject} <{RECORD}json> {body} ; <{RECORD}published> {stamp} }} }}")


def release_record(release: Release, merge_graph: str) -> dict:
    """What a replica needs to serve the release: its record, its default graph, its files."""
    return {**release.info, "merge_graph": merge_graph, "location": str(release.path)}


def deployment_graphs(remote: RemoteStore, base: str) -> set[str]:
    """Graphs the server holds under this deployment's graph namespace (left over by a var/
    that was wiped, or by an earlier history)."""
    prefix = graph_iri(base, "")
    names = (row["g"] for row in remote.select_all(GRAPHS_QUERY))  # Virtuoso answers a row
    return {g.value for g in names                                 # with ?g unbound
            if isinstance(g, ox.NamedNode) and g.value.startswith(prefix)}


def published_records(remote: RemoteStore, base: str) -> list[str]:
    """The release graphs the server holds records of, newest first."""
    graph = ox.NamedNode(releases_graph(base))
    query = (f"SELECT ?r ?t WHERE {{ GRAPH {graph} {{ ?r <{RECORD}published> ?t }} }} "
             "ORDER BY DESC(?t)")
    return [row["r"].value for row in remote.select_all(query)
            if isinstance(row["r"], ox.NamedNode)]


def _run(remote: RemoteStore, operations: list[str], one_request: bool) -> None:
    if one_request:
        remote.update(operations)
    else:
        for operation in operations:
            remote.update([operation])


def _forget(base: str, graph: str) -> list[str]:
    """Drop a release's default graph and its record."""
    node = ox.NamedNode(graph)
    return [f"DROP SILENT GRAPH {node}",
            f"DELETE WHERE {{ GRAPH {ox.NamedNode(releases_graph(base))} {{ {node} ?p ?o }} }}"]


def load_remote(settings: Settings, quads: list[ox.Quad], release: Release) -> None:
    """Publish ``release`` (holding ``quads``) to the remote store, staged then switched (see
    the module doc). Raises RemoteLoadFailed with one readable line; the previous release then
    stays the live one."""
    if not settings.remote_update_url:
        raise RemoteLoadFailed("backend remote needs remote_update_url (CITYNET_REMOTE_UPDATE_URL)")
    base = settings.base_iri
    merge_graph = release_graph(base, release.path.name)
    try:
        remote = RemoteStore(settings)
        graphs = named_graph_lines(quads)
        ours = deployment_graphs(remote, base)
        virtuoso = remote.is_virtuoso()
        batch = VIRTUOSO_BATCH if virtuoso else None
        try:
            previous = set(current_release(settings.var).info.get("graphs", {}))
        except NoRelease:
            previous = set()
        older = published_records(remote, base)
        try:
            _run(remote, merge_operations(graphs, merge_graph, batch), not virtuoso)
            switch = switch_operations(graphs, previous | ours, batch)
            switch.append(record_operation(base, release_record(release, merge_graph),
                                           time.time_ns()))
            _run(remote, switch, not virtuoso)
        except BaseException:  # never leave a staged graph behind (best effort)
            with contextlib.suppress(NoRelease, UpdateRefused):
                _run(remote, _forget(base, merge_graph), True)
            raise
        stale = [op for graph in older[1:] if graph != merge_graph
                 for op in _forget(base, graph)]
        with contextlib.suppress(NoRelease, UpdateRefused):
            _run(remote, stale, True)  # the release is live: cleanup may wait
    except (RemoteUnavailable, UpdateRefused) as exc:
        raise RemoteLoadFailed(str(exc)) from None
    except (SyntaxError, ValueError) as exc:  # an unreadable graph list, a default-graph quad
        raise RemoteLoadFailed(str(exc).splitlines()[0]) from None


def remote_holds(settings: Settings, release: Release) -> bool | None:
    """Whether the server holds the release's graphs with their triple counts and its default
    graph (False after the server lost or changed its data; None when it cannot be asked)."""
    merge_graph = release.info.get("merge_graph")
    try:
        rows = RemoteStore(settings).select_all(COUNTS_QUERY)
        counts = {row["g"].value: int(row["n"].value) for row in rows
                  if isinstance(row["g"], ox.NamedNode)}
    except (NoRelease, SyntaxError, ValueError, TypeError, AttributeError):
        return None  # unreachable, or an answer that does not say
    expected = dict(release.info.get("graphs", {}))
    if merge_graph is not None:
        expected[merge_graph] = release.triples
    return bool(expected) and all(counts.get(graph) == n for graph, n in expected.items())
