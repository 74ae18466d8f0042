"""Shape tests: small invalid graphs, each rejected by the shape it targets."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))

import cn_testdata  # noqa: E402

PREFIXES = """
@prefix cn:     <https://w3id.org/citynet/def#> .
@prefix org:    <http://www.w3.org/ns/org#> .
@prefix skos:   <http://www.w3.org/2004/02/skos/core#> .
@prefix dct:    <http://purl.org/dc/terms/> .
@prefix foaf:   <http://xmlns.com/foaf/0.1/> .
@prefix schema: <http://schema.org/> .
@prefix prov:   <http://www.w3.org/ns/prov#> .
@prefix time:   <http://www.w3.org/2006/time#> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
@prefix owl:    <http://www.w3.org/2002/07/owl#> .
@prefix dcat:   <http://www.w3.org/ns/dcat#> .
@prefix cv:     <http://data.europa.eu/m8g/> .
@prefix sd:     <http://www.w3.org/ns/sparql-service-description#> .
@prefix wd:     <http://www.wikidata.org/entity/> .
@prefix network: <id/network/> .
@prefix forum: <id/forum/> .
@prefix community: <id/community/> .
@prefix group: <id/group/> .
@prefix city: <id/city/> .
@prefix place: <id/place/> .
@prefix country: <id/country/> .
@prefix person: <id/person/> .
@prefix membership: <id/membership/> .
@prefix post: <id/post/> .
@prefix site: <id/site/> .
@prefix charter: <id/charter/> .
@prefix project: <id/project/> .
@prefix event: <id/event/> .
@prefix workplan: <id/workplan/> .
@prefix objective: <id/objective/> .
@prefix output: <id/output/> .
@prefix action: <id/action/> .
@prefix statistic: <id/statistic/> .
@prefix period: <id/period/> .
@prefix topic: <id/topic/> .
@prefix source: <id/source/> .
@prefix dataset: <id/dataset/> .
"""

SHAPES_NS = "https://w3id.org/citynet/shapes#"


def violations(turtle: str) -> list[dict[str, str]]:
    """Validate a Turtle snippet (plus the vocabulary) and return its results."""
    from rdflib import Graph

    graph = Graph().parse(data=PREFIXES + turtle, format="turtle", publicID=cn_testdata.BASE)
    conforms, report, _ = cn_testdata.validate(graph)
    found = cn_testdata.results(report)
    assert conforms == (not found)
    return found


def assert_rejected(turtle: str, shape: str, message_part: str) -> None:
    """The snippet must fail with a result from ``shape`` whose message contains the text."""
    found = violations(turtle)
    shape_iri = SHAPES_NS + shape
    hits = [r for r in found if r["shape"] == shape_iri]
    assert hits, f"{shape} did not fire; results: {found}"
    assert any(message_part in r["message"] for r in hits), hits


@pytest.fixture
def rejected():
    return assert_rejected


@pytest.fixture
def shape_violations():
    return violations
