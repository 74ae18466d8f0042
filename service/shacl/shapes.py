"""Read a SHACL shapes graph into plain data, refusing every feature the fast validator lacks.

The fast validator supports exactly the SHACL features ``shapes/`` uses. Any other ``sh:``
term on a shape (or in a path) raises :class:`UnsupportedShape`, so a new kind of constraint
can never be skipped silently: the build stops and names the shape and the feature.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from service.namespaces import PREFIXES

#: Parameters of the constraints the fast validator evaluates, by constraint component.
COMPONENTS = {
    SH.minCount: "MinCountConstraintComponent",
    SH.maxCount: "MaxCountConstraintComponent",
    SH["class"]: "ClassConstraintComponent",
    SH.datatype: "DatatypeConstraintComponent",
    SH.nodeKind: "NodeKindConstraintComponent",
    SH.pattern: "PatternConstraintComponent",
    SH["in"]: "InConstraintComponent",
    SH.hasValue: "HasValueConstraintComponent",
    SH.languageIn: "LanguageInConstraintComponent",
    SH.uniqueLang: "UniqueLangConstraintComponent",
    SH["or"]: "OrConstraintComponent",
    SH.xone: "XoneConstraintComponent",
    SH.qualifiedMinCount: "QualifiedMinCountConstraintComponent",
    SH.sparql: "SPARQLConstraintComponent",
}
#: Other ``sh:`` terms a shape may carry: targets, structure, documentation.
STRUCTURE = {SH.path, SH.property, SH.message, SH.severity, SH.name, SH.description,
             SH.targetClass, SH.target, SH.targetSubjectsOf, SH.targetObjectsOf,
             SH.targetNode, SH.qualifiedValueShape, SH.declare}
NODE_KINDS = {SH.IRI, SH.BlankNode, SH.Literal, SH.BlankNodeOrIRI, SH.BlankNodeOrLiteral,
              SH.IRIOrLiteral}


class UnsupportedShape(ValueError):
    """The shapes use a SHACL feature the fast validator does not evaluate."""


@dataclass(frozen=True)
class Path:
    """A SHACL property path: ``kind`` is iri, inverse, sequence, alternative, zeroOrMore,
    oneOrMore or zeroOrOne; ``iri`` for kind iri, ``parts`` otherwise."""

    kind: str
    iri: str = ""
    parts: tuple[Path, ...] = ()

    def sparql(self) -> str:
        """The path in SPARQL syntax, with full IRIs."""
        return self._render(lambda iri: f"<{iri}>")

    def display(self) -> str:
        """The path as report lines show it: prefixed names where a prefix is known."""
        return self._render(short_name)

    def _render(self, name) -> str:
        if self.kind == "iri":
            return name(self.iri)
        inner = [p._render(name) for p in self.parts]
        if self.kind == "sequence":
            return "(" + "/".join(inner) + ")"
        if self.kind == "alternative":
            return "(" + "|".join(inner) + ")"
        suffix = {"inverse": "", "zeroOrMore": "*", "oneOrMore": "+", "zeroOrOne": "?"}
        prefix = "^" if self.kind == "inverse" else ""
        body = inner[0] if self.parts[0].kind == "iri" else f"({inner[0]})"
        return f"{prefix}{body}{suffix[self.kind]}"


@dataclass
class Shape:
    """A node shape (``path`` None) or property shape, its targets and its constraints."""

    node: Node
    path: Path | None = None
    targets: list[tuple[str, Node | str]] = field(default_factory=list)
    constraints: list[tuple[URIRef, Any]] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)
    message: str | None = None
    severity: str = "Violation"
    qualified: Shape | None = None  # the sh:qualifiedValueShape
    prefixes: str = ""  # PREFIX lines for SPARQL-based targets and constraints

    def name(self) -> str:
        return short_name(str(self.node)) if isinstance(self.node, URIRef) else "a nested shape"


def short_name(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and "/" not in iri[len(namespace):]:
            return f"{prefix}:{iri[len(namespace):]}"
    return f"<{iri}>"


def read_path(graph: Graph, node: Node) -> Path:
    """Parse a SHACL path node (as in a shapes graph or a validation report)."""
    if isinstance(node, URIRef):
        return Path("iri", str(node))
    if isinstance(node, BNode) and graph.value(node, RDF.first) is not None:
        return Path("sequence", parts=tuple(read_path(graph, n) for n in Collection(graph, node)))
    for predicate, kind in ((SH.inversePath, "inverse"), (SH.zeroOrMorePath, "zeroOrMore"),
                            (SH.oneOrMorePath, "oneOrMore"), (SH.zeroOrOnePath, "zeroOrOne")):
        inner = graph.value(node, predicate)
        if inner is not None:
            return Path(kind, parts=(read_path(graph, inner),))
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        return Path("alternative",
                    parts=tuple(read_path(graph, n) for n in Collection(graph, alternatives)))
    raise UnsupportedShape(f"unsupported property path {node!r}")


def _prefix_lines(graph: Graph, node: Node | None) -> str:
    if node is None:
        return ""
    lines = []
    for declaration in sorted(graph.objects(node, SH.declare)):
        prefix, namespace = graph.value(declaration, SH.prefix), graph.value(declaration,
                                                                             SH.namespace)
        lines.append(f"PREFIX {prefix}: <{namespace}>\n")
    return "".join(sorted(lines))


def read_shape(graph: Graph, node: Node, nested: bool = False) -> Shape:
    """One shape with its property shapes; raises UnsupportedShape on an unknown feature."""
    shape = Shape(node)
    for predicate, value in sorted(graph.predicate_objects(node)):
        if predicate == RDF.type or not str(predicate).startswith(str(SH)):
            continue
        if predicate == SH.qualifiedValueShapesDisjoint or predicate == SH.qualifiedMaxCount:
            raise UnsupportedShape(f"{shape.name()}: sh:{predicate.fragment} is not supported")
        if predicate not in COMPONENTS and predicate not in STRUCTURE:
            raise UnsupportedShape(f"{shape.name()}: sh:{predicate.fragment} is not supported "
                                   "by the fast validator (add it, or run --reference)")
        if predicate == SH.path:
            shape.path = read_path(graph, value)
        elif predicate == SH.property:
            shape.properties.append(read_shape(graph, value))
        elif predicate == SH.message:
            if shape.message is not None:
                raise UnsupportedShape(f"{shape.name()}: more than one sh:message")
            shape.message = str(value)
        elif predicate == SH.severity:
            shape.severity = str(value).rsplit("#", 1)[-1]
        elif predicate == SH.targetClass:
            shape.targets.append(("class", value))
        elif predicate == SH.targetNode:
            shape.targets.append(("node", value))
        elif predicate == SH.targetSubjectsOf:
            shape.targets.append(("subjectsOf", value))
        elif predicate == SH.targetObjectsOf:
            shape.targets.append(("objectsOf", value))
        elif predicate == SH.target:
            shape.targets.append(("sparql", _sparql_target(graph, shape, value)))
        elif predicate == SH.qualifiedValueShape:
            shape.qualified = read_shape(graph, value, nested=True)
        elif predicate in COMPONENTS:
            shape.constraints.append((predicate, value))
    _check(graph, shape, nested)
    shape.constraints = [(p, _parameter(graph, p, v)) for p, v in shape.constraints]
    return shape


def _parameter(graph: Graph, predicate: URIRef, value: Node):
    """A constraint's parameter as plain data: lists resolved, nested shapes read."""
    if predicate in (SH["or"], SH.xone):
        return [read_shape(graph, member, nested=True) for member in Collection(graph, value)]
    if predicate == SH["in"]:
        return list(Collection(graph, value))
    if predicate == SH.languageIn:
        return [str(tag).lower() for tag in Collection(graph, value)]
    if predicate == SH.sparql:
        return sparql_constraint(graph, value)
    return value


