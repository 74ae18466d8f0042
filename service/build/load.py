"""Load the curated sources straight into the pyoxigraph store a release is built in.

The same dataset :func:`service.build.sources.load_sources` reads with rdflib (its reference),
made in one pass: pyoxigraph parses each Turtle file (relative IRIs resolved against the base)
and the statements stream into one bulk load of the store, each twice: into its named graph
(``{base}graph/<name>``) and into the store's real default graph, which the bulk loader keeps
as a set, so it is the merge of the named graphs (see :mod:`service.store.dataset`). Only the
triples with a blank node are held back, file by file, to be skolemised
(:func:`service.build.skolem.skolem_names`) before they join the stream. The write journal is
then replayed on the loaded store. The bulk loads go in batches of a bounded number of
quads and pyoxigraph's loader writes each to disk: memory stays flat as the data grows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path

import pyoxigraph as ox

from service.build import journal
from service.build.skolem import skolem_names
from service.build.sources import (
    DCT_TITLE,
    FOAF_DOCUMENT,
    META_GRAPH,
    PROV_DERIVED,
    VOCABULARY_GRAPH,
    SourceError,
    convert_table,
    source_units,
)
from service.build.tables import TABLE_CONVERTERS
from service.namespaces import RDF_TYPE, VOCAB_ONTOLOGY, graph_iri

DEFAULT = ox.DefaultGraph()
#: Quads per bulk load: pyoxigraph's loader holds a whole call's quads in memory while it
#: sorts them (about 1 GiB per million), so a big dataset goes in several calls.
BATCH = 400_000


@dataclass
class Loaded:
    """A store holding the sources (named graphs plus their merge as the default graph), and
    which files fed which graph."""

    store: ox.Store
    files: dict[str, list[Path]] = field(default_factory=dict)

    def graph_names(self) -> list[ox.NamedNode]:
        """The named graphs that hold at least one triple, by name."""
        return sorted((g for g in self.store.named_graphs()), key=lambda g: g.value)

    def files_mentioning(self, node: ox.NamedNode) -> list[Path]:
        """The files of graph ``node``, or of the graphs with ``node`` as a subject (reports)."""
        if node.value in self.files:
            return list(self.files[node.value])
        found: list[Path] = []
        for name, paths in sorted(self.files.items()):
            if next(self.store.quads_for_pattern(node, None, None, ox.NamedNode(name)), None):
                found.extend(paths)
        return found


def _turtle(path: Path, base: str) -> Iterator[ox.Triple]:
    """The triples of one Turtle file, parsed by pyoxigraph; a SourceError names the file."""
    try:
        yield from ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base)
    except SyntaxError as exc:
        message = " ".join(str(exc).split())
        raise SourceError(path, f"parse error: {message[:300]}") from None
    except (OSError, ValueError) as exc:
        raise SourceError(path, f"cannot read: {exc}") from None


def _twice(triples: Iterable[ox.Triple], graph: ox.NamedNode, base: str) -> Iterator[ox.Quad]:
    """Each triple in ``graph`` and in the default graph; those with a blank node after the
    others, skolemised (all of one file's are needed to name its blank nodes)."""
    blank, held = ox.BlankNode, []
    for t in triples:
        s, p, o = t.subject, t.predicate, t.object
        if type(s) is blank or type(o) is blank:
            held.append(t)
            continue
        yield ox.Quad(s, p, o, graph)
        yield ox.Quad(s, p, o, DEFAULT)
    if held:
        names = skolem_names(held, base)
        for t in held:
            s, o = names.get(t.subject, t.subject), names.get(t.object, t.object)
            yield ox.Quad(s, t.predicate, o, graph)
            yield ox.Quad(s, t.predicate, o, DEFAULT)


def _vocabulary_description(base: str) -> list[ox.Triple]:
    ontology = ox.NamedNode(VOCAB_ONTOLOGY)
    return [
        ox.Triple(ox.NamedNode(graph_iri(base, VOCABULARY_GRAPH)), ox.NamedNode(str(PROV_DERIVED)),
                  ontology),
        ox.Triple(ontology, ox.NamedNode(RDF_TYPE), ox.NamedNode(str(FOAF_DOCUMENT))),
        ox.Triple(ontology, ox.NamedNode(str(DCT_TITLE)),
                  ox.Literal("The CityNet vocabulary", language="en")),
    ]


def _statements(units: list[tuple[str, list[Path]]], base: str,
                vocabulary: bool) -> Iterator[ox.Quad]:
    for name, paths in units:
        graph = ox.NamedNode(graph_iri(base, name))
        for path in paths:
            triples = (convert_table(path, TABLE_CONVERTERS, base) if path.suffix == ".csv"
                       else _turtle(path, base))
            yield from _twice(triples, graph, base)
    if vocabulary:
        yield from _twice(_vocabulary_description(base), ox.NamedNode(graph_iri(base, META_GRAPH)),
                          base)


def replay(store: ox.Store, entries: list[journal.Entry], base: str) -> set[str]:
    """Apply journaled writes, in order, to the named graphs (removals, then additions, per
    entry) and keep the default graph their merge; the names of the graphs they touched."""
    touched: set[str] = set()
    for entry in entries:
        for key in ("remove", "add"):
            try:
                quads = list(ox.parse(entry.quads(key, base).encode(), ox.RdfFormat.N_QUADS))
            except SyntaxError as exc:
                raise journal.JournalError(f"a journal entry does not parse: {exc}") from None
            for quad in quads:
                touched.add(quad.graph_name.value)
                merged = ox.Quad(quad.subject, quad.predicate, quad.object, DEFAULT)
                if key == "add":
                    store.add(quad)
                    store.add(merged)
                    continue
                store.remove(quad)
                stated = store.quads_for_pattern(quad.subject, quad.predicate, quad.object)
                if not any(isinstance(q.graph_name, ox.NamedNode) for q in stated):
                    store.remove(merged)  # no source states it any more
    return touched


def _drop_empty_graphs(store: ox.Store) -> None:
    """Forget graph names left without a triple (a write that emptied a graph)."""
    for graph in list(store.named_graphs()):
        if next(store.quads_for_pattern(None, None, None, graph), None) is None:
            store.remove_graph(graph)


def load_into(store: ox.Store, data_dir: Path, ontology_dir: Path, base: str,
              entries: list[journal.Entry] | None = None) -> Loaded:
    """Load every source, the vocabulary and the journaled writes into an empty ``store``."""
    loaded = Loaded(store)
    units = source_units(data_dir)
    vocabulary = sorted(ontology_dir.glob("*.ttl"))
    if vocabulary:
        units.append((VOCABULARY_GRAPH, vocabulary))
    for name, paths in units:
        loaded.files[graph_iri(base, name)] = list(paths)
    statements = _statements(units, base, bool(vocabulary))
    while (first := next(statements, None)) is not None:
        store.bulk_extend(chain((first,), islice(statements, BATCH - 1)))
    if entries:
        path = journal.journal_path(data_dir)
        for name in replay(store, entries, base):
            loaded.files.setdefault(name, []).append(path)
        _drop_empty_graphs(store)
    return loaded
