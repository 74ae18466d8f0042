"""The changes a write can make, each applied to an on-disk copy of the live store.

Graph Store Protocol: PUT replaces a graph, POST adds to it, DELETE removes it. SPARQL Update
runs on the copy after the guard has refused LOAD and SERVICE (no outbound fetches). Each change
answers with what it did to the named graphs (a :class:`Delta`), read from the graphs it
touched only, so a write costs what it changes, not what the dataset holds.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from service import media
from service.problems import Problem
from service.sparql.guard import check_update
from service.sparql.pool import run_update
from service.sparql.update_scope import update_scope
from service.store.dataset import graph_quads


@dataclass
class Delta:
    """The quads a change added to and removed from the named graphs (each really new or
    really gone)."""

    added: set[ox.Quad] = field(default_factory=set)
    removed: set[ox.Quad] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)


#: A change, given the folder of the working store (which nothing else has open).
Change = Callable[[Path], Delta]


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


def _in_graph(graph: str, triples: list[ox.Triple]) -> set[ox.Quad]:
    name = ox.NamedNode(graph)
    return {ox.Quad(t.subject, t.predicate, t.object, name) for t in triples}


def _apply(path: Path, delta: Callable[[ox.Store], Delta]) -> Delta:
    """Open the working store, work out the change, make it, close the store."""
    store = ox.Store(str(path))
    found = delta(store)
    for quad in found.removed:
        store.remove(quad)
    store.extend(found.added)
    store.flush()
    return found


def replace_graph(graph: str, triples: list[ox.Triple]) -> Change:
    def delta(store: ox.Store) -> Delta:
        old, new = graph_quads(store, [graph]), _in_graph(graph, triples)
        return Delta(added=new - old, removed=old - new)
    return lambda path: _apply(path, delta)


def add_to_graph(graph: str, triples: list[ox.Triple]) -> Change:
    def delta(store: ox.Store) -> Delta:
        return Delta(added={q for q in _in_graph(graph, triples) if q not in store})
    return lambda path: _apply(path, delta)


def delete_graph(graph: str) -> Change:
    def delta(store: ox.Store) -> Delta:
        old = graph_quads(store, [graph])
        if not old:
            raise Problem(404, f"there is no graph <{graph}>")
        return Delta(removed=old)
    return lambda path: _apply(path, delta)


def sparql_update(text: str, allowlist: tuple[str, ...], max_bytes: int,
                  timeout: float, memory: int | None) -> Change:
    """A SPARQL Update on the copy; the guard runs first (LOAD and SERVICE refused), then the
    graphs it can change are read from its algebra (default graph writes refused). The update
    itself runs in a process of its own under the query time limit and memory cap."""
    check_update(text, allowlist=allowlist, max_bytes=max_bytes)
    scope = update_scope(text)

    def change(path: Path) -> Delta:
        try:
            added, removed = run_update(path, text, scope.graphs, timeout, memory)
        finally:
            shutil.rmtree(f"{path}.before", ignore_errors=True)
        nquads = ox.RdfFormat.N_QUADS
        return Delta(added=set(ox.parse(added, format=nquads)),
                     removed=set(ox.parse(removed, format=nquads)))
    return change


def graph_is_writable(graph: str, base: str) -> str | None:
    """Why ``graph`` cannot be written (None if it can): a graph IRI under ``{base}graph/``."""
    prefix = base + "graph/"
    name = graph[len(prefix):] if graph.startswith(prefix) else ""
    if not name or not all(c.isalnum() or c in "-_." for c in name) or name.startswith("."):
        return f"the graph must be {prefix}<name> (letters, digits, '-', '_', '.')"
    return None
