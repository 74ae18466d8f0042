"""What each compiled check reads, relative to its focus node: the basis of validating a change.

A :class:`Read` says "statements with this predicate, whose subject (or object) is reached
from the focus node by this path". A changed triple ``(s, p, o)`` can only change the result
of the focus nodes ``x`` with ``x prefix s`` (``x prefix o`` for a read of objects).

Why that is exact: if the result of ``x`` differs, some statement read while checking ``x``
changed. Of the changed statements on the way from ``x``, take the one nearest to ``x``:
the path from ``x`` to it is made of unchanged statements, so it exists in the store after
the change, where the query for the prefix finds ``x``. Sources of reads:

* targets: ``sh:targetClass`` reads ``rdf:type`` at the focus node (only types among the
  class's subclasses), ``sh:targetSubjectsOf``/``ObjectsOf`` their predicate,
  ``sh:targetNode`` nothing (the node is always a focus node);
* a property path reads each of its predicates at the prefix of the path before it
  (``p*`` reads ``p`` at every node ``p*`` away);
* ``sh:class`` (and ``sh:or`` of classes) reads ``rdf:type`` at the value nodes, nested
  shapes (``sh:or``, ``sh:xone``, ``sh:qualifiedValueShape``) what their constraints read
  at the value nodes;
* SPARQL-based targets and constraints are parsed (rdflib's SPARQL algebra): when the
  query is basic graph patterns, ``BIND`` and ``FILTER`` (no ``EXISTS``) whose patterns
  all connect to ``$this`` through variables, each pattern is read at the path from
  ``$this`` to it. Anything else (``OPTIONAL``, ``MINUS``, ``UNION``, sub-queries,
  aggregates, ``LIMIT``, variable predicates, ``$shapesGraph``) cannot be shown local:
  :func:`check_reads` returns None and that one check runs over the whole store.
"""


from __future__ import annotations

import functools
from dataclasses import dataclass

from rdflib import URIRef, Variable
from rdflib import paths as rdflib_paths
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from service.shacl.compile import VALUE_LEVEL, Check
from service.shacl.shapes import COMPONENTS, Path, Shape

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
#: SPARQL algebra nodes that only combine or filter the solutions of their basic patterns.
LOCAL_ALGEBRA = {"SelectQuery", "Project", "Distinct", "Reduced", "Filter", "Extend", "Join"}


@dataclass(frozen=True)
class Read:
    """A check reads the statements with ``predicate`` whose subject (``forward``) or object
    is ``prefix`` away from its focus node (``None``: the focus node itself). ``classes``:
    for ``rdf:type`` reads, only types among these classes and their subclasses matter."""

    prefix: Path | None
    predicate: str
    forward: bool
    classes: tuple[str, ...] = ()


def invert(path: Path) -> Path:
    """The inverse of a path, with the inversions pushed down to its predicates."""
    if path.kind == "iri":
        return Path("inverse", parts=(path,))
    if path.kind == "inverse":
        return path.parts[0]
    parts = tuple(invert(p) for p in path.parts)
    return Path(path.kind, parts=parts[::-1] if path.kind == "sequence" else parts)


def then(prefix: Path | None, path: Path) -> Path:
    return path if prefix is None else Path("sequence", parts=(prefix, path))


def path_reads(path: Path, prefix: Path | None = None) -> list[Read]:
    """The statements evaluating ``path`` from the end of ``prefix`` reads."""
    if path.kind == "iri":
        return [Read(prefix, path.iri, True)]
    if path.kind == "inverse":
        inner = path.parts[0]
        if inner.kind == "iri":
            return [Read(prefix, inner.iri, False)]
        return path_reads(invert(inner), prefix)
    if path.kind == "sequence":
        found = []
        for part in path.parts:
            found += path_reads(part, prefix)
            prefix = then(prefix, part)
        return found
    if path.kind == "alternative":
        return [r for part in path.parts for r in path_reads(part, prefix)]
    if path.kind in ("zeroOrMore", "oneOrMore"):
        return path_reads(path.parts[0], then(prefix, Path("zeroOrMore", parts=path.parts)))
    return path_reads(path.parts[0], prefix)  # zeroOrOne


def _value_reads(predicate: URIRef, parameter, prefix: Path | None) -> list[Read]:
    """What a value-level constraint reads at the value node (the end of ``prefix``)."""
    if predicate == SH["class"]:
        return [Read(prefix, RDF_TYPE, True, (str(parameter),))]
    if predicate in (SH["or"], SH.xone):
        return [r for member in parameter for r in _shape_reads(member, prefix)]
    return []  # node kind, pattern, in, language: the value alone decides


def _shape_reads(shape: Shape, prefix: Path | None) -> list[Read]:
    """What testing a nested shape at the end of ``prefix`` reads."""
    found = []
    for predicate, parameter in shape.constraints:
        if shape.path is None:
            found += _value_reads(predicate, parameter, prefix)
        else:
            found += path_reads(shape.path, prefix)
            if predicate in VALUE_LEVEL:
                found += _value_reads(predicate, parameter, then(prefix, shape.path))
    return found


