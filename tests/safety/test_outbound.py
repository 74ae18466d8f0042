"""No outbound calls: a local listener proves the service never contacts a SERVICE, LOAD or FROM
IRI unless the endpoint is on the allow-list (and proves it would notice if it did)."""

from __future__ import annotations

import pytest

from service import media
from service.sparql.pool import ProcessRunner
from service.sparql.runner import QueryRejected, QueryRequest
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
    "SELECT * FROM <{url}data.ttl> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <{url}data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "LOAD <{url}data.ttl>",
    "LOAD SILENT <{url}data.ttl> INTO GRAPH <{url}g>",
])
def test_the_service_never_contacts_an_unlisted_iri(safe_settings, safe_release, template):
    with listener() as (url, hits):
        with pytest.raises(QueryRejected) as refused:
            run(safe_settings, template.format(url=url))
        assert refused.value.status in (400, 403)
    assert hits == []


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
        with pytest.raises(QueryRejected, match="time limit"):
            run(allowed, f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}")
