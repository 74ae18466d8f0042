"""Compile shapes into SPARQL queries that select exactly the violating focus and value nodes.

One query per (shape, constraint), evaluated over all focus nodes at once, so validation is a
few dozen set-oriented queries rather than a loop over nodes. Where the path is one predicate,
a cheaper query that ignores the focus nodes runs first (a ``prefilter``: a scan of that
predicate's statements, no lookup per focus node) and the exact query only when it finds a
candidate; valid data, the common case, then costs one scan per constraint. A property that
must be present is checked with ``MINUS`` (one anti-join) rather than ``NOT EXISTS`` per node.

Semantics follow SHACL Core as pySHACL implements it (the reference):
``sh:class`` and ``sh:targetClass`` follow ``rdfs:subClassOf*`` in the data, value nodes are
sets, ``sh:languageIn`` matches the tag or its first subtag case-insensitively,
``sh:uniqueLang`` compares tags case-insensitively.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, replace

from rdflib import Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from service.shacl.shapes import COMPONENTS, Path, Shape, UnsupportedShape

SUBCLASSES = re.compile(r"\{\{subclasses:<([^>]*)>\}\}")
#: Constraints on each value node on its own (one result per failing value node).
VALUE_LEVEL = {SH["class"], SH.nodeKind, SH.pattern, SH["in"], SH.languageIn, SH["or"],
               SH.xone}
NODE_KIND_TESTS = {SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})",
                   SH.Literal: "isLiteral({v})", SH.BlankNodeOrIRI: "!isLiteral({v})",
                   SH.BlankNodeOrLiteral: "!isIRI({v})", SH.IRIOrLiteral: "!isBlank({v})"}


@dataclass(frozen=True)
class Check:
    """One query and how to read its rows.

    ``kind``: ``value`` rows are (this, value); ``focus`` rows are (this); ``sparql`` rows are
    a SPARQL constraint's solutions; ``datatype`` rows are (this, value) candidates that the
    engine checks against ``parameter`` (lexical forms need rdflib's parsers, as pySHACL uses).
    ``prefilter``, when set, is a query whose solutions include every result's candidate: when
    it has none, the check has no result and ``query`` is not run. ``focus`` is the pattern of
    ``query`` that selects the focus nodes and ``targets`` the targets it is made of, so that
    :mod:`service.shacl.delta` can run the check on a few focus nodes only.
    """

    shape: Shape
    component: str
    query: str
    kind: str
    message: str
    parameter: object = None
    prefilter: str | None = None
    focus: str = ""
    targets: tuple[tuple[str, object], ...] = ()


def term(node: Node) -> str:
    if isinstance(node, (URIRef, Literal)):
        return node.n3()
    raise UnsupportedShape(f"blank node {node!r} as a constraint parameter")


def subclasses(cls: Node) -> str:
    """A placeholder the engine replaces by ``cls`` and its subclasses in the data (VALUES is
    several times faster than evaluating ``rdf:type/rdfs:subClassOf*`` per node)."""
    return "{{subclasses:" + term(cls) + "}}"


def string(text: str) -> str:
    return json.dumps(text)  # a valid SPARQL string literal for the texts shapes hold


class Compiler:
    """Builds the queries of a list of shapes; fresh variable names come from one counter."""

    def __init__(self) -> None:
        self._names = itertools.count()

    def fresh(self) -> str:
        return f"?v{next(self._names)}"

    # ------------------------------------------------------------------ focus nodes
    def focus(self, shape: Shape) -> str:
        parts = []
        for kind, value in shape.targets:
            if kind == "class":
                c = self.fresh()
                parts.append(f"{{ VALUES {c} {{ {subclasses(value)} }} ?this a {c} }}")
            elif kind == "node":
                parts.append(f"{{ VALUES ?this {{ {term(value)} }} }}")
            elif kind == "subjectsOf":
                parts.append(f"{{ ?this {term(value)} {self.fresh()} }}")
            elif kind == "objectsOf":
                parts.append(f"{{ {self.fresh()} {term(value)} ?this }}")
            else:
                parts.append(f"{{ {value} }}")
        return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " } }"

    # ------------------------------------------------------------------ conformance tests
    def value_ok(self, predicate: URIRef, parameter, v: str) -> str:
        """A SPARQL expression true when value ``v`` satisfies one value-level constraint."""
        if predicate == SH["class"]:
            c = self.fresh()
            return f"EXISTS {{ VALUES {c} {{ {subclasses(parameter)} }} {v} a {c} }}"
        if predicate == SH.nodeKind:
            return NODE_KIND_TESTS[parameter].format(v=v)
        if predicate == SH.pattern:
            return f"(!isBlank({v}) && REGEX(STR({v}), {string(str(parameter))}))"
        if predicate == SH["in"]:
            return "(" + " || ".join(f"sameTerm({v}, {term(x)})" for x in parameter) + ")" \
                if parameter else "false"
        if predicate == SH.languageIn:
            if "*" in parameter:
                return f'(isLiteral({v}) && LANG({v}) != "")'
            tags = ", ".join(string(t) for t in parameter)
            return (f"(isLiteral({v}) && (LCASE(LANG({v})) IN ({tags}) || "
                    f'LCASE(STRBEFORE(LANG({v}), "-")) IN ({tags})))')
        if predicate == SH["or"] and all(_class_only(m) for m in parameter):
            c = self.fresh()  # one lookup of the union of the classes instead of one per class
            classes = " ".join(subclasses(m.constraints[0][1]) for m in parameter)
            return f"EXISTS {{ VALUES {c} {{ {classes} }} {v} a {c} }}"
        if predicate == SH["or"]:
            return "(" + " || ".join(self.shape_ok(m, v) for m in parameter) + ")"
        if predicate == SH.xone:
            return "((" + " + ".join(f"IF({self.shape_ok(m, v)}, 1, 0)" for m in parameter) \
                + ") = 1)"
        raise UnsupportedShape(f"sh:{predicate.fragment} inside a nested shape")

    def shape_ok(self, shape: Shape, v: str) -> str:
        """A SPARQL expression true when node ``v`` conforms to a nested shape."""
        tests = []
        for predicate, parameter in shape.constraints:
            if shape.path is None:
                tests.append(self.value_ok(predicate, parameter, v))
            elif predicate == SH.minCount and int(parameter) == 1:
                tests.append(f"EXISTS {{ {v} {shape.path.sparql()} {self.fresh()} }}")
            elif predicate in VALUE_LEVEL:
                x = self.fresh()
                tests.append(f"NOT EXISTS {{ {v} {shape.path.sparql()} {x} "
                             f"FILTER (!{self.value_ok(predicate, parameter, x)}) }}")
            else:
                raise UnsupportedShape(f"sh:{predicate.fragment} inside a nested property shape")
        return "(" + " && ".join(tests or ["true"]) + ")"

    # ------------------------------------------------------------------ checks
    def checks(self, shape: Shape, focus: str = "", prefixes: str = "",
               targets: tuple[tuple[str, object], ...] = ()) -> list[Check]:
        """Every query of a shape and its property shapes (which share its focus nodes)."""
        prefixes += shape.prefixes
        if shape.targets:
            own = self.focus(shape)
            focus = self._union(focus, own) if focus else own
            targets += tuple(shape.targets)
        found = [replace(self.check(shape, focus, prefixes, p, v), focus=focus, targets=targets)
                 for p, v in shape.constraints]
        for prop in shape.properties:
            found.extend(self.checks(prop, focus, prefixes, targets))
        return found

    def _failing(self, predicate: URIRef, parameter, ok: str) -> str:
        """The pattern keeping the ``?value`` rows that fail a value-level test: for a class
        (or a choice of classes) a MINUS of the instances (one anti-join), else the filter."""
        if predicate == SH["class"]:
            classes = subclasses(parameter)
        elif predicate == SH["or"] and all(_class_only(m) for m in parameter):
            classes = " ".join(subclasses(m.constraints[0][1]) for m in parameter)
        else:
            return f"FILTER (!{ok})"
        c = self.fresh()
        return f"MINUS {{ VALUES {c} {{ {classes} }} ?value a {c} }}"

    @staticmethod
    def _union(a: str, b: str) -> str:
        return "{ SELECT DISTINCT ?this WHERE { " + a + " UNION " + b + " } }"

    def check(self, shape: Shape, focus: str, prefixes: str, predicate: URIRef,
              parameter) -> Check:
        component = COMPONENTS[predicate]
        path = shape.path.sparql() if shape.path else None
        values = f"?this {path} ?value ." if path else "BIND (?this AS ?value)"
        message = shape.message or ""

        # one predicate (or its inverse): its statements can be scanned without the focus nodes
        simple = shape.path is not None and (shape.path.kind == "iri" or (
            shape.path.kind == "inverse" and shape.path.parts[0].kind == "iri"))

        def make(kind: str, query: str, extra: object = None, prefilter: str | None = None
                 ) -> Check:
            return Check(shape, component, prefixes + query, kind, message, extra,
                         prefixes + prefilter if prefilter else None)

        if predicate in VALUE_LEVEL:
            ok = self.value_ok(predicate, parameter, "?value")
            prefilter = None
            if simple:
                # a value-level test depends on the value only: test each distinct value once
                prefilter = (f"SELECT ?value WHERE {{ {{ SELECT DISTINCT ?value WHERE {{ "
                             f"{self.fresh()} {path} ?value }} }} "
                             f"{self._failing(predicate, parameter, ok)} }} LIMIT 1")
            return make("value", f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {values} "
                                 f"FILTER (!{ok}) }}", prefilter=prefilter)
        if predicate == SH.datatype:
            return make("datatype", f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {values} }}",
                        str(parameter))
        if predicate == SH.sparql:
            own_prefixes, select, template = parameter
            return Check(shape, component, prefixes + own_prefixes +
                         f"SELECT * WHERE {{ {focus} {{ {select} }} }}", "sparql", template,
                         parameter)
        if path is None:
            raise UnsupportedShape(f"{shape.name()}: sh:{predicate.fragment} on a node shape")
        if predicate == SH.minCount and int(parameter) == 1 and simple:
            # ?this is always bound, so MINUS is NOT EXISTS, evaluated as one anti-join
            return make("focus", f"SELECT ?this WHERE {{ {focus} "
                                 f"MINUS {{ ?this {path} ?value }} }}")
        if predicate == SH.minCount and int(parameter) == 1:
            return make("focus", f"SELECT ?this WHERE {{ {focus} "
                                 f"FILTER NOT EXISTS {{ ?this {path} ?value }} }}")
        if predicate == SH.minCount:
            return make("focus", f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {path} ?value "
                                 f"}} }} GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < "
                                 f"{int(parameter)})")
        if predicate == SH.maxCount:
            having = f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {int(parameter)})"
            prefilter = (f"SELECT ?this WHERE {{ ?this {path} ?value }} {having} LIMIT 1"
                         if simple else None)
            return make("focus", f"SELECT ?this WHERE {{ {focus} ?this {path} ?value }} "
                                 f"{having}", prefilter=prefilter)
        if predicate == SH.hasValue:
            return make("focus", f"SELECT ?this WHERE {{ {focus} "
                                 f"FILTER NOT EXISTS {{ ?this {path} {term(parameter)} }} }}")
        if predicate == SH.uniqueLang:
            return make("focus", f"SELECT ?this WHERE {{ {focus} ?this {path} ?value "
                                 f'FILTER (LANG(?value) != "") }} GROUP BY ?this '
                                 f"(LCASE(LANG(?value)) AS ?lang) HAVING (COUNT(DISTINCT ?value)"
                                 " > 1)")
        if predicate == SH.qualifiedMinCount:
            ok = self.shape_ok(shape.qualified, "?value")
            return make("focus", f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {path} ?value "
                                 f"FILTER ({ok}) }} }} GROUP BY ?this "
                                 f"HAVING (COUNT(DISTINCT ?value) < {int(parameter)})")
        raise UnsupportedShape(f"{shape.name()}: sh:{predicate.fragment} is not compiled")


def _class_only(shape: Shape) -> bool:
    return shape.path is None and [p for p, _ in shape.constraints] == [SH["class"]]


def compile_shapes(shapes: list[Shape]) -> list[Check]:
    compiler = Compiler()
    return [check for shape in shapes for check in compiler.checks(shape)]


def display_path(path: Path | None) -> str:
    return path.display() if path else ""
