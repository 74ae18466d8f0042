"""The W3C SPARQL 1.1 Protocol tests that apply to a read-only query endpoint, one test per
entry of the manifest (w3c/rdf-tests, sparql/sparql11/protocol/manifest.ttl), run through the
application with its real executor processes.

The suite's data (``http://kasei.us/2009/09/sparql/data/data1.rdf`` … ``data3.rdf``, each a
graph stating that its own document is a ``foaf:Document``) is replaced by three graphs of this
dataset, each holding a fact only that source states: seed 003 names Lefteris Papagiannakis, seed
004 Ramon Sanahuja i Vélez (both a ``foaf:Person``), seed 001 declares Eurocities' 190 cities.
``data0.rdf``, a graph no store holds, is kept: it must be evaluated as an empty graph and never
fetched (a local listener stands in for it to prove that no request leaves). The ``update_*``
cases become what a read-only endpoint owes them: a refusal that changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pyoxigraph as ox
import pytest

from tests.conftest import BASE
from tests.safety.listener import listener

DATA0 = "http://kasei.us/2009/09/sparql/data/data0.rdf"
G1 = BASE + "graph/seed-003"  # stands for data1.rdf
G2 = BASE + "graph/seed-004"  # stands for data2.rdf
G3 = BASE + "graph/seed-001"  # stands for data3.rdf
NAME1 = "Lefteris Papagiannakis"  # "vice chair" on the working group's page (seed 003)
NAME2 = "Ramon Sanahuja i Vélez"  # chair in the 2014 workplan (seed 004)
CITIES = 190  # "Eurocities is the network of 190 cities" (seed 001)

FOAF = "PREFIX foaf: <http://xmlns.com/foaf/0.1/> "
SCHEMA = "PREFIX schema: <http://schema.org/> "
#: ``<dataN.rdf> a ?type`` of the suite: the person named there, typed as the other one is.
PERSON = '?{var} foaf:name "{name}" ; a ?type'

RESULTS = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
           "application/sparql-results+xml": ox.QueryResultsFormat.XML,
           "text/csv": ox.QueryResultsFormat.CSV,
           "text/tab-separated-values": ox.QueryResultsFormat.TSV}
GRAPHS = {"application/rdf+xml": ox.RdfFormat.RDF_XML, "text/turtle": ox.RdfFormat.TURTLE,
          "application/n-triples": ox.RdfFormat.N_TRIPLES}
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"


def person(var: str, name: str) -> str:
    return PERSON.format(var=var, name=name)


def both_people(graph1: str = "", graph2: str = "") -> str:
    """The suite's two-document ASK: in the default graph, or under GRAPH ?g1 / ?g2."""
    first = f"GRAPH {graph1} {{ {person('a', NAME1)} }}" if graph1 else person("a", NAME1) + " ."
    second = f"GRAPH {graph2} {{ {person('b', NAME2)} }}" if graph2 else person("b", NAME2) + " ."
    return f"{FOAF}ASK {{ {first} {second} }}"


def params(**values: str | list[str]) -> str:
    pairs = [(k.replace("_", "-"), v) for k, vs in values.items()
             for v in (vs if isinstance(vs, list) else [vs])]
    return urlencode(pairs, quote_via=quote)


def boolean(response) -> bool:
    """A 2xx answer in a boolean results format (the suite's ``expectedFormat "boolean"``)."""
    assert 200 <= response.status_code < 400, response.get_data(as_text=True)
    assert response.mimetype in ("application/sparql-results+json",
                                 "application/sparql-results+xml"), response.mimetype
    result = ox.parse_query_results(response.data, RESULTS[response.mimetype])
    assert isinstance(result, ox.QueryBoolean)
    return bool(result)


def refused(response, status: int) -> None:
    """A 4xx with the status this service gives for that fault and a readable reason."""
    assert response.status_code == status, (response.status_code, response.data[:300])
    assert response.get_data(as_text=True).strip()


@pytest.fixture(params=["kasei.us", "listener"])
def data0(request) -> Iterator[str]:
    """The suite's ``data0.rdf``; as a local listener's URL, the test also proves it is never
    fetched (the listener records every request it gets)."""
    if request.param == "kasei.us":
        yield DATA0
        return
    with listener() as (url, hits):
        yield url + "2009/09/sparql/data/data0.rdf"
    assert hits == []


