"""The protocol's dataset and format rules over the remote backend (a real Oxigraph server):
graphs named by the request, a graph the dataset lacks (empty, fetched neither by the service
nor by the server), relative IRIs and per-form ``format`` values answer as on the embedded one."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from service.settings import Settings
from service.web.app import create_app
from tests.conftest import BASE
from tests.safety.listener import listener
from tests.web.test_protocol_w3c import G1, G2, boolean, both_people, params

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def remote(remote_built: Settings):
    return create_app(remote_built).test_client()


def test_protocol_default_and_named_graphs_reach_the_server(remote):
    assert boolean(remote.get("/sparql?" + params(query=both_people(),
                                                  default_graph_uri=[G1, G2]))) is True
    assert boolean(remote.get("/sparql?" + params(query=both_people(),
                                                  default_graph_uri=G1))) is False
    named = both_people("?g1", "?g2")
    assert boolean(remote.get("/sparql?" + params(query=named,
                                                  named_graph_uri=[G1, G2]))) is True
    assert boolean(remote.get("/sparql?" + params(query=named, named_graph_uri=G2))) is False


def test_an_absent_graph_is_empty_and_fetched_by_nobody(remote):
    with listener() as (url, hits):
        absent = url + "data0.rdf"
        assert boolean(remote.get("/sparql?" + params(query="ASK {}",
                                                      default_graph_uri=absent))) is True
        assert boolean(remote.get("/sparql?" + params(query="ASK { ?s ?p ?o }",
                                                      default_graph_uri=absent))) is False
        assert boolean(remote.get("/sparql?" + params(query="ASK { GRAPH ?g { ?s ?p ?o } }",
                                                      named_graph_uri=absent))) is False
    assert hits == []


def test_relative_iris_and_per_form_formats(remote):
    response = remote.post("/sparql?format=xml", data=b"CONSTRUCT { <s> <p> 1 } WHERE {}",
                           content_type="application/sparql-query")
    assert response.status_code == 200 and response.mimetype == "application/rdf+xml"
    triples = [q.triple for q in ox.parse(response.data, format=ox.RdfFormat.RDF_XML)]
    assert [(t.subject.value, t.predicate.value) for t in triples] == [(BASE + "s", BASE + "p")]
    select = remote.get("/sparql?" + params(query="SELECT (1 AS ?one) {}", output="xml"))
    assert select.mimetype == "application/sparql-results+xml"