def _sparql_target(graph: Graph, shape: Shape, target: Node) -> str:
    if (target, RDF.type, SH.SPARQLTarget) not in graph:
        raise UnsupportedShape(f"{shape.name()}: only sh:SPARQLTarget targets are supported")
    select = graph.value(target, SH.select)
    if select is None or "PREFIX" in str(select).upper().split("SELECT", 1)[0]:
        raise UnsupportedShape(f"{shape.name()}: a SPARQL target needs sh:select without PREFIX")
    shape.prefixes += _prefix_lines(graph, graph.value(target, SH.prefixes))
    return str(select)


def _check(graph: Graph, shape: Shape, nested: bool) -> None:
    kinds = {p for p, _ in shape.constraints}
    if SH.qualifiedMinCount in kinds and shape.qualified is None:
        raise UnsupportedShape(f"{shape.name()}: sh:qualifiedMinCount without a value shape")
    for predicate, value in shape.constraints:
        if predicate == SH.nodeKind and value not in NODE_KINDS:
            raise UnsupportedShape(f"{shape.name()}: unknown sh:nodeKind {value}")
        if predicate == SH.uniqueLang and value != Literal(True):
            raise UnsupportedShape(f"{shape.name()}: sh:uniqueLang must be true")
        if predicate == SH.sparql:
            if shape.message is not None:
                raise UnsupportedShape(f"{shape.name()}: sh:sparql on a shape with sh:message")
            if graph.value(value, SH.message) is None or graph.value(value, SH.select) is None:
                raise UnsupportedShape(f"{shape.name()}: sh:sparql needs sh:select and "
                                       "sh:message")
    reported = shape.constraints and not nested
    if reported and shape.message is None and kinds != {SH.sparql}:
        raise UnsupportedShape(f"{shape.name()}: every constraint needs a sh:message (pySHACL's "
                               "generated messages are not reproduced)")
    if nested and (shape.properties or shape.targets or SH.sparql in kinds):
        raise UnsupportedShape(f"{shape.name()}: nested shapes may not have targets, "
                               "sh:property or sh:sparql")
    if shape.path is None and shape.properties and any(
            p.properties for p in shape.properties):
        raise UnsupportedShape(f"{shape.name()}: property shapes may not nest sh:property")