def test_the_adapted_facts_come_from_the_seeds(shared_dir):
    seeds = {p.name[:3]: p.read_text(encoding="utf-8") for p in (shared_dir / "seeds").glob("*.txt")}
    assert NAME1 in seeds["003"] and NAME1 not in seeds["004"]
    assert NAME2 in seeds["004"] and NAME2 not in seeds["003"]
    assert f"network of {CITIES} cities" in seeds["001"]


def test_the_adapted_facts_are_each_in_one_graph_only(client):
    """The adaptation is only a proof if each fact is in its own graph and not the others."""
    for graph, name in ((G1, NAME1), (G2, NAME2)):
        query = (f'{FOAF}SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?p foaf:name "{name}" ; '
                 "a foaf:Person } }")
        where = client.get("/sparql?" + params(query=query))
        rows = ox.parse_query_results(where.data, ox.QueryResultsFormat.JSON)
        assert [row["g"].value for row in rows] == [graph]


# --- query operations -------------------------------------------------------------------------


def test_query_post_form(client, data0):
    response = client.post("/sparql?" + params(default_graph_uri=data0),
                           data="query=ASK%20%7B%7D", content_type=FORM)
    assert boolean(response) is True


def test_query_dataset_default_graphs_get(client):
    response = client.get("/sparql?" + params(query=both_people(), default_graph_uri=[G1, G2]))
    assert boolean(response) is True
    only_one = client.get("/sparql?" + params(query=both_people(), default_graph_uri=G1))
    assert boolean(only_one) is False


def test_query_dataset_default_graphs_post(client):
    response = client.post("/sparql?" + params(default_graph_uri=[G1, G2]),
                           data=both_people().encode(), content_type=DIRECT)
    assert boolean(response) is True
    only_one = client.post("/sparql?" + params(default_graph_uri=G2),
                           data=both_people().encode(), content_type=DIRECT)
    assert boolean(only_one) is False


def test_query_dataset_named_graphs_post(client):
    query = both_people("?g1", "?g2")
    response = client.post("/sparql?" + params(named_graph_uri=[G1, G2]),
                           data=query.encode(), content_type=DIRECT)
    assert boolean(response) is True
    only_one = client.post("/sparql?" + params(named_graph_uri=G1), data=query.encode(),
                           content_type=DIRECT)
    assert boolean(only_one) is False


def test_query_dataset_named_graphs_get(client):
    query = both_people("?g1", "?g2")
    response = client.get("/sparql?" + params(query=query, named_graph_uri=[G1, G2]))
    assert boolean(response) is True
    only_one = client.get("/sparql?" + params(query=query, named_graph_uri=G2))
    assert boolean(only_one) is False


def test_query_dataset_full(client):
    """Default graph from one graph, named graphs from two others, in one request."""
    query = (f"{FOAF}{SCHEMA}ASK {{ ?c schema:value {CITIES} ; a ?stat . "
             f"GRAPH ?g1 {{ {person('a', NAME1)} }} GRAPH ?g2 {{ {person('b', NAME2)} }} }}")
    dataset = params(default_graph_uri=G3, named_graph_uri=[G1, G2])
    response = client.post("/sparql?" + dataset, data=query.encode(), content_type=DIRECT)
    assert boolean(response) is True
    swapped = params(default_graph_uri=G1, named_graph_uri=[G1, G2])
    response = client.post("/sparql?" + swapped, data=query.encode(), content_type=DIRECT)
    assert boolean(response) is False


def test_query_multiple_dataset(client):
    """A dataset in the query (FROM) and in the protocol: the protocol's wins. By the query's
    own dataset (FROM without FROM NAMED: no named graphs) the answer would be false."""
    query = both_people("?g1", "?g2").replace("ASK {", f"ASK FROM <{G3}> {{", 1)
    response = client.post("/sparql?" + params(named_graph_uri=[G1, G2]), data=query.encode(),
                           content_type=DIRECT)
    assert boolean(response) is True
    ask = f'{FOAF}ASK FROM <{G1}> {{ ?p foaf:name "{NAME2}" }}'
    assert boolean(client.get("/sparql?" + params(query=ask, default_graph_uri=G2))) is True
    assert boolean(client.get("/sparql?" + params(query=ask, default_graph_uri=G1))) is False


