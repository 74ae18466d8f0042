"""The curated sources read and validated by the build's own functions, for the data and
shape tests."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rdflib import RDF, Dataset, Graph, Namespace, URIRef

from service.build.sources import Sources, load_sources
from service.build.sources import validation_graph as build_validation_graph
from service.build.validate import load_shapes, validate_graph

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
ONTOLOGY = REPO / "ontology"
SHAPES = REPO / "shapes"
SHARED = REPO.parent / "shared"
BASE = "http://127.0.0.1:8080/"

ORG = Namespace("http://www.w3.org/ns/org#")
CV = Namespace("http://data.europa.eu/m8g/")
SCHEMA = Namespace("http://schema.org/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SH = Namespace("http://www.w3.org/ns/shacl#")
CNSH = Namespace("https://w3id.org/citynet/shapes#")
WD = Namespace("http://www.wikidata.org/entity/")

PREFIXES = """
PREFIX cn: <https://w3id.org/citynet/def#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX schema: <http://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
PREFIX network: <http://127.0.0.1:8080/id/network/>
PREFIX forum: <http://127.0.0.1:8080/id/forum/>
PREFIX community: <http://127.0.0.1:8080/id/community/>
PREFIX group: <http://127.0.0.1:8080/id/group/>
PREFIX city: <http://127.0.0.1:8080/id/city/>
PREFIX place: <http://127.0.0.1:8080/id/place/>
PREFIX country: <http://127.0.0.1:8080/id/country/>
PREFIX person: <http://127.0.0.1:8080/id/person/>
PREFIX membership: <http://127.0.0.1:8080/id/membership/>
PREFIX post: <http://127.0.0.1:8080/id/post/>
PREFIX site: <http://127.0.0.1:8080/id/site/>
PREFIX charter: <http://127.0.0.1:8080/id/charter/>
PREFIX project: <http://127.0.0.1:8080/id/project/>
PREFIX event: <http://127.0.0.1:8080/id/event/>
PREFIX workplan: <http://127.0.0.1:8080/id/workplan/>
PREFIX objective: <http://127.0.0.1:8080/id/objective/>
PREFIX output: <http://127.0.0.1:8080/id/output/>
PREFIX action: <http://127.0.0.1:8080/id/action/>
PREFIX statistic: <http://127.0.0.1:8080/id/statistic/>
PREFIX period: <http://127.0.0.1:8080/id/period/>
PREFIX topic: <http://127.0.0.1:8080/id/topic/>
PREFIX source: <http://127.0.0.1:8080/id/source/>
PREFIX dataset: <http://127.0.0.1:8080/id/dataset/>
PREFIX graph: <http://127.0.0.1:8080/graph/>
"""


def thing(kind: str, slug: str) -> URIRef:
    return URIRef(f"{BASE}id/{kind}/{slug}")


def ontology_graph() -> Graph:
    graph = Graph()
    for path in sorted(ONTOLOGY.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def shapes_graph() -> Graph:
    return load_shapes(SHAPES)


@lru_cache(maxsize=1)
def full_dataset() -> Dataset:
    """All sources as the build reads them (named graphs, relative IRIs against BASE)."""
    return load_sources(DATA, ONTOLOGY, BASE).dataset


def validation_graph(dataset: Dataset) -> Graph:
    """What the build validates: the union of all graphs plus the graph-name markers."""
    return build_validation_graph(Sources(dataset=dataset))


def validate(data: Graph) -> tuple[bool, Graph, str]:
    report = validate_graph(data, shapes_graph(), ontology_graph())
    return not results(report), report, report.serialize(format="turtle")


def results(report: Graph) -> list[dict[str, str]]:
    """Each validation result as {focus, shape, message, path}."""
    rows = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        rows.append({
            "focus": str(report.value(result, SH.focusNode)),
            "shape": str(report.value(result, SH.sourceShape)),
            "message": str(report.value(result, SH.resultMessage)),
            "path": str(report.value(result, SH.resultPath)),
        })
    return rows
