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
import requests

from service.namespaces import RECORD, graph_iri, release_graph, releases_graph
from service.settings import Settings
from service.store.release import NoRelease, Release, current_release

GRAPHS_QUERY = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
COUNTS_QUERY = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
#: Triples per update request on Virtuoso (its SPARQL compiler fails near 5,000).
VIRTUOSO_BATCH = 1000
RESULTS_JSON = "application/sparql-results+json"


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


def _post_query(settings: Settings, session: requests.Session, query: str) -> requests.Response:
    response = session.post(settings.remote_query_url, data={"query": query},
                            headers={"Accept": RESULTS_JSON}, timeout=settings.remote_timeout)
    response.raise_for_status()
    return response


def _remote_graphs(settings: Settings, session: requests.Session) -> tuple[set[str], bool]:
    """Graphs the server holds under this deployment's graph namespace (left over by a var/
    that was wiped, or by an earlier history), and whether the server is Virtuoso."""
    response = _post_query(settings, session, GRAPHS_QUERY)
    virtuoso = response.headers.get("Server", "").startswith("Virtuoso")
    rows = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
    prefix = graph_iri(settings.base_iri, "")
    names = (row["g"] for row in rows)  # some servers (Virtuoso) answer a row with ?g unbound
    return {g.value for g in names
            if isinstance(g, ox.NamedNode) and g.value.startswith(prefix)}, virtuoso


def graphs_to_drop(settings: Settings, session: requests.Session) -> set[str]:
    """The previous release's graphs (from the local record) and ours the server still has."""
    try:
        previous = set(current_release(settings.var).info.get("graphs", {}))
    except NoRelease:
        previous = set()
    if settings.remote_query_url:
        previous |= _remote_graphs(settings, session)[0]
    return previous


def published_records(settings: Settings, session: requests.Session) -> list[str]:
    """The release graphs the server holds records of, newest first."""
    graph = ox.NamedNode(releases_graph(settings.base_iri))
    query = (f"SELECT ?r ?t WHERE {{ GRAPH {graph} {{ ?r <{RECORD}published> ?t }} }} "
             "ORDER BY DESC(?t)")
    rows = ox.parse_query_results(_post_query(settings, session, query).content,
                                  format=ox.QueryResultsFormat.JSON)
    return [row["r"].value for row in rows if isinstance(row["r"], ox.NamedNode)]


def _update(settings: Settings, session: requests.Session, operations: list[str]) -> None:
    if not operations:
        return
    response = session.post(
        settings.remote_update_url, data=(" ;\n".join(operations) + "\n").encode("utf-8"),
        headers={"Content-Type": "application/sparql-update; charset=utf-8"},
        timeout=settings.remote_timeout)
    if response.status_code not in (200, 204):
        first = next((line.strip() for line in response.text.splitlines() if line.strip()), "")
        raise RemoteLoadFailed(f"remote store refused the update ({response.status_code}): "
                               f"{first[:300]}")


def _run(settings: Settings, session: requests.Session, operations: list[str],
         one_request: bool) -> None:
    if one_request:
        _update(settings, session, operations)
    else:
        for operation in operations:
            _update(settings, session, [operation])


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
    with requests.Session() as session:
        try:
            graphs = named_graph_lines(quads)
            ours, virtuoso = _remote_graphs(settings, session)
            batch = VIRTUOSO_BATCH if virtuoso else None
            try:
                previous = set(current_release(settings.var).info.get("graphs", {}))
            except NoRelease:
                previous = set()
            older = published_records(settings, session)
            try:
                _run(settings, session, merge_operations(graphs, merge_graph, batch),
                     not virtuoso)
                switch = switch_operations(graphs, previous | ours, batch)
                switch.append(record_operation(base, release_record(release, merge_graph),
                                               time.time_ns()))
                _run(settings, session, switch, not virtuoso)
            except BaseException:  # never leave a staged graph behind (best effort)
                with contextlib.suppress(requests.RequestException, RemoteLoadFailed):
                    _run(settings, session, _forget(base, merge_graph), True)
                raise
            stale = [op for graph in older[1:] if graph != merge_graph
                     for op in _forget(base, graph)]
            with contextlib.suppress(requests.RequestException, RemoteLoadFailed):
                _run(settings, session, stale, True)  # the release is live: cleanup may wait
        except requests.Timeout:
            raise RemoteLoadFailed(f"remote store did not answer within {settings.remote_timeout:g} s"
                                   ) from None
        except requests.RequestException as exc:
            raise RemoteLoadFailed(f"remote store unreachable: {_reason(exc)}") from None
        except (SyntaxError, ValueError) as exc:  # an unreadable graph list, a default-graph quad
            raise RemoteLoadFailed(str(exc).splitlines()[0]) from None


def _reason(exc: requests.RequestException) -> str:
    url = exc.request.url if exc.request is not None else ""
    return f"{url} ({type(exc).__name__})".strip()


def remote_holds(settings: Settings, release: Release) -> bool | None:
    """Whether the server holds the release's graphs with their triple counts and its default
    graph (False after the server lost or changed its data; None when it cannot be asked)."""
    merge_graph = release.info.get("merge_graph")
    try:
        with requests.Session() as session:
            response = _post_query(settings, session, COUNTS_QUERY)
            rows = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
            counts = {row["g"].value: int(row["n"].value) for row in rows
                      if isinstance(row["g"], ox.NamedNode)}
    except (requests.RequestException, SyntaxError, ValueError, TypeError, AttributeError):
        return None  # unreachable, or an answer that does not say
    expected = dict(release.info.get("graphs", {}))
    if merge_graph is not None:
        expected[merge_graph] = release.triples
    return bool(expected) and all(counts.get(graph) == n for graph, n in expected.items())
