"""Load the curated sources straight into the pyoxigraph store a release is built in.

The same dataset :func:`service.build.sources.load_sources` reads with rdflib (its reference),
made in one pass: pyoxigraph parses each Turtle file (relative IRIs resolved against the base)
and writes it again as N-Triples, and the files stream as N-Quads into one bulk load of the
store, each statement twice: into its named graph (``{base}graph/<name>``) and into the
store's real default graph, which the bulk loader keeps as a set, so it is the merge of the
named graphs (see :mod:`service.store.dataset`). Only files with a blank node are read as
Python objects, to be skolemised (:func:`service.build.skolem.skolem_names`). The write
journal is then replayed on the loaded store.

One bulk load, not one per batch: the loader writes sorted files that the store takes in at
the end, while each earlier commit made the store merge its files again (the load grew
faster than the data: at 3M triples, 124 s of CPU in batches against 90 s in one load). Its
memory is bounded by the batches it sorts at once (see :func:`_one_loader_thread`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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


def _skolemised(triples: list[ox.Triple], base: str) -> list[ox.Triple]:
    """``triples`` with every blank node replaced by its stable IRI (all of one file's
    triples are needed to name its blank nodes)."""
    names = skolem_names([t for t in triples if type(t.subject) is ox.BlankNode
                          or type(t.object) is ox.BlankNode], base)
    if not names:
        return triples
    return [ox.Triple(names.get(t.subject, t.subject), t.predicate, names.get(t.object, t.object))
            for t in triples]


def _ntriples(path: Path, base: str) -> bytes:
    """One source file as N-Triples, blank nodes skolemised. A Turtle file is parsed and
    written again by pyoxigraph alone (no Python object per statement) unless it has a
    blank node; a table goes through its converter."""
    if path.suffix == ".csv":
        triples = list(convert_table(path, TABLE_CONVERTERS, base))
    else:
        text = ox.serialize(_turtle(path, base), None, ox.RdfFormat.N_TRIPLES)
        if b"_:" not in text:  # no blank node (or only the text "_:" inside a literal)
            return text
        triples = list(_turtle(path, base))
    return ox.serialize(_skolemised(triples, base), None, ox.RdfFormat.N_TRIPLES)


def _vocabulary_description(base: str) -> list[ox.Triple]:
    ontology = ox.NamedNode(VOCAB_ONTOLOGY)
    return [
        ox.Triple(ox.NamedNode(graph_iri(base, VOCABULARY_GRAPH)), ox.NamedNode(str(PROV_DERIVED)),
                  ontology),
        ox.Triple(ontology, ox.NamedNode(RDF_TYPE), ox.NamedNode(str(FOAF_DOCUMENT))),
        ox.Triple(ontology, ox.NamedNode(str(DCT_TITLE)),
                  ox.Literal("The CityNet vocabulary", language="en")),
    ]


def _files(units: list[tuple[str, list[Path]]], base: str,
           vocabulary: bool) -> Iterator[tuple[str, bytes]]:
    """(graph name, N-Triples) of each source file, then of the vocabulary's description."""
    for name, paths in units:
        for path in paths:
            yield name, _ntriples(path, base)
    if vocabulary:
        yield META_GRAPH, ox.serialize(_vocabulary_description(base), None,
                                       ox.RdfFormat.N_TRIPLES)


def _nquads(units: list[tuple[str, list[Path]]], base: str, vocabulary: bool) -> Iterator[bytes]:
    """The sources as N-Quads, file by file: each statement in its named graph and in the
    default graph (N-Triples lines are N-Quads of the default graph)."""
    for name, lines in _files(units, base, vocabulary):
        # N-Triples escapes every newline inside a literal: " .\n" ends a line
        yield lines.replace(b" .\n", f" <{graph_iri(base, name)}> .\n".encode())
        yield lines


class _Stream:
    """A binary file whose content is made as it is read, for ``Store.bulk_load``. What the
    making raises is kept (the loader would see only a read error) and raised by
    :meth:`check` once the loader returns."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks, self.chunk, self.offset = chunks, b"", 0
        self.error: BaseException | None = None

    def read(self, size: int = -1) -> bytes:
        while self.offset >= len(self.chunk):  # an empty file is an empty chunk
            try:
                chunk = next(self.chunks, None)
            except BaseException as exc:  # noqa: BLE001 - raised again by check()
                self.error, chunk = exc, None
            if chunk is None:
                return b""
            self.chunk, self.offset = chunk, 0
        end = len(self.chunk) if size < 0 else self.offset + size
        piece = self.chunk[self.offset:end]
        self.offset += len(piece)
        return piece

    def check(self) -> None:
        if self.error is not None:
            raise self.error


@contextmanager
def _one_loader_thread() -> Iterator[None]:
    """Run pyoxigraph's bulk loader with one worker thread: it sorts a batch of a million
    quads per thread while the next batch is parsed, so each thread adds about 600 MiB, and
    it takes its thread count from the calling thread's CPU affinity. The loader's CPU time
    is the same; RocksDB's own background threads keep every CPU."""
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_setaffinity") else set()
    if len(cpus) > 1:
        os.sched_setaffinity(0, {min(cpus)})
    try:
        yield
    finally:
        if len(cpus) > 1:
            os.sched_setaffinity(0, cpus)


def entry_quads(entry: journal.Entry, key: str, base: str) -> list[ox.Quad]:
    """The quads a journal entry removes (``key`` "remove") or adds ("add")."""
    try:
        return list(ox.parse(entry.quads(key, base).encode(), ox.RdfFormat.N_QUADS))
    except SyntaxError as exc:
        raise journal.JournalError(f"a journal entry does not parse: {exc}") from None


def replay(store: ox.Store, entries: list[journal.Entry], base: str) -> set[str]:
    """Apply journaled writes, in order, to the named graphs (removals, then additions, per
    entry) and keep the default graph their merge; the names of the graphs they touched."""
    touched: set[str] = set()
    for entry in entries:
        for key in ("remove", "add"):
            for quad in entry_quads(entry, key, base):
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
    stream = _Stream(_nquads(units, base, bool(vocabulary)))
    try:
        with _one_loader_thread():
            store.bulk_load(stream, ox.RdfFormat.N_QUADS)
    finally:
        stream.check()  # a source's error, not what the loader made of it
    if entries:
        path = journal.journal_path(data_dir)
        for name in replay(store, entries, base):
            loaded.files.setdefault(name, []).append(path)
        _drop_empty_graphs(store)
    return loaded
