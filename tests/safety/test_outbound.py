"""No outbound calls: a local listener proves the service never contacts a SERVICE, LOAD or FROM
IRI unless the endpoint is on the allow-list (and proves it would notice if it did)."""

from __future__ import annotations

import json

import pytest

from service import media
from service.problems import Problem
from service.sparql.pool import ProcessRunner
from service.sparql.request import QueryRequest
from service.store.embedded import EmbeddedStore
from tests.safety.listener import listener


def run(settings, query: str):
    runner = ProcessRunner(settings, EmbeddedStore(settings.var))
    try:
        return runner.run(QueryRequest(query, media.SPARQL_JSON, media.TURTLE))
    finally:
        runner.close()


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <{url}sparql> {{ ?s ?p ?o }} }}",
    "PREFIX l: <{url}> SELECT * WHERE {{ SERVICE l:sparql {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND(<{url}sparql> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "LOAD <{url}data.ttl>",
    "LOAD SILENT <{url}data.ttl> INTO GRAPH <{url}g>",
])
def test_the_service_never_contacts_an_unlisted_iri(safe_settings, safe_release, template):
    with listener() as (url, hits):
        with pytest.raises(Problem) as refused:
            run(safe_settings, template.format(url=url))
        assert refused.value.status in (400, 403)
    assert hits == []


@pytest.mark.parametrize("template", [
    "SELECT * FROM <{url}data.ttl> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <{url}data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "ASK FROM <{url}data.ttl> {{ }}",
])
def test_a_graph_named_in_the_query_is_empty_and_never_fetched(safe_settings, safe_release,
                                                              template):
    """FROM a graph the dataset lacks: an empty graph (the query runs), and no request leaves."""
    with listener() as (url, hits):
        outcome = run(safe_settings, template.format(url=url))
    assert hits == []
    if outcome.kind == "boolean":
        assert json.loads(outcome.body)["boolean"] is True
    else:
        assert json.loads(outcome.body)["results"]["bindings"] == []


def test_graphs_named_by_the_protocol_are_empty_and_never_fetched(safe_settings, safe_release):
    with listener() as (url, hits):
        runner = ProcessRunner(safe_settings, EmbeddedStore(safe_settings.var))
        try:
            outcome = runner.run(QueryRequest(
                "SELECT * WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
                media.SPARQL_JSON, None, default_graphs=(url + "a.ttl",),
                named_graphs=(url + "b.ttl",)))
        finally:
            runner.close()
    assert hits == []
    assert json.loads(outcome.body)["results"]["bindings"] == []


def test_an_allow_listed_endpoint_is_called(safe_settings, safe_release):
    """The control: with the listener allow-listed, the same query does reach it."""
    with listener() as (url, hits):
        allowed = safe_settings.with_overrides(service_allowlist=(url + "sparql",))
        outcome = run(allowed, f"SELECT * WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}")
        assert outcome.kind == "solutions"
    assert len(hits) == 1


def test_a_federated_query_that_hangs_is_stopped_by_the_time_limit(safe_settings, safe_release):
    import socket

    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}/sparql"
        allowed = safe_settings.with_overrides(service_allowlist=(endpoint,))
        with pytest.raises(Problem, match="time limit"):
            run(allowed, f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}")
