"""Load the curated data files the way the build does, for the data and shape tests.

Every ``data/<name>.ttl`` (or folder ``data/<name>/``) becomes the named graph
``{BASE}graph/<name>``; relative IRIs resolve against ``BASE``. ``data/cities/cities.csv`` is
turned into RDF by :func:`cities_graph`, a small stand-in for the build's converter.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import pyshacl
from rdflib import RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

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

COUNTRIES = {
    "AT": "Austria", "BE": "Belgium", "CH": "Switzerland", "CZ": "Czechia", "DE": "Germany",
    "DK": "Denmark", "ES": "Spain", "FI": "Finland", "FR": "France", "GB": "United Kingdom",
    "GR": "Greece", "IE": "Ireland", "IT": "Italy", "LT": "Lithuania", "LV": "Latvia",
    "NL": "Netherlands", "NO": "Norway", "PL": "Poland", "PT": "Portugal", "SE": "Sweden",
    "SI": "Slovenia",
}

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


def cities_graph(path: Path, base: str = BASE) -> Graph:
    """The city agent, place and country nodes for each row of the cities table."""
    graph = Graph()
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            slug, cc = row["slug"], row["country"]
            city = URIRef(f"{base}id/city/{slug}")
            place = URIRef(f"{base}id/place/{slug}")
            country = URIRef(f"{base}id/country/{cc.lower()}")
            names = [Literal(row["name_en"], lang="en")]
            if row["name_local"]:
                names.append(Literal(row["name_local"], lang=row["lang"]))
            graph.add((city, RDF.type, ORG.Organization))
            graph.add((city, RDF.type, CV.PublicOrganisation))
            graph.add((city, RDFS.label, names[0]))
            graph.add((city, DCTERMS.spatial, place))
            graph.add((place, RDF.type, DCTERMS.Location))
            graph.add((place, RDF.type, SCHEMA.City))
            graph.add((place, SCHEMA.containedInPlace, country))
            for name in names:
                graph.add((city, SKOS.prefLabel, name))
                graph.add((place, RDFS.label, name))
            if row["wikidata"]:
                graph.add((place, SCHEMA.sameAs, WD[row["wikidata"]]))
            if row["note"]:
                graph.add((place, SKOS.editorialNote, Literal(row["note"], lang="en")))
            graph.add((country, RDF.type, SCHEMA.Country))
            graph.add((country, RDF.type, DCTERMS.Location))
            graph.add((country, SKOS.notation, Literal(cc)))
            graph.add((country, RDFS.label, Literal(COUNTRIES.get(cc, cc), lang="en")))
    return graph


def source_units() -> list[tuple[str, list[Path]]]:
    units = []
    for entry in sorted(DATA.iterdir()):
        if entry.is_dir():
            files = sorted(p for p in entry.iterdir() if p.suffix in {".ttl", ".csv"})
            if files:
                units.append((entry.name, files))
        elif entry.suffix in {".ttl", ".csv"}:
            units.append((entry.stem, [entry]))
    return units


def load_dataset(base: str = BASE) -> Dataset:
    """All data files as named graphs (the default graph stays empty)."""
    dataset = Dataset()
    for name, files in source_units():
        graph = dataset.graph(URIRef(f"{base}graph/{name}"))
        for path in files:
            if path.suffix == ".csv":
                graph += cities_graph(path, base)
            else:
                graph.parse(path, format="turtle", publicID=base)
    return dataset


def ontology_graph() -> Graph:
    graph = Graph()
    for path in sorted(ONTOLOGY.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def shapes_graph() -> Graph:
    graph = Graph()
    for path in sorted(SHAPES.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def validation_graph(dataset: Dataset) -> Graph:
    """Union of all graphs + ontology + one ``sd:NamedGraph`` typing per graph name."""
    union = Graph()
    for graph in dataset.graphs():
        if graph.identifier == URIRef("urn:x-rdflib:default"):
            continue
        union += graph
        union.add((graph.identifier, RDF.type, SD.NamedGraph))
    union += ontology_graph()
    return union


@lru_cache(maxsize=1)
def full_dataset() -> Dataset:
    return load_dataset()


def validate(data: Graph) -> tuple[bool, Graph, str]:
    conforms, report, text = pyshacl.validate(
        data, shacl_graph=shapes_graph(), ont_graph=ontology_graph(), advanced=True,
        allow_warnings=False,
    )
    return bool(conforms), report, str(text)


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
