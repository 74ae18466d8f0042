"""Differential evaluation: a store's answers against rdflib's over the RDF merge of the named
graphs (the published N-Quads dump), compared as multisets of rows.

rdflib is an independent SPARQL engine whose default graph, filled here with the merge, is a
set: it is the reference for what "the default graph is the merge of the named graphs" means.
"""

from __future__ import annotations

import gzip
from collections import Counter
from collections.abc import Mapping

import pyoxigraph as ox
from hypothesis import strategies as st
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from service.store.release import Release

Key = tuple[str, ...]
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def quads_of(release: Release) -> list[ox.Quad]:
    """The release's quads, read back from its N-Quads dump (named graphs only)."""
    data = gzip.decompress((release.dumps_path / "citynet.nq.gz").read_bytes())
    return list(ox.parse(data, format=ox.RdfFormat.N_QUADS))


def reference_dataset(release: Release) -> Dataset:
    """An rdflib Dataset: the release's named graphs, and their merge as its default graph."""
    dataset = Dataset(default_union=False)
    data = gzip.decompress((release.dumps_path / "citynet.nq.gz").read_bytes())
    dataset.parse(data=data, format="nquads")
    default = dataset.graph(DATASET_DEFAULT_GRAPH_ID)
    for s, p, o, _ in list(dataset.quads()):
        default.add((s, p, o))
    return dataset


def _literal(value: str, language: str, datatype: str) -> Key:
    """A literal's key. A GROUP_CONCAT (", "-separated parts) is compared by its sorted parts
    alone: SPARQL leaves the order unspecified, and Oxigraph keeps a shared language tag
    (as SPARQL 1.2 does) where rdflib answers a plain string (SPARQL 1.1)."""
    if ", " in value:
        return ("concat", ", ".join(sorted(value.split(", "))))
    return ("literal", value, language, "" if language else datatype)


def ox_key(term: object) -> Key:
    if term is None:
        return ("unbound",)
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.Literal):
        return _literal(term.value, term.language or "", term.datatype.value)
    return ("blank",)


def rdflib_key(term: object) -> Key:
    if term is None:
        return ("unbound",)
    if isinstance(term, URIRef):
        return ("iri", str(term))
    if isinstance(term, Literal):
        return _literal(str(term), term.language or "", str(term.datatype or XSD_STRING))
    if isinstance(term, BNode):
        return ("blank",)
    raise TypeError(f"unexpected term {term!r}")


def ox_rows(result: ox.QuerySolutions) -> Counter[tuple[Key, ...]]:
    names = sorted(v.value for v in result.variables)  # SELECT * leaves the column order open
    return Counter(tuple(ox_key(row[n]) for n in names) for row in result)


def rdflib_rows(dataset: Dataset, query: str,
                bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None
                ) -> Counter[tuple[Key, ...]]:
    init = {name: to_rdflib(term) for name, term in (bindings or {}).items()}
    result = dataset.query(query, initBindings=init)
    names = sorted(str(v) for v in result.vars)
    return Counter(tuple(rdflib_key(row[n]) for n in names) for row in result)


def to_rdflib(term: ox.NamedNode | ox.Literal) -> URIRef | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == XSD_STRING:  # rdflib tells "x" from "x"^^xsd:string apart
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def sparql_term(term: ox.NamedNode | ox.Literal) -> str:
    return str(term)  # N-Triples syntax, valid in SPARQL


def repeated_triples(quads: list[ox.Quad]) -> list[ox.Triple]:
    """Triples stated in more than one named graph: where a bag and a set differ."""
    counts = Counter(ox.Triple(q.subject, q.predicate, q.object) for q in quads)
    return sorted((t for t, n in counts.items() if n > 1), key=str)


#: Which positions (subject, predicate, object) of a triple pattern keep the data's constant
#: ("c") or become a variable ("v"); never three variables, so answers stay small.
SHAPES = ("vcv", "vcc", "ccv", "cvv", "vvc", "cvc")


@st.composite
def basic_graph_patterns(draw: st.DrawFn, quads: list[ox.Quad]) -> str:
    """A SELECT * over one to three connected triple patterns made from the data's own
    triples, half of them triples that several graphs repeat (where a bag and a set differ)."""
    repeated = repeated_triples(quads)
    triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, key=str)
    pool = ["?a", "?b", "?c", "?d"]
    used: list[str] = []
    patterns: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        triple = draw(st.sampled_from(repeated if repeated and draw(st.booleans()) else triples))
        shape = draw(st.sampled_from(SHAPES))
        constants = (triple.subject, triple.predicate, triple.object)
        parts = [draw(st.sampled_from(pool)) if mark == "v" else sparql_term(term)
                 for mark, term in zip(shape, constants, strict=True)]
        variables = [i for i, part in enumerate(parts) if part.startswith("?")]
        if used and not any(parts[i] in used for i in variables):
            parts[variables[0]] = draw(st.sampled_from(used))  # connected: no cross products
        used += [parts[i] for i in variables]
        patterns.append(" ".join(parts) + " .")
    return "SELECT * WHERE { " + " ".join(patterns) + " }"
