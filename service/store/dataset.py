"""The default graph as SPARQL defines it: the RDF merge of the named graphs, a set.

pyoxigraph's and Oxigraph server's *union* default graph is a bag (oxigraph #1919): a triple
stated in three source graphs is matched three times, so every COUNT, SUM or AVG over it is
wrong. Instead, every release stores the merge of its named graphs as the store's real default
graph (each distinct triple once), and queries read that graph. A query whose dataset names
several graphs as its default graph (``FROM`` clauses, ``default-graph-uri``) gets their merge
the same way, computed for that query in a private in-memory store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from service.lexer import scan, tokens

#: Recorded in every release (``release.json``: ``default_graph``); a release without it was
#: published before the default graph was stored, so ``citynet serve`` rebuilds it.
LAYOUT = "merge"


def merged_default(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The distinct triples of ``quads`` as quads of the default graph, in a stable order."""
    triples = {(q.subject, q.predicate, q.object) for q in quads}
    return sorted((ox.Quad(s, p, o, ox.DefaultGraph()) for s, p, o in triples), key=str)


def named_quads(store: ox.Store) -> Iterator[ox.Quad]:
    """Every quad of a named graph (the stored merge in the default graph left out)."""
    for quad in store.quads_for_pattern(None, None, None, None):
        if isinstance(quad.graph_name, ox.NamedNode):
            yield quad


def graph_quads(store: ox.Store, graphs: Iterable[str] | None = None) -> set[ox.Quad]:
    """The quads of the named graphs ``graphs`` (every named graph when None)."""
    if graphs is None:
        return set(named_quads(store))
    return {q for g in graphs for q in store.quads_for_pattern(None, None, None, ox.NamedNode(g))}


def default_graph_size(store: ox.Store) -> int:
    """The triples of the store's default graph: what ``COUNT(*) { ?s ?p ?o }`` answers."""
    return sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))


@dataclass(frozen=True)
class DatasetClauses:
    """The graphs a query's own ``FROM`` and ``FROM NAMED`` clauses name, in order."""

    default: tuple[str, ...]
    named: tuple[str, ...]


def dataset_clauses(sparql: str) -> DatasetClauses:
    """Which graphs the query names with FROM and with FROM NAMED (prefixes resolved)."""
    if "FROM" not in sparql.upper():  # most queries: no need to lex them again
        return DatasetClauses((), ())
    targets = iter(scan(sparql).datasets)  # every FROM target, resolved, in order
    default: list[str] = []
    named: list[str] = []
    toks = list(tokens(sparql))
    for i, tok in enumerate(toks):
        if tok.kind == "word" and tok.text.upper() == "FROM":
            is_named = i + 1 < len(toks) and toks[i + 1].text.upper() == "NAMED"
            target = next(targets, None)
            if target is not None:
                (named if is_named else default).append(target)
    return DatasetClauses(tuple(default), tuple(named))


@dataclass(frozen=True)
class Merge:
    """How to run a query whose default graph is the merge of several graphs."""

    default: tuple[str, ...]  # the graphs to merge into the default graph
    named: tuple[str, ...] | None  # the named graphs the query sees (None: all of them)


def merge_needed(sparql: str, default_graphs: Sequence[str] | None,
                 named_graphs: Sequence[str] | None) -> Merge | None:
    """A Merge when the query's default graph is made of two or more graphs, else None.

    The protocol's ``default-graph-uri`` overrides the query's FROM clauses (SPARQL 1.1
    Protocol, 2.1.4); ``named-graph-uri`` likewise overrides FROM NAMED. A query with FROM but
    without FROM NAMED sees no named graphs (SPARQL 1.1 Query, 13.2).
    """
    clauses = None
    if default_graphs:
        default = tuple(dict.fromkeys(default_graphs))
    else:
        clauses = dataset_clauses(sparql)
        default = tuple(dict.fromkeys(clauses.default))
    if len(default) < 2:
        return None
    if named_graphs:
        named: tuple[str, ...] | None = tuple(named_graphs)
    elif clauses is not None:
        named = clauses.named  # FROM without FROM NAMED: no named graphs
    else:
        named = None  # default-graph-uri alone: pyoxigraph keeps every named graph visible
    return Merge(default, named)


def merged_store(source: ox.Store, merge: Merge) -> ox.Store:
    """An in-memory store whose default graph is the merge of ``merge.default`` (a set: the
    store keeps each triple once) and whose named graphs are those the query may see."""
    work = ox.Store()
    for name in merge.default:
        graph = ox.NamedNode(name)
        work.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                    for q in source.quads_for_pattern(None, None, None, graph))
    if merge.named is None:
        work.extend(named_quads(source))
    else:
        for name in dict.fromkeys(merge.named):
            work.extend(source.quads_for_pattern(None, None, None, ox.NamedNode(name)))
    return work
