"""Which dataset a remote query is sent with: the live release's own default graph and named
graphs unless the caller or the query's FROM clauses name graphs (the protocol's parameters
override the query's clauses as a whole, SPARQL 1.1 Protocol 2.1.4)."""

from __future__ import annotations

from pathlib import Path

from service.store.release import Release
from service.store.remote import dataset_params

MERGE = "http://example.org/release/abc-1"
G1, G2 = "http://example.org/graph/one", "http://example.org/graph/two"
RELEASE = Release(path=Path("."), info={"merge_graph": MERGE, "graphs": {G1: 3, G2: 4}})
PLAIN = "SELECT * WHERE { ?s ?p ?o }"


def test_a_query_naming_no_graphs_sees_exactly_the_live_release():
    assert dataset_params(PLAIN, None, None, RELEASE) == [
        ("default-graph-uri", MERGE), ("named-graph-uri", G1), ("named-graph-uri", G2)]


def test_graphs_the_caller_names_replace_only_their_own_half():
    assert dataset_params(PLAIN, [G1], None, RELEASE) == [
        ("default-graph-uri", G1), ("named-graph-uri", G1), ("named-graph-uri", G2)]
    assert dataset_params(PLAIN, None, [G2], RELEASE) == [
        ("named-graph-uri", G2), ("default-graph-uri", MERGE)]


def test_from_clauses_are_the_querys_own_dataset_unless_the_protocol_overrides_them():
    query = f"SELECT * FROM <{G1}> FROM NAMED <{G2}> WHERE {{ ?s ?p ?o }}"
    assert dataset_params(query, None, None, RELEASE) == []  # the server reads the clauses
    assert dataset_params(query, None, [G1], RELEASE) == [
        ("named-graph-uri", G1), ("default-graph-uri", G1)]
