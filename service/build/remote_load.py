"""Publishing a release to the remote store: staged per release, then one switch.

What the server holds for a deployment (base ``B``):

- the named graphs of the live release under their public names (``B graph/…``);
- per published release, its default graph (the merge of its named graphs, a set: see
  :mod:`service.store.dataset`) in a graph of its own, ``B release/<id>-<stamp>``;
- the release records in ``B release/``: one per release, with its JSON record
  (``release.json`` plus where its dumps are and which graph is its default graph) and when it
  was published. The latest record is the live release; every web process (replica) reads it
  from there, so no replica needs the release in its own ``var/``.

A publication runs in three steps. (1) Staging, unseen by readers: the new default graph is
loaded into its own graph, and each named graph whose content the server does not already
hold under its public name (per the live record's graph digests: a write stages only the
graphs it changed) into ``B release/<id>-<stamp>/<name>``. Both are read from the release's
store and sent in requests of :data:`BATCH` triples, so memory does not grow with the data.
(2) The switch: the public graphs the release no longer has are dropped, each staged graph
is moved (``MOVE``) to its public name, and the new record is inserted: the record is what
readers follow. Oxigraph server (and most stores) runs one update request as one transaction,
so there the switch is one request and no reader sees half a release. Virtuoso 7 does not:
a request of several operations is not rolled back when one fails, and its SPARQL compiler
refuses an ``INSERT DATA`` of more than about 5,000 triples (SP030 "memory exhausted"); so
there staging goes in batches of :data:`VIRTUOSO_BATCH` triples and the switch's operations
one by one, the record last. Pages, ``/api`` and every query of the default graph still
switch at once (the record names the new default graph); a ``GRAPH`` query running during a
Virtuoso switch may see the named graphs half moved. (3) The records and default graphs of
releases older than the previous one are dropped, with staged graphs left by a publication
that did not finish (the previous release stays for readers that still hold its record).

Terms are written by pyoxigraph (N-Triples syntax, which is valid SPARQL), never by hand.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from service.namespaces import RECORD, graph_iri, release_graph, releases_graph
from service.settings import Settings
from service.store.release import NoRelease, Release, current_release
from service.store.remote import RemoteStore, RemoteUnavailable, UpdateRefused, record_query

GRAPHS_QUERY = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
GRAPHS_WITH_TRIPLES_QUERY = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
COUNTS_QUERY = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
#: Triples per staging request (about 5 MB of SPARQL).
BATCH = 25_000
#: Triples per update request on Virtuoso (its SPARQL compiler fails near 5,000).
VIRTUOSO_BATCH = 1000


class RemoteLoadFailed(Exception):
    """The remote store did not accept the new release; it still serves the previous one."""


def _line(quad: ox.Quad | ox.Triple) -> str:
    return f"{quad.subject} {quad.predicate} {quad.object} ."


def inserts(graph: str, triples: Iterable[ox.Quad | ox.Triple], batch: int) -> Iterator[str]:
    """``INSERT DATA`` operations filling ``graph`` with ``triples``, ``batch`` triples each,
    made as they are sent (one batch in memory at a time)."""
    node, lines = ox.NamedNode(graph), iter(map(_line, triples))
    while chunk := list(islice(lines, batch)):
        yield f"INSERT DATA {{ GRAPH {node} {{\n" + "\n".join(chunk) + "\n} }"


def staged_graph(merge_graph: str, graph: str, base: str) -> str:
    """Where a named graph of the release is staged before the switch (outside the public
    ``B graph/`` names: readers never see it)."""
    return f"{merge_graph}/{graph.removeprefix(graph_iri(base, ''))}"


def switch_operations(staged: dict[str, str], graphs: Iterable[str],
                      drop: Iterable[str]) -> list[str]:
    """Make the release's named graphs (``graphs``) public: drop the public graphs it no
    longer has, move each staged one (public name -> staged name) over its public name."""
    ops = [f"DROP SILENT GRAPH {ox.NamedNode(g)}" for g in sorted(set(drop) - set(graphs))]
    # not SILENT: a staged graph gone missing fails the switch rather than empty a graph
    ops += [f"MOVE GRAPH {ox.NamedNode(staged[g])} TO GRAPH {ox.NamedNode(g)}"
            for g in sorted(staged)]
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


def server_graphs(remote: RemoteStore) -> set[str]:
    """Every named graph the server holds. Virtuoso answers the cheap query (graphs, with or
    without triples) with one row of ?g unbound; it is then asked for the graphs with a
    triple."""
    graphs: set[str] = set()
    for query in (GRAPHS_QUERY, GRAPHS_WITH_TRIPLES_QUERY):
        graphs = {row["g"].value for row in remote.select_all(query)
                  if isinstance(row["g"], ox.NamedNode)}
        if graphs or not remote.is_virtuoso():
            break
    return graphs


def deployment_graphs(graphs: Iterable[str], base: str) -> set[str]:
    """Of the server's ``graphs``, those under this deployment's graph namespace (the live
    release's, or left over by a var/ that was wiped, or by an earlier history)."""
    prefix = graph_iri(base, "")
    return {g for g in graphs if g.startswith(prefix)}


def published_records(remote: RemoteStore, base: str) -> list[str]:
    """The release graphs the server holds records of, newest first."""
    graph = ox.NamedNode(releases_graph(base))
    query = (f"SELECT ?r ?t WHERE {{ GRAPH {graph} {{ ?r <{RECORD}published> ?t }} }} "
             "ORDER BY DESC(?t)")
    return [row["r"].value for row in remote.select_all(query)
            if isinstance(row["r"], ox.NamedNode)]


def live_digests(remote: RemoteStore, base: str) -> dict[str, str]:
    """The graph digests of the server's live record: what its public graphs hold."""
    rows = remote.select_all(record_query(base))
    try:
        return dict(json.loads(rows[0]["json"].value).get("graph_digests", {}))
    except (IndexError, AttributeError, TypeError, ValueError):
        return {}


def _run(remote: RemoteStore, operations: list[str], one_request: bool) -> None:
    if one_request:
        remote.update(operations)
    else:
        for operation in operations:
            remote.update([operation])


def _stage(remote: RemoteStore, store: ox.Store, merge_graph: str, staged: dict[str, str],
           batch: int) -> None:
    """Load the release's default graph and the ``staged`` named graphs (public name ->
    staged name) into their staging graphs, from ``store``, one batch per request."""
    sources = [(merge_graph, ox.DefaultGraph())]
    sources += [(staged[g], ox.NamedNode(g)) for g in sorted(staged)]
    for target, source in sources:
        remote.update([f"DROP SILENT GRAPH {ox.NamedNode(target)}"])
        for operation in inserts(target, store.quads_for_pattern(None, None, None, source),
                                 batch):
            remote.update([operation])


def _forget(base: str, graph: str) -> list[str]:
    """Drop a release's default graph and its record."""
    node = ox.NamedNode(graph)
    return [f"DROP SILENT GRAPH {node}",
            f"DELETE WHERE {{ GRAPH {ox.NamedNode(releases_graph(base))} {{ {node} ?p ?o }} }}"]


def load_remote(settings: Settings, release: Release, store_path: Path) -> None:
    """Publish ``release``, whose store is at ``store_path``, to the remote store: staged,
    then switched (see the module doc). Raises RemoteLoadFailed with one readable line; the
    previous release then stays the live one."""
    if not settings.remote_update_url:
        raise RemoteLoadFailed("backend remote needs remote_update_url (CITYNET_REMOTE_UPDATE_URL)")
    base = settings.base_iri
    merge_graph = release_graph(base, release.path.name)
    store = ox.Store.read_only(str(store_path))
    try:
        remote = RemoteStore(settings)
        present = server_graphs(remote)
        ours = deployment_graphs(present, base)
        virtuoso = remote.is_virtuoso()
        graphs = sorted(g.value for g in store.named_graphs())
        # what the public graphs hold, trusted only where a switch is one transaction
        held = {} if virtuoso else live_digests(remote, base)
        digests = release.info.get("graph_digests", {})
        staged = {g: staged_graph(merge_graph, g, base) for g in graphs
                  if g not in ours or g not in held or held[g] != digests.get(g)}
        try:
            previous = set(current_release(settings.var).info.get("graphs", {}))
        except NoRelease:
            previous = set()
        older = published_records(remote, base)
        try:
            _stage(remote, store, merge_graph, staged, VIRTUOSO_BATCH if virtuoso else BATCH)
            switch = switch_operations(staged, graphs, previous | ours)
            switch.append(record_operation(base, release_record(release, merge_graph),
                                           time.time_ns()))
            _run(remote, switch, not virtuoso)
        except BaseException:  # never leave a staged graph behind (best effort)
            with contextlib.suppress(NoRelease, UpdateRefused):
                _run(remote, [f"DROP SILENT GRAPH {ox.NamedNode(g)}" for g in staged.values()]
                     + _forget(base, merge_graph), True)
            raise
        # the release is live: the cleanup may fail and wait for the next publication
        kept = {releases_graph(base), merge_graph, *older[:1]}
        stale = [f"DROP SILENT GRAPH {ox.NamedNode(g)}" for g in sorted(present)
                 if g.startswith(releases_graph(base)) and g not in kept]
        stale += [op for graph in older[1:] if graph != merge_graph
                  for op in _forget(base, graph)]
        with contextlib.suppress(NoRelease, UpdateRefused):
            _run(remote, stale, True)
    except (RemoteUnavailable, UpdateRefused) as exc:
        raise RemoteLoadFailed(str(exc)) from None
    except (SyntaxError, ValueError) as exc:  # an unreadable graph list or record
        raise RemoteLoadFailed(str(exc).splitlines()[0]) from None
    finally:
        del store


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
