"""Load the curated sources straight into the pyoxigraph store a release is built in.

The same dataset :func:`service.build.sources.load_sources` reads with rdflib (its reference),
made without a Python object per triple: each Turtle file is parsed and bulk-loaded by
pyoxigraph into its named graph (``{base}graph/<name>``, relative IRIs resolved against the
base), blank nodes are then skolemised graph by graph (:func:`skolemize_graph`, only where a
file may hold one), tables and the vocabulary's description are added, the write journal is
replayed, and finally the store's real default graph is filled with the merge of the named
graphs (a set; see :mod:`service.store.dataset`), graph by graph through a temporary
N-Triples file so memory stays flat. pyoxigraph's bulk loader spills to disk.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from service.build import journal
from service.build.skolem import skolemize_graph
from service.build.sources import (
    DCT_TITLE,
    FOAF_DOCUMENT,
    META_GRAPH,
    PROV_DERIVED,
    VOCABULARY_GRAPH,
    SourceError,
    source_units,
)
from service.build.tables import TABLE_CONVERTERS, TableError
from service.namespaces import RDF_TYPE, VOCAB_ONTOLOGY, graph_iri

#: Bytes that may start a blank node in Turtle (``_:x``, ``[ ]``, a collection ``( )``); a
#: file with none of them is not searched for blank nodes after loading.
_BLANK_MARKS = (b"_:", b"[", b"(")


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


def _load_turtle(store: ox.Store, path: Path, graph: ox.NamedNode, base: str) -> bool:
    """Bulk-load one Turtle file into ``graph``; whether it may hold blank nodes."""
    try:
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base,
                        to_graph=graph)
        return _may_hold_blank_nodes(path)
    except SyntaxError as exc:
        message = " ".join(str(exc).split())
        raise SourceError(path, f"parse error: {message[:300]}") from None
    except (OSError, ValueError) as exc:
        raise SourceError(path, f"cannot read: {exc}") from None


def _may_hold_blank_nodes(path: Path) -> bool:
    """Whether the file has a byte sequence that may start a blank node (read in blocks)."""
    tail = b""
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            if any(mark in tail + block for mark in _BLANK_MARKS):
                return True
            tail = block[-1:]
    return False


def _load_table(store: ox.Store, path: Path, graph: ox.NamedNode, base: str) -> None:
    converter = TABLE_CONVERTERS.get(path.name)
    if converter is None:
        known = ", ".join(sorted(TABLE_CONVERTERS))
        raise SourceError(path, f"no converter for this table (known tables: {known})")
    try:
        triples = converter(path.read_text(encoding="utf-8"), base)
    except TableError as exc:
        raise SourceError(path, str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(path, f"cannot read: {exc}") from None
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)


def _describe_vocabulary_graph(store: ox.Store, base: str) -> None:
    meta = ox.NamedNode(graph_iri(base, META_GRAPH))
    ontology = ox.NamedNode(VOCAB_ONTOLOGY)
    store.extend([
        ox.Quad(ox.NamedNode(graph_iri(base, VOCABULARY_GRAPH)), ox.NamedNode(str(PROV_DERIVED)),
                ontology, meta),
        ox.Quad(ontology, ox.NamedNode(RDF_TYPE), ox.NamedNode(str(FOAF_DOCUMENT)), meta),
        ox.Quad(ontology, ox.NamedNode(str(DCT_TITLE)),
                ox.Literal("The CityNet vocabulary", language="en"), meta),
    ])


def replay(store: ox.Store, entries: list[journal.Entry], base: str) -> set[str]:
    """Apply journaled writes, in order, to the named graphs (removals, then additions, per
    entry); the names of the graphs they touched."""
    touched: set[str] = set()
    for entry in entries:
        for key in ("remove", "add"):
            try:
                quads = list(ox.parse(entry.quads(key, base).encode(), ox.RdfFormat.N_QUADS))
            except SyntaxError as exc:
                raise journal.JournalError(f"a journal entry does not parse: {exc}") from None
            for quad in quads:
                (store.remove if key == "remove" else store.add)(quad)
                touched.add(quad.graph_name.value)
    return touched


def fill_default_graph(store: ox.Store) -> None:
    """Store the merge of the named graphs as the default graph: each distinct triple once.

    Each graph goes through a temporary N-Triples file (written and read back by pyoxigraph),
    so neither Python objects per triple nor a whole graph in memory are needed."""
    with tempfile.TemporaryDirectory(prefix="citynet-merge-") as folder:
        path = Path(folder) / "graph.nt"
        for graph in list(store.named_graphs()):
            store.dump(str(path), ox.RdfFormat.N_TRIPLES, from_graph=graph)
            store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES,
                            to_graph=ox.DefaultGraph())


def _drop_empty_graphs(store: ox.Store) -> None:
    """Forget graph names left without a triple (an empty file, a write that emptied one)."""
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
        graph = ox.NamedNode(graph_iri(base, name))
        blank = False
        for path in paths:
            if path.suffix == ".csv":
                _load_table(store, path, graph, base)
            else:
                blank = _load_turtle(store, path, graph, base) or blank
        if blank:
            skolemize_graph(store, graph, base)
        loaded.files[graph.value] = list(paths)
    if vocabulary:
        _describe_vocabulary_graph(store, base)
    if entries:
        path = journal.journal_path(data_dir)
        for name in replay(store, entries, base):
            loaded.files.setdefault(name, []).append(path)
    _drop_empty_graphs(store)
    fill_default_graph(store)
    return loaded
