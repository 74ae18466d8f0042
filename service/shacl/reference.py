"""pySHACL, the reference validator, with its report read into the fast validator's results."""

from __future__ import annotations

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from service.shacl.engine import Result
from service.shacl.shapes import read_path


def reference_report(data: Graph, shapes: Graph) -> Graph:
    """Run pySHACL (SHACL Core plus SPARQL-based targets and constraints) on ``data``."""
    _conforms, report, _text = shacl_validate(
        data, shacl_graph=shapes, advanced=True, allow_warnings=True
    )
    return report


def nt(node: Node | None) -> str:
    """A term in N-Triples, spelled as pyoxigraph spells it."""
    if node is None:
        return ""
    if isinstance(node, URIRef):
        return str(ox.NamedNode(str(node)))
    if isinstance(node, Literal):
        if node.language:
            return str(ox.Literal(str(node), language=node.language))
        if node.datatype:
            return str(ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype))))
        return str(ox.Literal(str(node)))
    if isinstance(node, BNode):
        return f"_:{node}"
    raise TypeError(node)


def report_results(report: Graph) -> list[Result]:
    """Every sh:ValidationResult of a pySHACL report, sorted."""
    found = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        path = report.value(result, SH.resultPath)
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        found.append(Result(
            focus=nt(report.value(result, SH.focusNode)),
            path=read_path(report, path).display() if path is not None else "",
            component=str(report.value(result, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
            message=" | ".join(messages),
            severity=str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
            value=nt(report.value(result, SH.value)),
            shape=str(report.value(result, SH.sourceShape)),
        ))
    return sorted(found)
