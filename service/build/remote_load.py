"""Loading a release into the remote store: one SPARQL Update request, so one transaction.

The request drops the graphs of the previous release that the new one no longer has, then
clears and refills each graph of the new release, and the server's default graph with their
merge (each distinct triple once: the default graph is a set, see
:mod:`service.store.dataset`). Oxigraph server and most SPARQL stores run
one update request atomically, so readers see either the old dataset or the new one. Terms are
written by pyoxigraph (N-Triples syntax, which is valid SPARQL), never assembled by hand.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
import requests

from service.namespaces import graph_iri
from service.settings import Settings
from service.store.release import NoRelease, Release, current_release

GRAPHS_QUERY = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
COUNTS_QUERY = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
DEFAULT_COUNT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


class RemoteLoadFailed(Exception):
    """The remote store did not accept the new release; it still holds the previous one."""


def update_text(quads: Iterable[ox.Quad], drop: Iterable[str] = ()) -> str:
    """The SPARQL Update that makes a store hold exactly ``quads`` in their named graphs,
    after dropping the graphs in ``drop`` that ``quads`` do not fill. Refuses default-graph
    quads: every fact lives in a named graph. The default graph is replaced by the merge of
    the named graphs."""
    graphs: dict[str, list[str]] = {}
    for quad in quads:
        if not isinstance(quad.graph_name, ox.NamedNode):
            raise ValueError(f"only quads in named graphs can be loaded, not {quad}")
        graphs.setdefault(quad.graph_name.value, []).append(
            f"{quad.subject} {quad.predicate} {quad.object} .")
    parts = [f"DROP SILENT GRAPH {ox.NamedNode(g)}" for g in sorted(set(drop) - set(graphs))]
    for graph, lines in sorted(graphs.items()):
        name = ox.NamedNode(graph)
        parts.append(f"CLEAR SILENT GRAPH {name}")
        parts.append(f"INSERT DATA {{ GRAPH {name} {{\n" + "\n".join(lines) + "\n} }")
    merged = sorted({line for lines in graphs.values() for line in lines})
    parts.append("CLEAR SILENT DEFAULT")
    if merged:
        parts.append("INSERT DATA {\n" + "\n".join(merged) + "\n}")
    return " ;\n".join(parts) + "\n"


def _remote_graphs(settings: Settings, session: requests.Session) -> set[str]:
    """Graphs the server holds under this deployment's graph namespace (left over by a var/
    that was wiped, or by an earlier embedded-only history)."""
    response = session.post(settings.remote_query_url, data={"query": GRAPHS_QUERY},
                            headers={"Accept": "application/sparql-results+json"},
                            timeout=settings.remote_timeout)
    response.raise_for_status()
    rows = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
    prefix = graph_iri(settings.base_iri, "")
    names = (row["g"] for row in rows)  # some servers (Virtuoso) answer a row with ?g unbound
    return {g.value for g in names if isinstance(g, ox.NamedNode) and g.value.startswith(prefix)}


def graphs_to_drop(settings: Settings, session: requests.Session) -> set[str]:
    """The previous release's graphs (from the local record) and ours the server still has."""
    try:
        previous = set(current_release(settings.var).info.get("graphs", {}))
    except NoRelease:
        previous = set()
    if settings.remote_query_url:
        previous |= _remote_graphs(settings, session)
    return previous


def load_remote(settings: Settings, quads: list[ox.Quad]) -> None:
    """Replace the remote store's dataset by ``quads`` in one update request.

    Raises RemoteLoadFailed with one readable line; the server then keeps what it had.
    """
    if not settings.remote_update_url:
        raise RemoteLoadFailed("backend remote needs remote_update_url (CITYNET_REMOTE_UPDATE_URL)")
    with requests.Session() as session:
        try:
            text = update_text(quads, graphs_to_drop(settings, session))
            response = session.post(
                settings.remote_update_url, data=text.encode("utf-8"),
                headers={"Content-Type": "application/sparql-update; charset=utf-8"},
                timeout=settings.remote_timeout,
            )
        except requests.Timeout:
            raise RemoteLoadFailed(f"remote store did not answer within {settings.remote_timeout:g} s"
                                   ) from None
        except requests.RequestException as exc:
            raise RemoteLoadFailed(f"remote store unreachable: {_reason(exc)}") from None
        except (SyntaxError, ValueError) as exc:  # an unreadable graph list, a default-graph quad
            raise RemoteLoadFailed(str(exc).splitlines()[0]) from None
    if response.status_code not in (200, 204):
        first = next((line.strip() for line in response.text.splitlines() if line.strip()), "")
        raise RemoteLoadFailed(f"remote store refused the update ({response.status_code}): "
                               f"{first[:300]}")


def _reason(exc: requests.RequestException) -> str:
    url = exc.request.url if exc.request is not None else ""
    return f"{url} ({type(exc).__name__})".strip()


def remote_holds(settings: Settings, release: Release) -> bool | None:
    """Whether the server holds the release's graphs with their triple counts (False after the
    server lost or changed its data; None when it cannot be asked)."""
    try:
        response = requests.post(settings.remote_query_url, data={"query": COUNTS_QUERY},
                                 headers={"Accept": "application/sparql-results+json"},
                                 timeout=settings.remote_timeout)
        response.raise_for_status()
        rows = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
        counts = {row["g"].value: int(row["n"].value) for row in rows
                  if isinstance(row["g"], ox.NamedNode)}
        response = requests.post(settings.remote_query_url, data={"query": DEFAULT_COUNT_QUERY},
                                 headers={"Accept": "application/sparql-results+json"},
                                 timeout=settings.remote_timeout)
        response.raise_for_status()
        rows = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
        default = next((int(row["n"].value) for row in rows), None)
    except (requests.RequestException, SyntaxError, ValueError, TypeError, AttributeError):
        return None  # unreachable, or an answer that does not say
    expected = release.info.get("graphs", {})
    return (default == release.triples
            and all(counts.get(graph) == n for graph, n in expected.items()))