def test_query_get(client, data0):
    assert boolean(client.get("/sparql?" + params(query="ASK {}", default_graph_uri=data0)))


def test_a_graph_the_dataset_lacks_is_empty(client, data0):
    """data0.rdf as the default graph holds no triple, whichever way it is named."""
    ask = "ASK { ?s ?p ?o }"
    assert boolean(client.get("/sparql?" + params(query=ask))) is True
    assert boolean(client.get("/sparql?" + params(query=ask, default_graph_uri=data0))) is False
    named = "ASK { GRAPH ?g { ?s ?p ?o } }"
    assert boolean(client.get("/sparql?" + params(query=named, named_graph_uri=data0))) is False


def test_query_content_type_select(client, data0):
    response = client.post("/sparql?" + params(default_graph_uri=data0),
                           data=b"SELECT (1 AS ?value) {}", content_type=DIRECT)
    assert response.status_code == 200 and response.mimetype in RESULTS
    rows = list(ox.parse_query_results(response.data, RESULTS[response.mimetype]))
    assert [row["value"].value for row in rows] == ["1"]


def test_query_content_type_ask(client, data0):
    response = client.post("/sparql?" + params(default_graph_uri=data0), data=b"ASK {}",
                           content_type=DIRECT)
    assert boolean(response) is True


def test_query_content_type_describe(client, data0):
    response = client.post("/sparql?" + params(default_graph_uri=data0),
                           data=b"DESCRIBE <http://example.org/>", content_type=DIRECT)
    assert response.status_code == 200 and response.mimetype in GRAPHS
    assert list(ox.parse(response.data, format=GRAPHS[response.mimetype])) == []


def test_query_content_type_construct(client, data0):
    """``<s>`` and ``<p>`` are relative: they resolve against the endpoint's IRI."""
    response = client.post("/sparql?" + params(default_graph_uri=data0),
                           data=b"CONSTRUCT { <s> <p> 1 } WHERE {}", content_type=DIRECT)
    assert response.status_code == 200 and response.mimetype in GRAPHS
    triples = [q.triple for q in ox.parse(response.data, format=GRAPHS[response.mimetype])]
    assert triples == [ox.Triple(ox.NamedNode(BASE + "s"), ox.NamedNode(BASE + "p"),
                                 ox.Literal("1", datatype=ox.NamedNode(
                                     "http://www.w3.org/2001/XMLSchema#integer")))]


def test_query_post_direct(client):
    assert boolean(client.post("/sparql", data=b"ASK {}", content_type=DIRECT)) is True


def test_a_syntax_error_reports_the_clients_own_position(client):
    """The endpoint's BASE is declared for the parser only: positions stay the client's."""
    response = client.get("/sparql?" + params(query="ASK {"))
    assert response.status_code == 400
    assert "1:6" in response.get_data(as_text=True)


# --- updates at a read-only endpoint ----------------------------------------------------------

KASEI = "http://kasei.us/2009/09/sparql/data/"
UPDATES = {
    "update_dataset_default_graph": (
        f"using-graph-uri={quote(KASEI + 'data1.rdf', safe='')}",
        "PREFIX dc: <http://purl.org/dc/terms/> PREFIX foaf: <http://xmlns.com/foaf/0.1/> "
        f"CLEAR ALL ; INSERT DATA {{ GRAPH <{KASEI}data1.rdf> {{ <{KASEI}data1.rdf> a "
        "foaf:Document } } ; INSERT { GRAPH <http://example.org/protocol-update-dataset-test/> "
        "{ ?s a dc:BibliographicResource } } WHERE { ?s a foaf:Document }"),
    "update_dataset_named_graphs": (
        f"using-named-graph-uri={quote(KASEI + 'data1.rdf', safe='')}",
        "PREFIX dc: <http://purl.org/dc/terms/> DROP ALL ; INSERT { GRAPH "
        "<http://example.org/protocol-update-dataset-named-graphs-test/> "
        "{ ?s a dc:BibliographicResource } } WHERE { GRAPH ?g { ?s a ?t } }"),
    "update_post_direct": ("", "CLEAR ALL"),
    "update_base_uri": ("", "CLEAR SILENT GRAPH <http://example.org/protocol-base-test/> ; "
                            "INSERT DATA { GRAPH <http://example.org/protocol-base-test/> "
                            "{ <http://example.org/s> <http://example.org/p> <test> } }"),
}


