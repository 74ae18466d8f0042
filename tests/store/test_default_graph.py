"""The default graph is a set: the RDF merge of the named graphs, each distinct triple once,
on the embedded and the remote backend, and every count the service publishes agrees.

The sources state some triples in several graphs (a city's label in the seed that names it and
in graph/cities, for instance); a union default graph would match those once per graph.
"""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rdflib import RDF, Graph, URIRef

from service.queries import load_queries
from service.settings import Settings
from service.store import EmbeddedStore
from service.store.base import Store
from service.store.release import Release, current_release
from service.store.remote import RemoteStore
from tests.store.differential import (
    basic_graph_patterns,
    ox_rows,
    quads_of,
    rdflib_rows,
    reference_dataset,
    repeated_triples,
)

RESULTS_JSON = "application/sparql-results+json"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
VOID_TRIPLES = URIRef("http://rdfs.org/ns/void#triples")
DCAT_DATASET = URIRef("http://www.w3.org/ns/dcat#Dataset")
VOID_DATASET = URIRef("http://rdfs.org/ns/void#Dataset")


def distinct_triples(release: Release) -> set[ox.Triple]:
    return {ox.Triple(q.subject, q.predicate, q.object) for q in quads_of(release)}


def sparql_rows(client, query: str, **params) -> list[dict]:
    response = client.get("/sparql", query_string={"query": query, **params},
                          headers={"Accept": RESULTS_JSON})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]["bindings"]


def test_the_sources_repeat_triples_across_graphs(built_release):
    """The premise of every test here: without repeated triples a bag would pass them too."""
    assert len(repeated_triples(quads_of(built_release))) > 0


def test_count_star_equals_the_distinct_triples_void_and_health(client, built_release):
    distinct = len(distinct_triples(built_release))
    [row] = sparql_rows(client, COUNT)
    assert int(row["n"]["value"]) == distinct
    void = Graph().parse(data=client.get("/.well-known/void", headers={
        "Accept": "text/turtle"}).get_data(as_text=True), format="turtle")
    # the dataset itself, a void:Dataset too (its release versions are dcat:Datasets only)
    dataset = next(d for d in void.subjects(predicate=None, object=DCAT_DATASET)
                   if (d, RDF.type, VOID_DATASET) in void)
    assert int(void.value(dataset, VOID_TRIPLES)) == distinct
    assert client.get("/health").get_json()["triples"] == distinct
    assert built_release.triples == distinct


def test_typed_subjects_are_listed_once(client, built_release):
    rows = sparql_rows(client, "SELECT ?s ?t WHERE { ?s a ?t }")
    pairs = Counter((r["s"]["value"], r["t"]["value"]) for r in rows)
    assert pairs and max(pairs.values()) == 1
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    assert len(pairs) == sum(1 for t in distinct_triples(built_release)
                             if t.predicate.value == rdf_type)


