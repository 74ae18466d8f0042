"""The cities table converter: what kind of place each row governs, and rows it refuses."""

from __future__ import annotations

import pytest
from rdflib import RDF, URIRef

from service.build.tables import CITY_COLUMNS, TableError, cities_to_graph

BASE = "http://127.0.0.1:8080/"
SCHEMA = "http://schema.org/"
HEADER = ",".join(CITY_COLUMNS) + "\n"


def test_a_region_is_an_administrative_area_not_a_city():
    graph = cities_to_graph(
        HEADER
        + "brussels-capital-region,Brussels Capital Region,Région de Bruxelles-Capitale,fr,BE,"
        "region,Q240,verified,\n"
        + "brussels,Brussels,Bruxelles,fr,BE,city,Q239,verified,\n",
        BASE,
    )
    region = URIRef(BASE + "id/place/brussels-capital-region")
    city = URIRef(BASE + "id/place/brussels")
    assert set(graph.objects(region, RDF.type)) == {
        URIRef(SCHEMA + "AdministrativeArea"), URIRef("http://purl.org/dc/terms/Location")}
    assert (city, RDF.type, URIRef(SCHEMA + "City")) in graph


@pytest.mark.parametrize("kind", ["", "town", "City"])
def test_an_unknown_place_kind_names_line_and_column(kind):
    with pytest.raises(TableError, match=r"line 2, column place_kind"):
        cities_to_graph(HEADER + f"bonn,Bonn,Bonn,de,DE,{kind},Q586,verified,\n", BASE)


def test_the_old_header_without_place_kind_is_refused():
    old = "slug,name_en,name_local,lang,country,wikidata,wikidata_status,note\n"
    with pytest.raises(TableError, match="expected columns"):
        cities_to_graph(old + "bonn,Bonn,Bonn,de,DE,Q586,verified,\n", BASE)
