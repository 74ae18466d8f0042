"""City (agent), place and country shapes, for the nodes the build makes from cities.csv."""

import pytest

COUNTRY = ('country:fi a schema:Country, dct:Location ; skos:notation "FI" ; '
           'rdfs:label "Finland"@en .\n')
PLACE = COUNTRY + """place:t a dct:Location, schema:City ; rdfs:label "Tampere"@en ;
    schema:containedInPlace country:fi .\n"""

CASES = [
    ("CityShape-englishLabel", "English", PLACE + """
        city:t a org:Organization, cv:PublicOrganisation ; skos:prefLabel "Tampere"@fi ;
            rdfs:label "Tampere"@fi ; dct:spatial place:t ."""),
    ("CityShape-label", "rdfs:label", PLACE + """
        city:t a org:Organization, cv:PublicOrganisation ; skos:prefLabel "Tampere"@en ;
            dct:spatial place:t ."""),
    ("CityShape-place", "place", """
        city:t a org:Organization, cv:PublicOrganisation ; skos:prefLabel "Tampere"@en ;
            rdfs:label "Tampere"@en ."""),
    ("PlaceShape-englishLabel", "English", COUNTRY + """
        place:t a dct:Location, schema:City ; rdfs:label "Tampere"@fi ;
            schema:containedInPlace country:fi ."""),
    ("PlaceShape-country", "country", 'place:t a dct:Location, schema:City ; '
     'rdfs:label "Tampere"@en .'),
    # a region (e.g. the Brussels-Capital Region) is checked as a place, not typed a city
    ("PlaceShape-country", "country", 'place:r a dct:Location, schema:AdministrativeArea ; '
     'rdfs:label "Brussels Capital Region"@en .'),
    ("PlaceShape-wikidata", "Wikidata", PLACE + "place:t schema:sameAs wd:Tampere ."),
    ("PlaceShape-wikidata", "Wikidata",
     PLACE + "place:t schema:sameAs <https://www.wikidata.org/wiki/Q40840> ."),
    ("PlaceShape-wikidata", "Wikidata", PLACE + "place:t schema:sameAs wd:Q040840 ."),
    ("PlaceShape-wikidata", "Wikidata", PLACE + 'place:t schema:sameAs "Q40840" .'),
    ("CountryShape-notation", "ISO 3166-1", 'country:el a schema:Country ; '
     'skos:notation "EL1" ; rdfs:label "Greece"@en .'),
    ("CountryShape-notation", "ISO 3166-1", 'country:gr a schema:Country ; '
     'rdfs:label "Greece"@en .'),
    ("CountryShape-label", "English", 'country:gr a schema:Country ; skos:notation "GR" .'),
]


@pytest.mark.parametrize(("shape", "message", "turtle"), CASES)
def test_shape_rejects_invalid_graph(rejected, shape, message, turtle):
    rejected(turtle, shape, message)


def test_valid_city_place_country(shape_violations):
    assert shape_violations(PLACE + """
        place:t schema:sameAs wd:Q40840 .
        city:t a org:Organization, cv:PublicOrganisation ; skos:prefLabel "Tampere"@en ;
            rdfs:label "Tampere"@en ; dct:spatial place:t .""") == []
