"""The changes a write can make, as functions on a working copy of the dataset (pure of I/O).

Graph Store Protocol: PUT replaces a graph, POST adds to it, DELETE removes it. SPARQL Update
runs on the copy after the guard has refused LOAD and SERVICE (no outbound fetches).
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

from service import media
from service.problems import Problem
from service.sparql.guard import check_update
from service.sparql.pool import run_update

Change = Callable[[ox.Store], None]


def parse_graph_body(body: bytes, content_type: str | None, graph: str) -> list[ox.Triple]:
    """The triples of a request body in one of the graph formats (415/400 otherwise)."""
    fmt = media.rdf_by_media_type(content_type or "")
    if fmt is None or fmt not in media.GRAPH_FORMATS:
        accepted = ", ".join(m.media_type for m in media.GRAPH_FORMATS)
        raise Problem(415, f"unsupported Content-Type {content_type or '(none)'!r}; "
                      f"send one of {accepted}")
    try:
        return list(ox.parse(body, format=fmt.format, base_iri=graph))
    except (SyntaxError, ValueError, OSError) as exc:
        message = " ".join(str(exc).split())[:300]
        raise Problem(400, f"the body is not valid {fmt.name}: {message}") from None


def _graph_quads(store: ox.Store, graph: str) -> list[ox.Quad]:
    return list(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))


def replace_graph(graph: str, triples: list[ox.Triple]) -> Change:
    def change(store: ox.Store) -> None:
        for quad in _graph_quads(store, graph):
            store.remove(quad)
        store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
                     for t in triples)
    return change


def add_to_graph(graph: str, triples: list[ox.Triple]) -> Change:
    def change(store: ox.Store) -> None:
        store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
                     for t in triples)
    return change


def delete_graph(graph: str) -> Change:
    def change(store: ox.Store) -> None:
        quads = _graph_quads(store, graph)
        if not quads:
            raise Problem(404, f"there is no graph <{graph}>")
        for quad in quads:
            store.remove(quad)
    return change


def sparql_update(text: str, allowlist: tuple[str, ...], max_bytes: int,
                  timeout: float, memory: int | None) -> Change:
    """A SPARQL Update on the copy; the guard runs first (LOAD and SERVICE refused). The
    update itself runs in a process of its own under the query time limit and memory cap."""
    check_update(text, allowlist=allowlist, max_bytes=max_bytes)

    def change(store: ox.Store) -> None:
        nquads = ox.serialize(store, format=ox.RdfFormat.N_QUADS)
        changed = run_update(nquads, text, timeout, memory)
        store.clear()
        store.load(changed, format=ox.RdfFormat.N_QUADS)
    return change


def graph_is_writable(graph: str, base: str) -> str | None:
    """Why ``graph`` cannot be written (None if it can): a graph IRI under ``{base}graph/``."""
    prefix = base + "graph/"
    name = graph[len(prefix):] if graph.startswith(prefix) else ""
    if not name or not all(c.isalnum() or c in "-_." for c in name) or name.startswith("."):
        return f"the graph must be {prefix}<name> (letters, digits, '-', '_', '.')"
    return None