def test_the_graph_store_default_graph_is_the_merge(client, built_release):
    response = client.get("/graph-store?default", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    triples = [ox.Triple(q.subject, q.predicate, q.object)
               for q in ox.parse(response.get_data(), format=ox.RdfFormat.N_TRIPLES)]
    assert len(triples) == len(set(triples)) and set(triples) == distinct_triples(built_release)


def test_a_resource_document_states_each_triple_once(client, built_release):
    subject = repeated_triples(quads_of(built_release))[0].subject
    path = subject.value.removeprefix(built_release.base).replace("id/", "doc/", 1)
    response = client.get(f"/{path}.nt")
    assert response.status_code == 200, path
    triples = [str(q) for q in ox.parse(response.get_data(), format=ox.RdfFormat.N_TRIPLES)]
    assert triples and len(triples) == len(set(triples))


def _overlapping_graphs(release: Release) -> tuple[str, str, int]:
    """Two named graphs stating some of the same triples, and the size of their merge."""
    graphs: dict[str, set[tuple]] = {}
    for q in quads_of(release):
        graphs.setdefault(q.graph_name.value, set()).add((q.subject, q.predicate, q.object))
    names = sorted(graphs)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            if graphs[first] & graphs[second]:
                return first, second, len(graphs[first] | graphs[second])
    raise AssertionError("no two graphs share a triple")


def test_several_default_graphs_are_merged_into_a_set(client, built_release):
    first, second, merged = _overlapping_graphs(built_release)
    [row] = sparql_rows(client, COUNT, **{"default-graph-uri": [first, second]})
    assert int(row["n"]["value"]) == merged
    from_query = f"SELECT (COUNT(*) AS ?n) FROM <{first}> FROM <{second}> WHERE {{ ?s ?p ?o }}"
    [row] = sparql_rows(client, from_query)
    assert int(row["n"]["value"]) == merged
    # FROM without FROM NAMED: no named graphs (SPARQL 1.1 Query, 13.2)
    assert sparql_rows(client, f"SELECT ?g FROM <{first}> FROM <{second}> "
                               "WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1") == []
    named = sparql_rows(client, f"SELECT DISTINCT ?g FROM <{first}> FROM <{second}> "
                                f"FROM NAMED <{first}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    assert [r["g"]["value"] for r in named] == [first]


# --- differential: the store under test against rdflib over the merge -----------------------

def named_queries_agree(store: Store, settings: Settings, release: Release) -> None:
    reference = reference_dataset(release)
    queries = load_queries(settings.queries_dir)
    assert len(queries) >= 10
    for query in queries.values():
        bound = query.bindings(query.example_values(), settings.base_iri)
        expected = rdflib_rows(reference, query.text, bound)
        assert ox_rows(store.query(query.text, substitutions=bound)) == expected, query.name


def patterns_agree(store: Store, release: Release, data: st.DataObject) -> None:
    quads, reference = _reference(release)
    query = data.draw(basic_graph_patterns(quads), label="query")
    size = store.query(query.replace("SELECT *", "SELECT (COUNT(*) AS ?n)", 1))
    assume(int(next(iter(size))["n"].value) <= 5000)  # keeps rdflib quick
    assert ox_rows(store.query(query)) == rdflib_rows(reference, query), query


_REFERENCES: dict[str, tuple] = {}


def _reference(release: Release) -> tuple:
    if release.id not in _REFERENCES:
        _REFERENCES[release.id] = (quads_of(release), reference_dataset(release))
    return _REFERENCES[release.id]


PATTERN_SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                            suppress_health_check=[HealthCheck.too_slow,
                                                   HealthCheck.filter_too_much])


def test_every_named_query_answers_as_rdflib_over_the_merge(build_settings, built_release):
    named_queries_agree(EmbeddedStore(build_settings.var), build_settings, built_release)


@pytest.mark.slow
@PATTERN_SETTINGS
@given(data=st.data())
def test_basic_graph_patterns_answer_as_rdflib_over_the_merge(build_settings, built_release, data):
    patterns_agree(EmbeddedStore(build_settings.var), built_release, data)


def test_remote_named_queries_answer_as_rdflib_over_the_merge(remote_built):
    release = current_release(remote_built.var)
    named_queries_agree(RemoteStore(remote_built), remote_built, release)
    [row] = RemoteStore(remote_built).query(COUNT)
    assert int(row["n"].value) == release.triples == len(distinct_triples(release))


@pytest.mark.slow
@PATTERN_SETTINGS
@given(data=st.data())
def test_remote_basic_graph_patterns_answer_as_rdflib_over_the_merge(remote_built, data):
    patterns_agree(RemoteStore(remote_built), current_release(remote_built.var), data)


def test_the_dataset_of_a_query_is_read_from_its_clauses_and_the_protocol():
    from service.store.dataset import Merge, merge_needed

    text = ("PREFIX g: <http://x.example/graph/> SELECT * FROM g:a FROM <http://x.example/graph/b>"
            " FROM NAMED g:c WHERE { ?s ?p ?o } # FROM <urn:in-a-comment>")
    a, b, c = (f"http://x.example/graph/{n}" for n in "abc")
    assert merge_needed(text, None, None) == Merge((a, b), (c,))
    assert merge_needed(text, None, [a]) == Merge((a, b), (a,))
    assert merge_needed(text, [c], None) is None  # the protocol's one graph replaces FROM
    assert merge_needed("SELECT * WHERE { ?s ?p ?o }", [a, b, a], None) == Merge((a, b), None)
    assert merge_needed("SELECT * FROM <urn:a> FROM <urn:a> { ?s ?p ?o }", None, None) is None
    assert merge_needed("SELECT ?from WHERE { ?from ?p 'FROM <urn:b>' }", None, None) is None
