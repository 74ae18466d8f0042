"""The fast validator reports exactly what pySHACL reports: on the seeds, on a mutation corpus
breaking every constraint of shapes/, on generated data; and it refuses what it cannot check."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from service.build.pipeline import BuildFailed, check
from service.build.sources import Sources, graph_store, load_sources, validation_graph
from service.build.validate import load_shapes, validate_sources
from service.settings import PROJECT_ROOT, load_settings
from service.shacl.engine import compile_graph, validate_store
from service.shacl.reference import reference_report, report_results
from service.shacl.shapes import COMPONENTS, UnsupportedShape
from tests.conftest import source_copy
from tests.shacl.mutations import BASE, mutate


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(PROJECT_ROOT / "shapes")


@pytest.fixture(scope="module")
def seed_graph() -> Graph:
    sources = load_sources(PROJECT_ROOT / "data", PROJECT_ROOT / "ontology", BASE)
    return validation_graph(sources)


@pytest.fixture(scope="module")
def mutated(shapes, seed_graph):
    graph, mutations = mutate(seed_graph, shapes, graph_store(seed_graph))
    return graph, mutations, report_results(reference_report(graph, shapes))


def declared_constraints(shapes: Graph) -> set[tuple[str, str]]:
    """(shape, constraint component) for every named shape's constraint, read from the raw
    shapes graph (independently of the fast validator's reader)."""
    found = set()
    for kind in (SH.NodeShape, SH.PropertyShape):
        for shape in shapes.subjects(RDF.type, kind):
            for predicate in shapes.predicates(shape, None):
                if predicate in COMPONENTS:
                    found.add((str(shape), COMPONENTS[predicate]))
                elif str(predicate).startswith(str(SH)) and predicate not in (
                        SH.path, SH.property, SH.message, SH.targetClass, SH.target,
                        SH.targetSubjectsOf, SH.targetObjectsOf, SH.qualifiedValueShape):
                    raise AssertionError(f"{shape} uses {predicate}: extend the corpus")
    return found


def test_seed_data_same_results_as_pyshacl(shapes, seed_graph):
    fast = validate_store(graph_store(seed_graph), compile_graph(shapes))
    assert fast == report_results(reference_report(seed_graph, shapes))


def test_mutation_corpus_breaks_every_constraint_of_every_shape(shapes, mutated):
    _graph, mutations, reference = mutated
    expected = declared_constraints(shapes)
    assert {(m.shape, m.component) for m in mutations} == expected
    fired = {(r.shape, r.component) for r in reference}
    assert expected <= fired, sorted(expected - fired)


def test_mutation_corpus_same_results_as_pyshacl(shapes, mutated):
    graph, _mutations, reference = mutated
    fast = validate_store(graph_store(graph), compile_graph(shapes))
    assert len(reference) > len(declared_constraints(shapes))
    assert fast == reference  # focus, path, component, message, severity, value, shape


def test_build_reports_the_same_problems_as_the_reference(shapes, mutated, tmp_path):
    graph, _mutations, _reference = mutated
    sources = Sources(dataset=_dataset_of(graph))
    fast, reference = validate_sources(sources, shapes), validate_sources(sources, shapes, True)
    assert not fast.conforms and fast.problems == reference.problems
    assert fast.text() == reference.text()


def _dataset_of(graph: Graph):
    from rdflib import Dataset

    dataset = Dataset()
    target = dataset.graph(URIRef(BASE + "graph/mutated"))
    for triple in graph:
        target.add(triple)
    return dataset


def test_unsupported_feature_fails_loudly(shapes):
    extended = Graph()
    for triple in shapes:
        extended.add(triple)
    extended.add((URIRef("https://w3id.org/citynet/shapes#PersonShape-name"), SH.minLength,
                  __import__("rdflib").Literal(2)))
    with pytest.raises(UnsupportedShape, match="minLength"):
        compile_graph(extended)


def test_build_stops_on_an_unsupported_shape_with_one_line(tmp_path: Path):
    source_copy(tmp_path)
    with (tmp_path / "shapes" / "citynet.ttl").open("a", encoding="utf-8") as f:
        f.write("\ncnsh:PersonShape-name sh:minLength 2 .\n")
    settings = load_settings({"root": tmp_path})
    with pytest.raises(BuildFailed, match="minLength.*--reference"):
        check(settings)
    assert check(settings, reference=True).report.conforms  # pySHACL still evaluates it


SHAPE_TESTS = sorted(p for p in (PROJECT_ROOT / "tests" / "shapes").glob("test_shapes_*.py")
                     if "\nCASES = [" in p.read_text(encoding="utf-8"))


@pytest.mark.parametrize("module", SHAPE_TESTS, ids=lambda p: p.stem)
def test_rejecting_snippets_of_the_shape_tests_same_results_as_pyshacl(shapes, module):
    """The hand-written invalid graphs of tests/shapes/, all of one file at once."""
    import importlib.util

    from service.build.skolem import skolemize
    from tests.shapes.conftest import PREFIXES

    spec = importlib.util.spec_from_file_location(module.stem, module)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    graph = Graph()
    for path in sorted((PROJECT_ROOT / "ontology").glob("*.ttl")):
        graph.parse(path, format="turtle")
    for number, (_shape, _message, turtle) in enumerate(loaded.CASES):
        base = f"{BASE}case-{number}/"  # each snippet its own nodes: none repairs another
        snippet = Graph().parse(data=PREFIXES + turtle, format="turtle", publicID=base)
        for triple in skolemize(snippet, base):
            graph.add(triple)
    reference = report_results(reference_report(graph, shapes))
    assert len(reference) >= len(loaded.CASES)
    assert validate_store(graph_store(graph), compile_graph(shapes)) == reference