def _size(client) -> str:
    count = client.get("/sparql?" + params(query="SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g "
                                                 "{ ?s ?p ?o } }"))
    return next(iter(ox.parse_query_results(count.data, ox.QueryResultsFormat.JSON)))["n"].value


@pytest.mark.parametrize("name", sorted(UPDATES))
def test_update_cases_are_refused_and_change_nothing(client, name):
    """update_dataset_*, update_post_direct, update_base_uri: this endpoint is read-only."""
    before = _size(client)
    query_string, update = UPDATES[name]
    direct = client.post("/sparql?" + query_string, data=update.encode(),
                         content_type="application/sparql-update")
    refused(direct, 403)
    form = client.post("/sparql?" + query_string, data=params(update=update), content_type=FORM)
    refused(form, 403)
    assert _size(client) == before


def test_update_post_form(client):
    before = _size(client)
    refused(client.post("/sparql", data="update=CLEAR+ALL", content_type=FORM), 403)
    assert _size(client) == before


# --- bad requests -----------------------------------------------------------------------------


def test_bad_query_method(client, data0):
    response = client.put("/sparql?" + params(query="ASK {}", default_graph_uri=data0),
                          content_type=FORM)
    refused(response, 405)


def test_bad_multiple_queries(client):
    refused(client.get("/sparql?" + params(query=["ASK {}", "SELECT * {}"])), 400)


def test_bad_query_wrong_media_type(client):
    refused(client.post("/sparql", data=b"ASK {}", content_type="text/plain"), 415)


def test_bad_query_missing_form_type(client):
    refused(client.post("/sparql", data=b"query=ASK%20%7B%7D"), 415)


def test_bad_query_missing_direct_type(client):
    refused(client.post("/sparql", data=b"ASK {}"), 415)


def test_bad_query_non_utf8(client):
    response = client.post("/sparql", data="ASK {}".encode("utf-16"),
                           content_type="application/sparql-query; charset=UTF-16")
    refused(response, 400)
    assert "UTF-8" in response.get_data(as_text=True)


def test_a_direct_query_that_is_not_utf8_is_400(client):
    refused(client.post("/sparql", data=b'ASK { ?s ?p "\xe9" }', content_type=DIRECT), 400)


def test_bad_query_syntax(client):
    refused(client.get("/sparql?" + params(query="ASK {")), 400)


def test_no_query_is_400(client):
    """Not in the suite: a POST without a query (form or direct) names nothing to run."""
    refused(client.post("/sparql", data="default-graph-uri=x", content_type=FORM), 400)
    refused(client.post("/sparql", data=b"  \n", content_type=DIRECT), 400)


def test_bad_update_get(client):
    refused(client.get("/sparql?" + params(update="CLEAR ALL")), 403)


def test_bad_multiple_updates(client):
    refused(client.post("/sparql", data="update=CLEAR%20NAMED&update=CLEAR%20DEFAULT",
                        content_type=FORM), 403)


def test_bad_update_wrong_media_type(client):
    refused(client.post("/sparql", data=b"CLEAR NAMED", content_type="text/plain"), 415)


def test_bad_update_missing_form_type(client):
    refused(client.post("/sparql", data=b"update=CLEAR%20NAMED"), 415)


def test_bad_update_non_utf8(client):
    refused(client.post("/sparql", data="CLEAR NAMED".encode("utf-16"),
                        content_type="application/sparql-update; charset=UTF-16"), 403)


def test_bad_update_syntax(client):
    refused(client.post("/sparql", data="update=CLEAR%20XYZ", content_type=FORM), 403)


def test_bad_update_dataset_conflict(client):
    update = ("PREFIX foaf: <http://xmlns.com/foaf/0.1/> WITH <http://example/addresses> "
              "DELETE { ?person foaf:givenName 'Bill' } INSERT { ?person foaf:givenName "
              "'William' } WHERE { ?person foaf:givenName 'Bill' }")
    refused(client.post("/sparql?using-named-graph-uri=http%3A%2F%2Fexample%2Fpeople",
                        data=update.encode(), content_type="application/sparql-update"), 403)
