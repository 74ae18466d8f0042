"""Run compiled shapes against a pyoxigraph store and return SHACL validation results.

The store's default graph is the data graph (the union of the sources plus one
``sd:NamedGraph`` marker per graph, as :func:`service.build.sources.validation_graph` makes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from service.shacl.compile import SUBCLASSES, Check, compile_shapes, display_path
from service.shacl.shapes import read_shapes

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
#: The Python type rdflib gives a well-formed literal of each datatype (as pySHACL checks).
VALUE_TYPES: dict[str, type | tuple[type, ...]] = {
    XSD + "string": (str, bytes), RDF_LANG_STRING: (str, bytes), XSD + "integer": int,
    XSD + "float": float, XSD + "decimal": Decimal, XSD + "boolean": bool, XSD + "date": date,
    XSD + "time": time, XSD + "dateTime": datetime,
}


@dataclass(frozen=True, order=True)
class Result:
    """One validation result, in N-Triples terms so both validators compare as equal tuples."""

    focus: str
    path: str
    component: str
    message: str
    severity: str
    value: str
    shape: str


def _text(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> str:
    """What pySHACL substitutes for ``{?var}`` in a SPARQL constraint's message."""
    return term.value


def datatype_ok(value, datatype: str) -> bool:
    """pySHACL's sh:datatype test: the datatype matches and rdflib can read the lexical form."""
    if not isinstance(value, ox.Literal):
        return False
    if value.datatype.value != datatype:
        return datatype == "http://www.w3.org/2000/01/rdf-schema#Literal"
    if datatype in (XSD + "string", RDF_LANG_STRING):
        return True
    literal = Literal(value.value, datatype=URIRef(datatype))
    if getattr(literal, "ill_typed", None) is True:
        return False
    expected = VALUE_TYPES.get(datatype)
    return expected is None or isinstance(literal.value, expected)


def _header(query: str) -> str:
    """Drop repeated PREFIX lines (shapes may declare the same prefix in several places)."""
    seen: set[str] = set()
    lines = []
    for line in query.split("\n"):
        if line.startswith("PREFIX "):
            if line in seen:
                continue
            seen.add(line)
        lines.append(line)
    return "\n".join(lines)


_TEMPLATE = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


def _fill(template: str, texts: dict[str, str]) -> str:
    """Replace ``{?var}`` and ``{$var}`` by the bound values' texts, as pySHACL does."""
    return _TEMPLATE.sub(lambda m: texts.get(m.group(1), m.group(0)), template)


def _subclasses(store: ox.Store, iri: str) -> str:
    rows = store.query("SELECT DISTINCT ?c WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#"
                       f"subClassOf>* <{iri}> }}")
    return " ".join(sorted(str(row["c"]) for row in rows))


def resolve(store: ox.Store, query: str, cache: dict[str, str]) -> str:
    """Fill each class placeholder with the class and its subclasses in ``store``."""
    def fill(match: re.Match) -> str:
        if match.group(1) not in cache:
            cache[match.group(1)] = _subclasses(store, match.group(1))
        return cache[match.group(1)]
    return SUBCLASSES.sub(fill, query)


def run_check(store: ox.Store, check: Check, cache: dict[str, str] | None = None,
              substitutions: dict[ox.Variable, object] | None = None) -> list[Result]:
    """The results of one compiled constraint (with ``substitutions``: for the focus node
    they bind ``?this`` to only; the prefilter, a whole-store scan, is then skipped)."""
    shape, path = check.shape, display_path(check.shape.path)

    def result(focus, value, message: str = check.message) -> Result:
        return Result(str(focus), path, check.component, message, shape.severity,
                      str(value) if value is not None else "", str(shape.node))

    cache = {} if cache is None else cache
    if check.prefilter is not None and substitutions is None and not any(
            True for _ in store.query(_header(resolve(store, check.prefilter, cache)))):
        return []  # not one candidate: the exact query would find nothing
    rows = store.query(_header(resolve(store, check.query, cache)), substitutions=substitutions)
    if check.kind == "focus":
        return [result(row["this"], None) for row in rows]
    if check.kind == "value":
        return [result(row["this"], row["value"]) for row in rows]
    if check.kind == "datatype":
        return [result(row["this"], row["value"]) for row in rows
                if not datatype_ok(row["value"], check.parameter)]
    return _sparql_results(rows, check, result)


def _sparql_results(rows, check: Check, result) -> list[Result]:
    """One result per distinct solution, as pySHACL reports SPARQL-based constraints."""
    found, seen = [], set()
    names = [v.value for v in rows.variables]
    for row in rows:
        bound = {n: row[n] for n in names if row[n] is not None}
        key = tuple(sorted((n, str(t)) for n, t in bound.items()))
        if key in seen:
            continue
        seen.add(key)
        value = bound.get("value", bound["this"] if check.shape.path is None else None)
        texts = {n: _text(t) for n, t in bound.items()}
        if value is not None:
            texts["value"] = _text(value)
        message = _fill(check.message, texts)
        found.append(result(bound["this"], value, message))
    return found


def compile_graph(shapes: Graph) -> list[Check]:
    """Compile a shapes graph; raises UnsupportedShape for any feature not implemented."""
    return compile_shapes(read_shapes(shapes))


def validate_store(store: ox.Store, checks: list[Check]) -> list[Result]:
    """Every result of every check, sorted."""
    cache: dict[str, str] = {}
    return sorted(r for check in checks for r in run_check(store, check, cache))
