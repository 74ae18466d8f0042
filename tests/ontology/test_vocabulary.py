"""The CityNet vocabulary is complete: every term labelled, defined, with domain and range."""

from __future__ import annotations

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from service.namespaces import VOCAB, VOCAB_ONTOLOGY
from service.settings import PROJECT_ROOT

CN = Namespace(VOCAB)


@pytest.fixture(scope="module")
def vocabulary() -> Graph:
    graph = Graph()
    for path in sorted((PROJECT_ROOT / "ontology").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def terms(vocabulary: Graph, kind: URIRef) -> list[URIRef]:
    return sorted(t for t in vocabulary.subjects(RDF.type, kind) if str(t).startswith(VOCAB))


def test_the_ontology_has_version_licence_and_creator(vocabulary):
    ontology = URIRef(VOCAB_ONTOLOGY)
    assert (ontology, RDF.type, OWL.Ontology) in vocabulary
    for prop in (OWL.versionIRI, OWL.versionInfo, DCTERMS.license, DCTERMS.creator,
                 DCTERMS.title):
        assert vocabulary.value(ontology, prop) is not None, prop


def test_every_class_and_property_is_labelled_defined_and_attached(vocabulary):
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    found = [t for kind in kinds for t in terms(vocabulary, kind)]
    assert len(found) >= 10
    for term in found:
        assert vocabulary.value(term, RDFS.label) is not None, term
        assert (vocabulary.value(term, SKOS.definition)
                or vocabulary.value(term, RDFS.comment)) is not None, term
        assert vocabulary.value(term, RDFS.isDefinedBy) == URIRef(VOCAB_ONTOLOGY), term


def test_every_property_has_a_domain_and_a_range(vocabulary):
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in terms(vocabulary, kind):
            assert vocabulary.value(prop, RDFS.domain) is not None, prop
            assert vocabulary.value(prop, RDFS.range) is not None, prop


def test_the_local_classes_are_those_the_standards_lack(vocabulary):
    classes = {str(c).removeprefix(VOCAB) for c in terms(vocabulary, OWL.Class)}
    assert {"Charter", "CharterSignature", "Workplan", "Objective", "ExpectedOutput", "Action",
            "DeclaredStatistic"} <= classes
    assert not classes & {"Organization", "Membership", "Person", "Role", "Concept"}


def test_roles_and_topics_are_skos_schemes(vocabulary):
    roles = set(vocabulary.subjects(SKOS.inScheme, CN.roles))
    for role in ("chair", "vice-chair", "member-city", "active-member-city", "nominated-member",
                 "staff-contact", "full-member", "partner-city"):
        assert CN[role] in roles, role
        assert (CN[role], RDF.type, URIRef("http://www.w3.org/ns/org#Role")) in vocabulary
    for concept in roles | set(vocabulary.subjects(SKOS.inScheme, CN.topics)):
        labels = [label for label in vocabulary.objects(concept, SKOS.prefLabel)
                  if label.language == "en"]
        assert labels, concept
    assert (CN.roles, RDF.type, SKOS.ConceptScheme) in vocabulary
    assert (CN.topics, RDF.type, SKOS.ConceptScheme) in vocabulary