def _rdflib_path(node) -> Path | None:
    """Our :class:`Path` for an rdflib predicate or property path (None: not a fixed path)."""
    if isinstance(node, URIRef):
        return Path("iri", str(node))
    if isinstance(node, rdflib_paths.InvPath):
        inner = _rdflib_path(node.arg)
        return None if inner is None else Path("inverse", parts=(inner,))
    if isinstance(node, (rdflib_paths.SequencePath, rdflib_paths.AlternativePath)):
        parts = tuple(_rdflib_path(a) for a in node.args)
        kind = "sequence" if isinstance(node, rdflib_paths.SequencePath) else "alternative"
        return None if None in parts else Path(kind, parts=parts)
    if isinstance(node, rdflib_paths.MulPath):
        inner = _rdflib_path(node.path)
        kind = {"*": "zeroOrMore", "+": "oneOrMore", "?": "zeroOrOne"}[node.mod]
        return None if inner is None else Path(kind, parts=(inner,))
    return None  # a variable predicate or a negated property set


def _patterns(node, found: list) -> bool:
    """Collect the triple patterns of a query's algebra; False if it holds anything that is
    not a basic pattern, a filter, a binding or an expression (EXISTS included)."""
    if isinstance(node, CompValue):
        name = node.name
        if name == "BGP":
            found.extend(node.triples)
            return True
        if name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            return False
        expression = name.endswith("Expression") or name.startswith(("Builtin_", "Unary")) \
            or name == "Function"
        if name not in LOCAL_ALGEBRA and not expression:
            return False
        return all(_patterns(v, found) for k, v in node.items() if k != "_vars")
    if isinstance(node, (list, tuple)):
        return all(_patterns(v, found) for v in node)
    return True


@functools.lru_cache(maxsize=256)
def sparql_reads(prefixes: str, select: str) -> tuple[Read, ...] | None:
    """What a SPARQL target or constraint reads, from ``$this``; None when not provably local.
    Cached: parsing is most of the cost of :func:`plan`."""
    if "$shapesGraph" in select or "$currentShape" in select:
        return None
    try:
        algebra = prepareQuery(prefixes + select).algebra
    except Exception:  # noqa: BLE001 - any parse failure means: run this check in full
        return None
    triples: list = []
    if Variable("this") not in (algebra.get("PV") or ()):
        return None  # $this not projected: joined with the focus nodes as a cross product
    if not _patterns(algebra, triples) or not triples:
        return None
    reached: dict[Variable, Path | None] = {Variable("this"): None}
    found: list[Read] = []
    pending = list(triples)
    while pending:
        left = []
        for s, p, o in pending:
            path = _rdflib_path(p)
            if path is None:
                return None
            if s in reached:
                found += path_reads(path, reached[s])
                if isinstance(o, Variable) and o not in reached:
                    reached[o] = then(reached[s], path)
            elif o in reached:
                found += path_reads(invert(path), reached[o])
                if isinstance(s, Variable):
                    reached[s] = then(reached[o], invert(path))
            else:
                left.append((s, p, o))
        if len(left) == len(pending):
            return None  # a pattern not connected to $this: it may match anywhere
        pending = left
    return tuple(found)


def check_reads(check: Check) -> list[Read] | None:
    """Every statement ``check`` reads, relative to its focus node; None: not provably local."""
    found: list[Read] = []
    for kind, value in check.targets:
        if kind == "class":
            found.append(Read(None, RDF_TYPE, True, (str(value),)))
        elif kind == "subjectsOf":
            found.append(Read(None, str(value), True))
        elif kind == "objectsOf":
            found.append(Read(None, str(value), False))
        elif kind == "sparql":
            target = sparql_reads(_prefixes(check), str(value))
            if target is None:
                return None
            found += list(target)
    shape, predicate = check.shape, _constraint(check)
    if predicate == SH.sparql:
        _own_prefixes, select, _message = check.parameter  # the prefixes are in the query
        constraint = sparql_reads(_prefixes(check), select)
        return None if constraint is None else found + list(constraint)
    if shape.path is not None:
        found += path_reads(shape.path)
    if predicate in VALUE_LEVEL:
        found += _value_reads(predicate, _parameter(check, predicate), shape.path)
    elif predicate == SH.qualifiedMinCount:
        found += _shape_reads(shape.qualified, shape.path)
    return found


def _prefixes(check: Check) -> str:
    """The PREFIX lines of a check's query (the shapes' own and their SPARQL constraints')."""
    return check.query[:check.query.find("SELECT")]


def _constraint(check: Check) -> URIRef:
    return next(p for p, component in COMPONENTS.items() if component == check.component)


def _parameter(check: Check, predicate: URIRef):
    return next(v for p, v in check.shape.constraints if p == predicate)

