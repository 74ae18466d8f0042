"""Validate the parsed sources against the SHACL shapes and report in terms an editor can act on.

Each problem names the source file, the focus node, the property path and the shape's message.
The build uses the fast validator (:mod:`service.shacl`: the shapes compiled to SPARQL and run
by pyoxigraph); ``reference=True`` runs pySHACL instead, which the fast one is tested against.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import Graph, Namespace, URIRef

from service.build.load import Loaded
from service.build.sources import (
    SD_NAMED_GRAPH,
    SourceError,
    Sources,
    validation_graph,
    validation_store,
)
from service.namespaces import PREFIXES, RDF_TYPE
from service.shacl.delta import Plan, plan, validate_change
from service.shacl.engine import Result, compile_graph, validate_store
from service.shacl.reference import reference_report, report_results
from service.shacl.shapes import UnsupportedShape

SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True)
class Problem:
    """One validation result, located in the sources."""

    files: tuple[str, ...]
    focus: str
    path: str
    message: str
    severity: str
    component: str = ""

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
    """Run pySHACL (with SPARQL-based constraints) and return the report graph."""
    _conforms, report, _text = shacl_validate(
        data, shacl_graph=shapes, ont_graph=ontology, advanced=True, allow_warnings=True
    )
    return report


def _iri(term: str) -> str | None:
    return term[1:-1] if term.startswith("<") and term.endswith(">") else None


def problems_from_results(results: list[Result], locate=lambda node: ()) -> tuple[Problem, ...]:
    problems = []
    for result in results:
        iri = _iri(result.focus)
        problems.append(Problem(
            files=tuple(str(p) for p in (locate(URIRef(iri)) if iri else ())),
            focus=iri or result.focus,
            path=result.path,
            message=result.message,
            severity=result.severity,
            component=result.component,
        ))
    return tuple(sorted(problems, key=lambda p: (p.files, p.focus, p.path, p.message)))


def _compiled(shapes: Graph) -> list:
    try:
        return compile_graph(shapes)
    except UnsupportedShape as exc:
        raise SourceError(Path("shapes"), f"{exc}; `citynet validate --reference` runs "
                          "pySHACL") from None


def _report(results: list[Result], locate: Callable) -> Report:
    problems = problems_from_results(results, locate)
    conforms = not any(p.severity == "Violation" for p in problems)
    return Report(conforms=conforms, problems=problems)


def validate_sources(sources: Sources, shapes: Graph, reference: bool = False) -> Report:
    """Validate the union of all source graphs; only violations make the sources invalid."""
    if reference:
        results = report_results(reference_report(validation_graph(sources), shapes))
    else:
        results = validate_store(validation_store(sources), _compiled(shapes))
    return _report(results, sources.files_mentioning)


def validate_loaded(loaded: Loaded, shapes: Graph, reference: bool = False) -> Report:
    """Validate the store a release is being built in: its default graph (the merge of the
    sources) plus, while it runs, one ``sd:NamedGraph`` marker per graph (see
    :func:`service.build.sources.validation_graph`), taken out again afterwards."""
    store = loaded.store
    a, named = ox.NamedNode(str(RDF_TYPE)), ox.NamedNode(str(SD_NAMED_GRAPH))
    markers = [ox.Quad(g, a, named, ox.DefaultGraph()) for g in loaded.graph_names()]
    markers = [q for q in markers if q not in store]
    store.extend(markers)
    try:
        if reference:
            union = Graph()
            for prefix, iri in PREFIXES.items():
                union.bind(prefix, iri)
            union.parse(data=store.dump(format=ox.RdfFormat.N_TRIPLES,
                                        from_graph=ox.DefaultGraph()), format="nt")
            results = report_results(reference_report(union, shapes))
        else:
            results = validate_store(store, _compiled(shapes))
    finally:
        for quad in markers:
            store.remove(quad)
    return _report(results, lambda node: loaded.files_mentioning(ox.NamedNode(str(node))))


_PLANS: dict[str, Plan] = {}


def _planned(shapes: Graph) -> Plan:
    """The compiled and analysed shapes, kept per process by content (a write path calls this
    for every write with the same shapes)."""
    key = hashlib.sha256("\n".join(sorted(shapes.serialize(format="nt").splitlines()))
                         .encode()).hexdigest()
    if key not in _PLANS:
        if len(_PLANS) >= 8:
            _PLANS.clear()
        _PLANS[key] = plan(_compiled(shapes))
    return _PLANS[key]


def validate_change_loaded(loaded: Loaded, shapes: Graph,
                           added: Iterable[ox.Triple | ox.Quad],
                           removed: Iterable[ox.Triple | ox.Quad]) -> Report:
    """What :func:`validate_loaded` reports on ``loaded`` (the store after a change), provided
    the store before the change conformed: only the focus nodes the change can affect are
    checked (see :mod:`service.shacl.delta`). ``added``/``removed``: the triples or quads the
    change added and removed; a graph a quad names counts as changed too (its
    ``sd:NamedGraph`` marker may have appeared or gone)."""
    store = loaded.store
    added, removed = list(added), list(removed)
    a, named = ox.NamedNode(str(RDF_TYPE)), ox.NamedNode(str(SD_NAMED_GRAPH))
    markers = [ox.Quad(g, a, named, ox.DefaultGraph()) for g in loaded.graph_names()]
    markers = [q for q in markers if q not in store]
    touched = {q.graph_name for q in (*added, *removed)
               if isinstance(q, ox.Quad) and not isinstance(q.graph_name, ox.DefaultGraph)}
    changed_markers = [ox.Triple(g, a, named) for g in sorted(touched, key=str)]
    store.extend(markers)
    try:
        results = validate_change(store, _planned(shapes), added + changed_markers, removed)
    finally:
        for quad in markers:
            store.remove(quad)
    return _report(results, lambda node: loaded.files_mentioning(ox.NamedNode(str(node))))
