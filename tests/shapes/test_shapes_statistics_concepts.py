"""Declared-statistic, declared-position, SKOS concept, concept-scheme and role shapes."""

import pytest

SOURCE = """source:s a foaf:Document ; dct:title "S"@en ; dct:identifier "s.txt" .
network:n a org:FormalOrganization, org:Organization ; skos:prefLabel "N"@en ;
    cn:declaredStatistic statistic:x .
"""


def stat(body: str) -> str:
    return SOURCE + f"statistic:x a cn:DeclaredStatistic, schema:PropertyValue ; {body} ."


FULL = ('schema:propertyID "cities" ; schema:value 190 ; schema:description "190 cities"@en ; '
        "prov:wasDerivedFrom source:s")

POSITION = ('rdfs:label "cities in EU decision making"@en ; '
            'schema:description "cities must be included directly"@en ; '
            "prov:wasDerivedFrom source:s")


def position(body: str, holder: str = "network:n cn:declaredPosition position:p .") -> str:
    return (SOURCE + holder + "\n"
            + f"<id/position/p> a cn:DeclaredPosition ; {body} .").replace("position:p", "<id/position/p>")


def without(prop: str) -> str:
    return " ; ".join(part for part in POSITION.split(" ; ") if not part.startswith(prop))


CASES = [
    ("PositionShape-label", "rdfs:label", position(without("rdfs:label"))),
    ("PositionShape-wording", "wording", position(without("schema:description"))),
    ("PositionShape-source", "source document", position(without("prov:wasDerivedFrom"))),
    ("PositionShape-source", "source document",
     position(POSITION.replace("source:s", "network:n"))),
    ("PositionShape-holder", "held by an organisation", position(POSITION, holder="")),
    ("PositionShape-holder", "held by an organisation",
     position(POSITION, holder='topic:t cn:declaredPosition position:p .')),
    ("StatisticShape-type", "schema:PropertyValue",
     SOURCE + f"statistic:x a cn:DeclaredStatistic ; {FULL} ."),
    ("StatisticShape-wording", "wording", stat(
        'schema:propertyID "cities" ; schema:value 190 ; prov:wasDerivedFrom source:s')),
    ("StatisticShape-propertyID", "propertyID", stat(
        'schema:value 190 ; schema:description "d"@en ; prov:wasDerivedFrom source:s')),
    ("StatisticShape-source", "source document", stat(
        'schema:propertyID "c" ; schema:value 190 ; schema:description "d"@en')),
    ("StatisticShape-subject", "declared about", FULL.join([
        'source:s a foaf:Document ; dct:title "S"@en ; dct:identifier "s.txt" .\n'
        "statistic:x a cn:DeclaredStatistic, schema:PropertyValue ; ", " ."])),
    ("StatisticValueShape", "schema:value or a schema:minValue", stat(
        'schema:propertyID "c" ; schema:description "d"@en ; prov:wasDerivedFrom source:s')),
    ("ConceptShape-label", "prefLabel", """topic:s a skos:ConceptScheme ; dct:title "S"@en .
        topic:c a skos:Concept ; skos:inScheme topic:s ."""),
    ("ConceptShape-label", "prefLabel", """topic:s a skos:ConceptScheme ; dct:title "S"@en .
        topic:c a skos:Concept ; skos:inScheme topic:s ; skos:prefLabel "a"@en, "b"@en ."""),
    ("ConceptShape-scheme", "inScheme", 'topic:c a skos:Concept ; skos:prefLabel "c"@en .'),
    ("ConceptSchemeShape-title", "dct:title", "topic:s a skos:ConceptScheme ."),
    ("RoleShape-definition", "definition", """cn:x-role a org:Role, skos:Concept ;
        skos:prefLabel "x"@en ; skos:inScheme cn:roles ."""),
    ("RoleShape-label", "prefLabel", 'topic:r a org:Role ; skos:definition "d"@en .'),
]


@pytest.mark.parametrize(("shape", "message", "turtle"), CASES)
def test_shape_rejects_invalid_graph(rejected, shape, message, turtle):
    rejected(turtle, shape, message)


def test_complete_statistic_is_valid(shape_violations):
    assert shape_violations(stat(FULL)) == []


def test_complete_position_is_valid(shape_violations):
    assert shape_violations(position(POSITION)) == []
