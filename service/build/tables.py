"""Converters from the long tables in ``data/`` (CSV) to RDF, one per table file name.

Tables are easier to edit than Turtle for row-shaped facts. Each converter is a pure
function: CSV text and base IRI in, graph out; a bad row raises :class:`TableError` naming
the line and column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from service.namespaces import PREFIXES, thing_iri

ORG = Namespace(PREFIXES["org"])
CV = Namespace(PREFIXES["cv"])
SCHEMA = Namespace(PREFIXES["schema"])
WIKIDATA = Namespace(PREFIXES["wd"])

CITY_COLUMNS = ("slug", "name_en", "name_local", "lang", "country", "place_kind", "wikidata",
                "wikidata_status", "note")

#: What the governed place is: a city, or a region (e.g. the Brussels-Capital Region), which
#: must not be typed as a city.
PLACE_CLASSES = {"city": SCHEMA.City, "region": SCHEMA.AdministrativeArea}

#: ISO 3166-1 alpha-2 code -> English short name, for the countries the data uses.
COUNTRIES = {
    "AT": "Austria", "BE": "Belgium", "CH": "Switzerland", "CZ": "Czechia", "DE": "Germany",
    "DK": "Denmark", "ES": "Spain", "FI": "Finland", "FR": "France", "GB": "United Kingdom",
    "GR": "Greece", "IE": "Ireland", "IT": "Italy", "LT": "Lithuania", "LV": "Latvia",
    "NL": "Netherlands", "NO": "Norway", "PL": "Poland", "PT": "Portugal", "SE": "Sweden",
    "SI": "Slovenia",
}

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_QID = re.compile(r"^Q[1-9][0-9]*$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


class TableError(ValueError):
    """A table row that cannot become RDF."""


def _check(ok: bool, line: int, column: str, message: str) -> None:
    if not ok:
        raise TableError(f"line {line}, column {column}: {message}")


def cities_to_graph(text: str, base: str) -> Graph:
    """Each row: the city as an agent (municipal authority), its place, and the place's country.

    The place is a ``schema:City`` or, for a region, a ``schema:AdministrativeArea``."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != CITY_COLUMNS:
        raise TableError(f"line 1: expected columns {','.join(CITY_COLUMNS)}")
    graph = Graph()
    for line, row in enumerate(reader, start=2):
        add_city(graph, row, line, base)
    return graph


def add_city(graph: Graph, row: dict[str, str], line: int, base: str) -> None:
    """Check one city row (raising :class:`TableError` naming ``line``) and add its triples.

    Shared by the ``data/cities/cities.csv`` converter and ``citynet import``."""
    slug, cc, qid, lang = (row.get(k) or "" for k in ("slug", "country", "wikidata", "lang"))
    name_local, place_kind, note = (row.get(k) or "" for k in ("name_local", "place_kind", "note"))
    _check(bool(_SLUG.match(slug)), line, "slug", f"not a lowercase slug: {slug!r}")
    _check(bool(row.get("name_en")), line, "name_en", "an English name is required")
    _check(cc in COUNTRIES, line, "country", f"not a known ISO 3166-1 alpha-2 code: {cc!r}")
    _check(place_kind in PLACE_CLASSES, line, "place_kind",
           f"expected one of {', '.join(PLACE_CLASSES)}: {place_kind!r}")
    _check(not qid or bool(_QID.match(qid)), line, "wikidata", f"not a Wikidata QID: {qid!r}")
    _check(not name_local or bool(_LANG.match(lang)), line, "lang",
           f"not a language tag: {lang!r}")
    city = URIRef(thing_iri(base, "city", slug))
    place = URIRef(thing_iri(base, "place", slug))
    country = URIRef(thing_iri(base, "country", cc.lower()))
    names = [Literal(row["name_en"], lang="en")]
    if name_local:
        names.append(Literal(name_local, lang=lang))
    graph.add((city, RDF.type, ORG.Organization))
    graph.add((city, RDF.type, CV.PublicOrganisation))
    graph.add((city, RDFS.label, names[0]))
    graph.add((city, DCTERMS.spatial, place))
    graph.add((place, RDF.type, DCTERMS.Location))
    graph.add((place, RDF.type, PLACE_CLASSES[place_kind]))
    graph.add((place, SCHEMA.containedInPlace, country))
    for name in names:
        graph.add((city, SKOS.prefLabel, name))
        graph.add((place, RDFS.label, name))
    if qid:
        graph.add((place, SCHEMA.sameAs, WIKIDATA[qid]))
    if note:
        graph.add((place, SKOS.editorialNote, Literal(note, lang="en")))
    graph.add((country, RDF.type, SCHEMA.Country))
    graph.add((country, RDF.type, DCTERMS.Location))
    graph.add((country, SKOS.notation, Literal(cc)))
    graph.add((country, RDFS.label, Literal(COUNTRIES[cc], lang="en")))


TABLE_CONVERTERS: dict[str, Callable[[str, str], Graph]] = {"cities.csv": cities_to_graph}
