"""A mutation corpus generated from the shapes: every constraint of every shape broken once.

For each (shape, constraint) the generator picks a focus node (a fresh node that the shape's
target selects, or, for SPARQL-based targets, the first focus node of the seed data) and
adds or removes triples so that exactly that constraint fails for it. SPARQL-based
constraints cannot be broken mechanically: each has a hand-written mutation below, and the
coverage test fails when a new one lacks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from service.shacl.compile import Compiler
from service.shacl.shapes import COMPONENTS, Shape, read_shapes

BASE = "http://127.0.0.1:8080/"
TIME = "http://www.w3.org/2006/time#"
SCHEMA = "http://schema.org/"

#: Turtle (prefixes time:, schema:, xsd:, base BASE) breaking each SPARQL-based constraint.
SPARQL_MUTATIONS = {
    "PeriodOrderShape": """<id/mutation/backwards> a time:ProperInterval ;
        time:hasBeginning <id/mutation/b1> ; time:hasEnd <id/mutation/e1> .
        <id/mutation/b1> a time:Instant ; time:inXSDgYear "2015"^^xsd:gYear .
        <id/mutation/e1> a time:Instant ; time:inXSDDate "2014-06-30"^^xsd:date .""",
    "EventShape": """<id/mutation/event> a schema:Event ;
        schema:startDate "2014-05-02"^^xsd:date ; schema:endDate "2014-05-01"^^xsd:date .""",
}
PATTERN_CANDIDATES = ("a:b", "::", "x", "0", "A", "abc", "Q0", "sha256:xyz")


@dataclass
class Mutation:
    shape: str  # the IRI of the shape (node or property shape) holding the constraint
    component: str
    add: list[tuple[Node, Node, Node]] = field(default_factory=list)
    remove: list[tuple[Node, Node, Node]] = field(default_factory=list)


def local(node: Node) -> str:
    return str(node).rsplit("#", 1)[-1]


def _fresh(name: str) -> URIRef:
    return URIRef(f"{BASE}id/mutation/{name}")


def _focus(root: Shape, name: str, seed: ox.Store) -> tuple[URIRef, list, bool]:
    """(focus node, triples making it one, fresh?) for a shape."""
    node = _fresh(name)
    for kind, value in root.targets:
        if kind == "class":
            return node, [(node, RDF.type, value)], True
        if kind == "subjectsOf":
            return node, [(node, value, Literal("x"))], True
        if kind == "objectsOf":
            return node, [(_fresh(name + "-subject"), value, node)], True
    query = Compiler().focus(root)
    rows = sorted(str(r["this"].value) for r in seed.query(root.prefixes +
                                                            f"SELECT ?this WHERE {{ {query} }}"))
    assert rows, f"{root.name()}: no focus node in the seed data to mutate"
    return URIRef(rows[0]), [], False


def _edge(path, focus: Node, value: Node) -> tuple[Node, Node, Node]:
    """One triple putting ``value`` at ``path`` from ``focus`` (None: a wildcard, to remove)."""
    if path.kind == "iri":
        return focus, URIRef(path.iri), value
    if path.kind == "inverse":
        return _edge(path.parts[0], value, focus)
    if path.kind == "alternative":
        return _edge(path.parts[0], focus, value)
    raise AssertionError(f"no mutation for values on path {path.display()}")


def _bad_value(predicate, parameter, name: str) -> Node:
    if predicate == SH.datatype:
        return _fresh(name + "-value") if parameter == XSD.string else Literal("bad")
    if predicate == SH.nodeKind:
        return _fresh(name + "-value") if parameter == SH.Literal else Literal("bad")
    if predicate == SH.pattern:
        return Literal(next(c for c in PATTERN_CANDIDATES if not re.search(str(parameter), c)))
    if predicate == SH.languageIn:
        return Literal("bad", lang="zz")
    return _fresh(name + "-value")  # class, in, or, xone: an untyped IRI matches none


def mutation(root: Shape, shape: Shape, predicate, parameter, seed: ox.Store) -> Mutation:
    name = f"{local(shape.node)}-{local(predicate)}"
    found = Mutation(str(shape.node), COMPONENTS[predicate])
    if predicate == SH.sparql:
        turtle = SPARQL_MUTATIONS[local(shape.node)]
        graph = Graph().parse(data=f"@prefix time: <{TIME}> . @prefix schema: <{SCHEMA}> . "
                              f"@prefix xsd: <{XSD}> .\n" + turtle, format="turtle",
                              publicID=BASE)
        found.add = list(graph)
        return found
    focus, making, fresh = _focus(root, name, seed)
    found.add = list(making)
    deficit = {SH.minCount, SH.qualifiedMinCount, SH.hasValue}
    if predicate in deficit or shape.path is None and predicate in (SH["or"], SH.xone):
        if not fresh:  # an existing focus node: take its values away
            edge = _edge(shape.path, focus, None)
            found.remove.append(edge if predicate != SH.hasValue else edge[:2] + (parameter,))
        return found
    if predicate == SH.maxCount:
        found.add += [_edge(shape.path, focus, _fresh(f"{name}-{i}"))
                      for i in range(int(parameter) + 1)]
    elif predicate == SH.uniqueLang:
        found.add += [_edge(shape.path, focus, Literal(f"duplicate {i}", lang="zz"))
                      for i in (1, 2)]
    else:
        found.add.append(_edge(shape.path, focus, _bad_value(predicate, parameter, name)))
    return found


def constraints(shapes: Graph) -> list[tuple[Shape, Shape, URIRef, object]]:
    """(root shape, shape, constraint predicate, parameter) for every reported constraint."""
    found = []
    for root in read_shapes(shapes):
        for shape in (root, *root.properties):
            found += [(root, shape, p, v) for p, v in shape.constraints]
    return found


def mutate(data: Graph, shapes: Graph, seed: ox.Store) -> tuple[Graph, list[Mutation]]:
    """``data`` with every mutation applied, and the mutations."""
    mutations = [mutation(*c, seed) for c in constraints(shapes)]
    graph = Graph()
    for triple in data:
        graph.add(triple)
    for m in mutations:
        for triple in m.remove:
            graph.remove(triple)  # None is a wildcard
    for m in mutations:
        for triple in m.add:
            graph.add(triple)
    return graph, mutations
