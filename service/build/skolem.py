"""Replace blank nodes by stable IRIs, so rebuilding the same sources yields the same triples.

A blank node's IRI is a hash of its own description (recursively through nested blank nodes):
``{base}id/node/{hash}``. Two blank nodes with identical descriptions become one node, which
changes no meaning (the graph is merely leaner), and the result is dereferenceable like any
other thing the dataset mints.
"""

from __future__ import annotations

import hashlib

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
