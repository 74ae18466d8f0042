"""Validate the parsed sources against the SHACL shapes and report in terms an editor can act on.

Each problem names the source file, the focus node, the property path and the shape's message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from service.build.sources import Sources, validation_graph

SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True)
class Problem:
    """One validation result, located in the sources."""

    files: tuple[str, ...]
    focus: str
    path: str
    message: str
    severity: str

    def line(self) -> str:
        where = ", ".join(self.files) or "(no source file)"
        path = f" {self.path}" if self.path else ""
        return f"{where}: <{self.focus}>{path}: {self.message} [{self.severity}]"


@dataclass(frozen=True)
class Report:
    conforms: bool
    problems: tuple[Problem, ...]

    def text(self) -> str:
        if self.conforms:
            return "valid: every graph conforms to the shapes"
        return "\n".join(p.line() for p in self.problems)


def load_shapes(shapes_dir: Path) -> Graph:
    shapes = Graph()
    for path in sorted(shapes_dir.glob("*.ttl")):
        shapes.parse(path, format="turtle")
    return shapes


def validate_graph(data: Graph, shapes: Graph, ontology: Graph | None = None) -> Graph:
    """Run SHACL (with SPARQL-based constraints) and return the report graph."""
    _conforms, report, _text = shacl_validate(
        data, shacl_graph=shapes, ont_graph=ontology, advanced=True, allow_warnings=True
    )
    return report


def problems_from_report(report: Graph, locate=lambda node: ()) -> tuple[Problem, ...]:
    problems = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage) or report.value(
            result, SH.sourceConstraintComponent
        )
        severity = report.value(result, SH.resultSeverity)
        problems.append(
            Problem(
                files=tuple(str(p) for p in locate(focus)),
                focus=str(focus),
                path=path.n3(report.namespace_manager) if isinstance(path, URIRef) else "",
                message=str(message),
                severity=str(severity).rsplit("#", 1)[-1],
            )
        )
    return tuple(sorted(problems, key=lambda p: (p.files, p.focus, p.path, p.message)))


def validate_sources(sources: Sources, shapes: Graph) -> Report:
    """Validate the union of all source graphs; only violations make the sources invalid."""
    report = validate_graph(validation_graph(sources), shapes)
    problems = problems_from_report(
        report, lambda node: sources.files_mentioning(node) if isinstance(node, URIRef) else []
    )
    conforms = not any(p.severity == "Violation" for p in problems)
    return Report(conforms=conforms, problems=problems)
