"""Read the curated sources in ``data/`` (and the vocabulary) into one dataset of named graphs.

Each file ``data/<name>.ttl`` or folder ``data/<name>/`` becomes the graph ``{base}graph/<name>``;
relative IRIs resolve against the base IRI. ``.csv`` files are tables with a converter in
:mod:`service.build.tables`. Parsing is pure apart from reading the files: nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from service.build.skolem import skolemize
from service.build.tables import REFERENCE_CONVERTERS, TableError
from service.namespaces import PREFIXES, VOCAB_ONTOLOGY, graph_iri

T = TypeVar("T")

VOCABULARY_GRAPH = "vocabulary"
META_GRAPH = "meta"
SD_NAMED_GRAPH = URIRef(PREFIXES["sd"] + "NamedGraph")
PROV_DERIVED = URIRef(PREFIXES["prov"] + "wasDerivedFrom")
FOAF_DOCUMENT = URIRef(PREFIXES["foaf"] + "Document")
DCT_TITLE = URIRef(PREFIXES["dct"] + "title")


class SourceError(Exception):
    """A source file that cannot be read: carries the file so the report can name it."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass
class Sources:
    """The parsed sources: one dataset, and which files fed which graph."""

    dataset: Dataset
    files: dict[str, list[Path]] = field(default_factory=dict)

    def files_mentioning(self, node: URIRef) -> list[Path]:
        """The files of graph ``node``, or of the graphs with ``node`` as a subject (for reports)."""
        if str(node) in self.files:
            return list(self.files[str(node)])
        found: list[Path] = []
        for name, paths in sorted(self.files.items()):
            if (node, None, None) in self.dataset.graph(URIRef(name)):
                found.extend(paths)
        return found


def source_units(data_dir: Path) -> list[tuple[str, list[Path]]]:
    """The graphs the data folder defines: (graph name, files), in a stable order."""
    if not data_dir.is_dir():
        raise SourceError(data_dir, "data folder not found")
    units: list[tuple[str, list[Path]]] = []
    for entry in sorted(data_dir.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            files = sorted(p for p in entry.iterdir() if p.suffix in {".ttl", ".csv"})
            if files:
                units.append((entry.name, files))
        elif entry.suffix in {".ttl", ".csv"}:
            units.append((entry.stem, [entry]))
    return units


def convert_table(path: Path, converters: Mapping[str, Callable[[str, str], T]], base: str) -> T:
    """The RDF of a CSV source, by the converter for its file name; SourceError (one line)
    for an unknown table, a bad row or an unreadable file."""
    converter = converters.get(path.name)
    if converter is None:
        known = ", ".join(sorted(converters))
        raise SourceError(path, f"no converter for this table (known tables: {known})")
    try:
        return converter(path.read_text(encoding="utf-8"), base)
    except TableError as exc:
        raise SourceError(path, str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(path, f"cannot read: {exc}") from None


def parse_file(path: Path, base: str) -> Graph:
    """Parse one source file into a graph, with relative IRIs resolved against ``base``."""
    if path.suffix == ".csv":
        return convert_table(path, REFERENCE_CONVERTERS, base)
    graph = Graph()
    try:
        graph.parse(path, format="turtle", publicID=base)
    except Exception as exc:  # rdflib raises many parser exception types
        message = " ".join(str(exc).split())
        raise SourceError(path, f"parse error: {message[:300]}") from None
    return graph


def load_sources(data_dir: Path, ontology_dir: Path, base: str) -> Sources:
    """Parse every source and the vocabulary into one dataset with deterministic blank nodes."""
    sources = Sources(dataset=Dataset())
    units = source_units(data_dir)
    vocabulary = sorted(ontology_dir.glob("*.ttl"))
    if vocabulary:
        units.append((VOCABULARY_GRAPH, vocabulary))
    for name, paths in units:
        iri = graph_iri(base, name)
        target = sources.dataset.graph(URIRef(iri))
        for path in paths:
            for triple in skolemize(parse_file(path, base), base):
                target.add(triple)
        sources.files[iri] = paths
    if vocabulary:
        _describe_vocabulary_graph(sources.dataset, base)
    return sources


def _describe_vocabulary_graph(dataset: Dataset, base: str) -> None:
    meta = dataset.graph(URIRef(graph_iri(base, META_GRAPH)))
    ontology = URIRef(VOCAB_ONTOLOGY)
    meta.add((URIRef(graph_iri(base, VOCABULARY_GRAPH)), PROV_DERIVED, ontology))
    meta.add((ontology, RDF.type, FOAF_DOCUMENT))
    meta.add((ontology, DCT_TITLE, Literal("The CityNet vocabulary", lang="en")))


def validation_graph(sources: Sources) -> Graph:
    """The union of all graphs plus one ``sd:NamedGraph`` marker per graph name.

    The markers let a SHACL shape check that every graph is described with its provenance:
    shapes see one graph, so the graph structure is made visible to them this way.
    """
    union = Graph()
    for prefix, iri in PREFIXES.items():
        union.bind(prefix, iri)
    for s, p, o, _ in sources.dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    for name in _graph_names(sources.dataset):
        union.add((name, RDF.type, SD_NAMED_GRAPH))
    return union


def validation_store(sources: Sources) -> ox.Store:
    """The validation graph (see :func:`validation_graph`) as a pyoxigraph store's default graph.

    Loaded as triples, so a triple several sources state is one triple, as in the union graph.
    """
    store, cache = ox.Store(), {}
    store.bulk_extend(ox.Quad(_ox(s, cache), _ox(p, cache), _ox(o, cache))
                      for s, p, o, _ in sources.dataset.quads((None, None, None, None)))
    marker, named = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(SD_NAMED_GRAPH))
    store.bulk_extend(ox.Quad(ox.NamedNode(str(name)), marker, named)
                      for name in _graph_names(sources.dataset))
    return store


def _ox(node: Node, cache: dict) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term (each distinct term converted once)."""
    found = cache.get(node)
    if found is None:
        if isinstance(node, URIRef):
            found = ox.NamedNode(str(node))
        elif isinstance(node, BNode):
            found = ox.BlankNode(str(node))
        elif node.language:
            found = ox.Literal(str(node), language=node.language)
        elif node.datatype:
            found = ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        else:
            found = ox.Literal(str(node))
        cache[node] = found
    return found


def graph_store(graph: Graph) -> ox.Store:
    """An rdflib graph as a pyoxigraph store's default graph."""
    store = ox.Store()
    data = graph.serialize(format="nt", encoding="utf-8")
    store.bulk_extend(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    return store


def _graph_names(dataset: Dataset) -> Iterable[URIRef]:
    for context in dataset.graphs():
        if isinstance(context.identifier, URIRef) and len(context) and not str(
            context.identifier
        ).startswith("urn:x-rdflib:"):
            yield context.identifier
