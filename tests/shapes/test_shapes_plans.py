"""Charter, signature, plan, workplan, objective, output and action shapes."""

import pytest

BASE = """
network:n a org:FormalOrganization, org:Organization ; skos:prefLabel "N"@en .
group:g a org:OrganizationalUnit, org:Organization ; skos:prefLabel "G"@en ;
    dct:description "remit"@en ; org:unitOf network:n .
period:p a time:ProperInterval ; rdfs:label "2014"@en ;
    time:hasBeginning [ a time:Instant ; time:inXSDgYear "2014"^^xsd:gYear ] .
charter:c a cn:Charter, foaf:Document ; dct:title "C"@en ; dct:publisher network:n .
workplan:w a cn:Workplan, prov:Plan, foaf:Document ; dct:title "W"@en ;
    dct:subject group:g ; dct:temporal period:p ; dct:hasPart objective:o .
objective:o a cn:Objective ; rdfs:label "O"@en ; dct:isPartOf workplan:w .
"""

CASES = [
    ("CharterShape-title", "dct:title",
     BASE + "charter:x a cn:Charter ; dct:publisher network:n ."),
    ("CharterShape-issued", "dct:issued", BASE + 'charter:c dct:issued "2010", "2011" .'),
    ("CharterShape-publisher", "publisher", 'charter:x a cn:Charter ; dct:title "X"@en .'),
    ("CharterSignatureShape-signatory", "signatory", BASE + """
        action:s a cn:CharterSignature ; cn:signed charter:c ."""),
    ("CharterSignatureShape-signatory", "signatory", BASE + """
        action:s a cn:CharterSignature ; cn:signed charter:c ; cn:signatory place:x ."""),
    ("CharterSignatureShape-charter", "cn:signed", BASE + """
        action:s a cn:CharterSignature ; cn:signatory network:n ."""),
    ("PlanShape-title", "dct:title", BASE + "workplan:x a prov:Plan ; dct:hasPart objective:o ."),
    ("PlanShape-parts", "dct:hasPart", BASE + 'workplan:x a prov:Plan ; dct:title "X"@en .'),
    ("PlanShape-temporal", "dct:temporal", BASE + 'workplan:w dct:temporal "2014" .'),
    ("WorkplanShape-temporal", "dct:temporal", BASE + """
        workplan:x a cn:Workplan, prov:Plan, foaf:Document ; dct:title "X"@en ;
            dct:subject group:g ; dct:hasPart objective:o ."""),
    ("WorkplanShape-subject", "dct:subject", BASE + """
        workplan:x a cn:Workplan, prov:Plan, foaf:Document ; dct:title "X"@en ;
            dct:temporal period:p ; dct:hasPart objective:o ."""),
    ("ObjectiveShape-label", "rdfs:label",
     BASE + "objective:x a cn:Objective ; dct:isPartOf workplan:w ."),
    ("ObjectiveShape-plan", "prov:Plan", BASE + 'objective:x a cn:Objective ; rdfs:label "X"@en .'),
    ("ObjectiveShape-position", "schema:position", BASE + 'objective:o schema:position "1" .'),
    ("ExpectedOutputShape-label", "rdfs:label", BASE + """
        output:x a cn:ExpectedOutput ; dct:isPartOf workplan:w ."""),
    ("ExpectedOutputShape-plan", "cn:Workplan", BASE + """
        output:x a cn:ExpectedOutput ; rdfs:label "X"@en ; dct:isPartOf charter:c ."""),
    ("ExpectedOutputShape-due", "cn:due", BASE + """
        output:x a cn:ExpectedOutput ; rdfs:label "X"@en ; dct:isPartOf workplan:w ;
            cn:due "1Q 2014" ."""),
    ("ActionShape-label", "rdfs:label", BASE + """
        action:x a cn:Action ; dct:isPartOf workplan:w ; dct:type cn:proposed-action ."""),
    ("ActionShape-plan", "cn:Workplan", BASE + """
        action:x a cn:Action ; rdfs:label "X"@en ; dct:type cn:proposed-action ."""),
    ("ActionShape-type", "dct:type", BASE + """
        action:x a cn:Action ; rdfs:label "X"@en ; dct:isPartOf workplan:w ;
            dct:type cn:chair ."""),
]


@pytest.mark.parametrize(("shape", "message", "turtle"), CASES)
def test_shape_rejects_invalid_graph(rejected, shape, message, turtle):
    rejected(turtle, shape, message)


def test_base_graph_is_valid(shape_violations):
    assert shape_violations(BASE) == []
