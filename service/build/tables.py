"""Converters from the long tables in ``data/`` (CSV) to RDF, one per table file name.

Tables are easier to edit than Turtle for row-shaped facts. Each converter is a pure
function: CSV text and base IRI in, pyoxigraph triples out; a bad row raises :class:`TableError` naming
the line and column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator

import pyoxigraph as ox
from rdflib import Graph

from service.namespaces import PREFIXES, term, thing_iri

CITY_COLUMNS = ("slug", "name_en", "name_local", "lang", "country", "place_kind", "wikidata",
                "wikidata_status", "note")

#: What the governed place is: a city, or a region (e.g. the Brussels-Capital Region), which
#: must not be typed as a city.
PLACE_CLASSES = {"city": "City", "region": "AdministrativeArea"}

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


A = term("rdf", "type")


def _check(ok: bool, line: int, column: str, message: str) -> None:
    if not ok:
        raise TableError(f"line {line}, column {column}: {message}")


def city_rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each row of a cities table, whose header must be exact."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != CITY_COLUMNS:
        raise TableError(f"line 1: expected columns {','.join(CITY_COLUMNS)}")
    yield from enumerate(reader, start=2)


def cities_to_triples(text: str, base: str) -> list[ox.Triple]:
    """Each row: the city as an agent (municipal authority), its place, and the place's country.

    The place is a ``schema:City`` or, for a region, a ``schema:AdministrativeArea``."""
    return [t for line, row in city_rows(text) for t in city_triples(row, line, base)]


def cities_to_graph(text: str, base: str) -> Graph:
    """:func:`cities_to_triples` as an rdflib graph (for the reference build and imports)."""
    graph = Graph()
    for line, row in city_rows(text):
        add_city(graph, row, line, base)
    return graph


def add_city(graph: Graph, row: dict[str, str], line: int, base: str) -> None:
    """Check one city row (raising :class:`TableError` naming ``line``) and add its triples to
    an rdflib graph (``citynet import`` plans in rdflib)."""
    graph.parse(data=ox.serialize(city_triples(row, line, base), format=ox.RdfFormat.N_TRIPLES),
                format="nt")


def city_triples(row: dict[str, str], line: int, base: str) -> list[ox.Triple]:
    """Check one city row (raising :class:`TableError` naming ``line``) and return its triples.

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
    city = ox.NamedNode(thing_iri(base, "city", slug))
    place = ox.NamedNode(thing_iri(base, "place", slug))
    country = ox.NamedNode(thing_iri(base, "country", cc.lower()))
    names = [ox.Literal(row["name_en"], language="en")]
    if name_local:
        names.append(ox.Literal(name_local, language=lang))
    t = [
        ox.Triple(city, A, term("org", "Organization")),
        ox.Triple(city, A, term("cv", "PublicOrganisation")),
        ox.Triple(city, term("rdfs", "label"), names[0]),
        ox.Triple(city, term("dct", "spatial"), place),
        ox.Triple(place, A, term("dct", "Location")),
        ox.Triple(place, A, term("schema", PLACE_CLASSES[place_kind])),
        ox.Triple(place, term("schema", "containedInPlace"), country),
    ]
    for name in names:
        t += [ox.Triple(city, term("skos", "prefLabel"), name),
              ox.Triple(place, term("rdfs", "label"), name)]
    if qid:
        t.append(ox.Triple(place, term("schema", "sameAs"), ox.NamedNode(PREFIXES["wd"] + qid)))
    if note:
        t.append(ox.Triple(place, term("skos", "editorialNote"), ox.Literal(note, language="en")))
    t += [
        ox.Triple(country, A, term("schema", "Country")),
        ox.Triple(country, A, term("dct", "Location")),
        ox.Triple(country, term("skos", "notation"), ox.Literal(cc)),
        ox.Triple(country, term("rdfs", "label"), ox.Literal(COUNTRIES[cc], language="en")),
    ]
    return t


#: Table file name -> converter to triples (the build); the rdflib variant for the reference.
TABLE_CONVERTERS: dict[str, Callable[[str, str], list[ox.Triple]]] = {
    "cities.csv": cities_to_triples}
REFERENCE_CONVERTERS: dict[str, Callable[[str, str], Graph]] = {"cities.csv": cities_to_graph}
