"""Project, funding, event, tender, document, format, source, named-graph, dataset, agent
and editorial-label shapes."""

import pytest

DOC = 'source:s a foaf:Document ; dct:title "S"@en ; dct:identifier "s.txt" .\n'
NETWORK = 'network:n a org:FormalOrganization, org:Organization ; skos:prefLabel "N"@en .\n'
PUBLISHER = 'dataset:p a foaf:Agent ; foaf:name "P"@en .\n'


def dataset(body: str) -> str:
    return PUBLISHER + f"dataset:d a dcat:Dataset ; {body} ."


DATASET = ('dct:title "D"@en ; dct:description "D"@en ; dct:publisher dataset:p ; '
           "dct:license <https://creativecommons.org/licenses/by/4.0/> ; "
           'dct:issued "2026-11-23"^^xsd:date ; dct:modified "2026-11-23"^^xsd:date ; '
           'owl:versionInfo "1.0.0"')


def without(prop: str) -> str:
    return "; ".join(part for part in DATASET.split("; ") if not part.startswith(prop))


CASES = [
    ("ProjectShape-temporal", "time:ProperInterval", """project:p a org:OrganizationalCollaboration,
        org:Organization ; skos:prefLabel "P"@en ; dct:temporal "2012-2014" ."""),
    ("FundingSchemeShape-label", "prefLabel", "project:f a schema:FundingScheme ."),
    ("FundingSchemeShape-temporal", "period", 'project:f a schema:FundingScheme ; '
     'skos:prefLabel "F"@en .'),
    ("EventShape-name", "schema:name", "event:e a schema:Event ."),
    ("EventShape-start", "startDate", 'event:e a schema:Event ; schema:name "E"@en ; '
     'schema:startDate "9-10 September 2013" .'),
    ("EventShape-end", "endDate", 'event:e a schema:Event ; schema:name "E"@en ; '
     'schema:endDate "2013-09-10"^^xsd:date, "2013-09-11"^^xsd:date .'),
    ("EventShape-location", "dct:Location", NETWORK + 'event:e a schema:Event ; '
     'schema:name "E"@en ; schema:location network:n .'),
    ("EventShape", "before it starts", 'event:e a schema:Event ; schema:name "E"@en ; '
     'schema:startDate "2013-09-10"^^xsd:date ; schema:endDate "2013-09-09"^^xsd:date .'),
    ("DemandShape-name", "schema:name", NETWORK + "action:t a schema:Demand ; "
     "dct:publisher network:n ."),
    ("DemandShape-publisher", "publisher", 'action:t a schema:Demand ; schema:name "T"@en .'),
    ("DocumentShape-title", "dct:title", "source:x a foaf:Document ."),
    ("FormatShape-iana", "IANA", DOC + 'source:s dct:format "text/plain" .'),
    ("FormatShape-iana", "IANA",
     DOC + "source:s dct:format <https://www.iana.org/assignments/media-types/text/plain> ."),
    ("FormatShape-iana", "IANA", DOC + "source:s dct:format "
     "<http://publications.europa.eu/resource/authority/file-type/TXT> ."),
    ("SourceShape-type", "foaf:Document", 'source:x dct:title "X"@en ; dct:identifier "x" .\n'
     "statistic:s prov:wasDerivedFrom source:x ."),
    ("SourceShape-identifier", "sha256", DOC + 'source:s dct:identifier "sha256:XYZ" .\n'
     "statistic:s prov:wasDerivedFrom source:s ."),
    # a fact outside a source graph: a named graph that says nothing of its source
    ("NamedGraphShape-source", "prov:wasDerivedFrom", "<graph/seed-009> a sd:NamedGraph ."),
    ("NamedGraphShape-source", "prov:wasDerivedFrom", "<graph/seed-009> a sd:NamedGraph ; "
     "prov:wasDerivedFrom network:x .\nnetwork:x a org:Organization ; "
     'skos:prefLabel "X"@en .'),
    ("DatasetShape-title", "dct:title", dataset(without("dct:title"))),
    ("DatasetShape-description", "dct:description", dataset(without("dct:description"))),
    ("DatasetShape-publisher", "publisher", dataset(without("dct:publisher"))),
    ("DatasetShape-license", "license", dataset(without("dct:license"))),
    ("DatasetShape-issued", "issued", dataset(without("dct:issued"))),
    ("DatasetShape-modified", "modified", dataset(without("dct:modified"))),
    ("DatasetShape-version", "versionInfo", dataset(without("owl:versionInfo"))),
    ("AgentShape-name", "foaf:name", "dataset:p a foaf:Agent ."),
    ("EditorialLabelShape-note", "editorialNote",
     NETWORK + "network:n cn:hasEditorialLabel true ."),
    ("EditorialLabelShape-flag", "xsd:boolean", NETWORK + """network:n cn:hasEditorialLabel "yes" ;
        skos:editorialNote "Title missing in the source."@en ."""),
]


@pytest.mark.parametrize(("shape", "message", "turtle"), CASES)
def test_shape_rejects_invalid_graph(rejected, shape, message, turtle):
    rejected(turtle, shape, message)


def test_iana_format_is_valid(shape_violations):
    iana = "<http://www.iana.org/assignments/media-types/text/plain>"
    assert shape_violations(DOC + f"source:s dct:format {iana} .") == []


def test_complete_dataset_and_graph_are_valid(shape_violations):
    graph = "<graph/seed-009> a sd:NamedGraph ; prov:wasDerivedFrom source:s ."
    assert shape_violations(dataset(DATASET) + "\n" + DOC + graph) == []