def sparql_constraint(graph: Graph, node: Node) -> tuple[str, str, str]:
    """(prefix lines, select text, message template) of one sh:SPARQLConstraint."""
    unknown = {p for p in graph.predicates(node) if str(p).startswith(str(SH))} - {
        SH.message, SH.select, SH.prefixes}
    if unknown:
        raise UnsupportedShape(f"SPARQL constraint uses {sorted(unknown)}: not supported")
    return (_prefix_lines(graph, graph.value(node, SH.prefixes)), str(graph.value(node, SH.select)),
            str(graph.value(node, SH.message)))


def read_shapes(graph: Graph) -> list[Shape]:
    """Every shape with a target (others are reached through sh:property), in a stable order."""
    roots = set()
    for predicate in (SH.targetClass, SH.target, SH.targetSubjectsOf, SH.targetObjectsOf,
                      SH.targetNode):
        roots.update(graph.subjects(predicate, None))
    for implicit in graph.subjects(RDF.type, None):
        types = set(graph.objects(implicit, RDF.type))
        if (types & {SH.NodeShape, SH.PropertyShape}) and {
                URIRef(PREFIXES["rdfs"] + "Class"), URIRef(PREFIXES["owl"] + "Class")} & types:
            raise UnsupportedShape(f"{short_name(str(implicit))}: implicit class targets are "
                                   "not supported")
    return [read_shape(graph, node) for node in sorted(roots, key=str)]

