"""Replace blank nodes by stable IRIs, so rebuilding the same sources yields the same triples.

A blank node's IRI is a hash of its own description (recursively through nested blank nodes):
``{base}id/node/{hash}``. Two blank nodes with identical descriptions become one node, which
changes no meaning (the graph is merely leaner), and the result is dereferenceable like any
other thing the dataset mints.
"""

from __future__ import annotations

import hashlib

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.term import Node


def _fingerprint(node: BNode, graph: Graph, seen: frozenset[BNode]) -> str:
    parts = []
    for p, o in graph.predicate_objects(node):
        if isinstance(o, BNode):
            value = "_:cycle" if o in seen else _fingerprint(o, graph, seen | {node})
        else:
            value = o.n3()
        parts.append(f"{p.n3()} {value}")
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()[:16]


def skolemize(graph: Graph, base: str) -> Graph:
    """Return a copy of ``graph`` whose blank nodes are content-derived IRIs under ``base``."""
    names: dict[BNode, URIRef] = {}

    def name(node: Node) -> Node:
        if not isinstance(node, BNode):
            return node
        if node not in names:
            names[node] = URIRef(f"{base}id/node/{_fingerprint(node, graph, frozenset())}")
        return names[node]

    result = Graph()
    for s, p, o in graph:
        result.add((name(s), p, name(o)))
    return result


# ------------------------------------------------------------------ the same, for pyoxigraph

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _quote(text: str) -> str:
    """rdflib's ``Literal._quote_encode``, so fingerprints (and so IRIs) match its build."""
    if "\n" in text:
        encoded = text.replace("\\", "\\\\")
        if '"""' in text:
            encoded = encoded.replace('"""', '\\"\\"\\"')
        if encoded[-1] == '"' and encoded[-2] != "\\":
            encoded = encoded[:-1] + "\\" + '"'
        encoded = encoded.replace("\r", "\\r")
        return f'"""{encoded}"""'
    encoded = text.replace("\n", "\\n").replace("\\", "\\\\").replace('"', '\\"')
    return '"' + encoded.replace("\r", "\\r") + '"'


def n3(term: ox.NamedNode | ox.Literal) -> str:
    """A pyoxigraph IRI or literal as rdflib's ``n3()`` writes it (an ``xsd:string`` literal
    is plain there, as Turtle without a datatype parses to)."""
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if term.language:
        return f"{_quote(term.value)}@{term.language}"
    if term.datatype.value == XSD_STRING:
        return _quote(term.value)
    return f"{_quote(term.value)}^^<{term.datatype.value}>"


def skolem_names(triples: list[ox.Triple], base: str) -> dict[ox.BlankNode, ox.NamedNode]:
    """The IRI :func:`skolemize` gives each blank node of ``triples`` (which must hold every
    triple with a blank node as subject)."""
    described: dict[ox.BlankNode, list[tuple[ox.NamedNode, object]]] = {}
    for t in triples:
        if isinstance(t.subject, ox.BlankNode):
            described.setdefault(t.subject, []).append((t.predicate, t.object))

    def fingerprint(node: ox.BlankNode, seen: frozenset[ox.BlankNode]) -> str:
        parts = []
        for p, o in described.get(node, ()):
            if isinstance(o, ox.BlankNode):
                value = "_:cycle" if o in seen else fingerprint(o, seen | {node})
            else:
                value = n3(o)
            parts.append(f"{n3(p)} {value}")
        return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()[:16]

    nodes = {t.subject for t in triples if isinstance(t.subject, ox.BlankNode)}
    nodes |= {t.object for t in triples if isinstance(t.object, ox.BlankNode)}
    return {node: ox.NamedNode(f"{base}id/node/{fingerprint(node, frozenset())}")
            for node in nodes}
