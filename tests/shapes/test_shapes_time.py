"""Period and instant shapes (OWL-Time), including end-before-start for every precision."""

import pytest


def period(begin: str, end: str) -> str:
    return f"""period:p a time:ProperInterval ; rdfs:label "p"@en ;
        time:hasBeginning [ a time:Instant ; {begin} ] ;
        time:hasEnd [ a time:Instant ; {end} ] ."""


CASES = [
    ("PeriodShape-label", "rdfs:label", """period:p a time:ProperInterval ;
        time:hasEnd [ a time:Instant ; time:inXSDgYear "2014"^^xsd:gYear ] ."""),
    ("PeriodShape-beginning", "hasBeginning", """period:p a time:ProperInterval ;
        rdfs:label "p"@en ;
        time:hasBeginning [ a time:Instant ; time:inXSDgYear "2014"^^xsd:gYear ] ,
                          [ a time:Instant ; time:inXSDgYear "2013"^^xsd:gYear ] ."""),
    ("PeriodShape-end", "hasEnd", """period:p a time:ProperInterval ; rdfs:label "p"@en ;
        time:hasEnd "2014" ."""),
    ("PeriodBoundShape", "at least", 'period:p a time:ProperInterval ; rdfs:label "p"@en .'),
    ("PeriodOrderShape", "before it begins", period(
        'time:inXSDDate "2014-01-02"^^xsd:date', 'time:inXSDDate "2014-01-01"^^xsd:date')),
    ("PeriodOrderShape", "before it begins", period(
        'time:inXSDgYear "2014"^^xsd:gYear', 'time:inXSDgYear "2013"^^xsd:gYear')),
    ("PeriodOrderShape", "before it begins", period(
        'time:inXSDgYearMonth "2014-05"^^xsd:gYearMonth',
        'time:inXSDgYearMonth "2014-04"^^xsd:gYearMonth')),
    ("PeriodOrderShape", "before it begins", period(
        'time:inXSDgYear "2014"^^xsd:gYear', 'time:inXSDDate "2013-12-31"^^xsd:date')),
    ("PeriodOrderShape", "before it begins", period(
        'time:inXSDDate "2014-06-01"^^xsd:date', 'time:inXSDgYearMonth "2014-05"^^xsd:gYearMonth')),
    ("InstantShape", "exactly one", 'period:i a time:Instant .'),
    ("InstantShape", "exactly one", 'period:i a time:Instant ; '
     'time:inXSDgYear "2014"^^xsd:gYear ; time:inXSDDate "2014-01-01"^^xsd:date .'),
    ("InstantShape-date", "xsd:date", 'period:i a time:Instant ; time:inXSDDate "2014-01-01" .'),
    ("InstantShape-gYearMonth", "xsd:gYearMonth",
     'period:i a time:Instant ; time:inXSDgYearMonth "2014-05"^^xsd:date .'),
    ("InstantShape-gYear", "xsd:gYear", 'period:i a time:Instant ; time:inXSDgYear 2014 .'),
]


@pytest.mark.parametrize(("shape", "message", "turtle"), CASES)
def test_shape_rejects_invalid_graph(rejected, shape, message, turtle):
    rejected(turtle, shape, message)


@pytest.mark.parametrize(("begin", "end"), [
    ('time:inXSDgYear "2014"^^xsd:gYear', 'time:inXSDgYear "2014"^^xsd:gYear'),
    ('time:inXSDgYearMonth "2014-05"^^xsd:gYearMonth',
     'time:inXSDgYearMonth "2014-05"^^xsd:gYearMonth'),
    ('time:inXSDgYear "2014"^^xsd:gYear', 'time:inXSDDate "2014-03-31"^^xsd:date'),
    ('time:inXSDDate "2014-01-01"^^xsd:date', 'time:inXSDgYear "2014"^^xsd:gYear'),
])
def test_period_of_same_precision_or_overlap_is_valid(shape_violations, begin, end):
    assert shape_violations(period(begin, end)) == []
