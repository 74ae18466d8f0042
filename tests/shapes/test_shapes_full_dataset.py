"""The whole curated dataset conforms, and every shape in shapes/ has a rejecting test."""

import re
from pathlib import Path

import cn_testdata
from rdflib import RDF, URIRef

SH = "http://www.w3.org/ns/shacl#"


def test_full_dataset_conforms():
    union = cn_testdata.validation_graph(cn_testdata.full_dataset())
    conforms, report, text = cn_testdata.validate(union)
    assert conforms, text


def test_full_dataset_has_every_graph_typed_and_derived():
    union = cn_testdata.validation_graph(cn_testdata.full_dataset())
    graphs = set(union.subjects(RDF.type, URIRef(cn_testdata.SD.NamedGraph)))
    names = {str(g).rsplit("/", 1)[-1] for g in graphs}
    assert names == {"seed-000", "seed-001", "seed-002", "seed-003", "seed-004",
                     "meta", "editorial", "cities", "vocabulary"}


def test_every_shape_has_a_rejecting_test():
    shapes = cn_testdata.shapes_graph()
    names = set()
    for kind in ("NodeShape", "PropertyShape"):
        for shape in shapes.subjects(RDF.type, URIRef(SH + kind)):
            names.add(str(shape).rsplit("#", 1)[-1])
    tested = set()
    for path in Path(__file__).parent.glob("test_shapes_*.py"):
        tested |= set(re.findall(r'\(\s*"([A-Za-z]+Shape(?:-[A-Za-z]+)?)"', path.read_text()))
    # a node shape counts as tested when it or one of its property shapes is
    untested = {n for n in names
                if n not in tested and not any(t.startswith(n + "-") for t in tested)}
    assert not untested, sorted(untested)
    property_shapes = {n for n in names if "-" in n}
    assert property_shapes <= tested, sorted(property_shapes - tested)
