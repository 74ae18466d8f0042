"""The limits over real HTTP, against a gunicorn server: a runaway query is stopped with a 503
naming the time limit while /health and small queries keep answering; no outbound calls."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.safety.listener import listener
from tests.safety.test_limits import RUNAWAY, SMALL

pytestmark = pytest.mark.slow  # real processes, real time

JSON = {"Accept": "application/sparql-results+json"}


def test_a_runaway_query_gets_503_while_health_and_small_queries_answer(safe_server):
    outcome: list[requests.Response] = []
    runaway = threading.Thread(target=lambda: outcome.append(requests.post(
        safe_server.url + "sparql", data={"query": RUNAWAY}, headers=JSON, timeout=30)))
    started = time.monotonic()
    runaway.start()
    time.sleep(0.3)
    answered_meanwhile = 0  # small queries answered while the runaway still ran
    while runaway.is_alive():
        assert safe_server.get("health").status_code == 200
        small = requests.post(safe_server.url + "sparql", data={"query": SMALL}, headers=JSON,
                              timeout=10)
        assert small.status_code == 200
        answered_meanwhile += runaway.is_alive()
        time.sleep(0.1)
    assert answered_meanwhile >= 1
    assert outcome[0].status_code == 503
    assert "time limit of 2 s exceeded" in outcome[0].text
    assert time.monotonic() - started < 15  # stopped at its limit, not run to its end
    deadline = time.monotonic() + 5  # the replacement starts off the request thread
    while counter(safe_server, "citynet_query_executor_restarts_total") < 1 \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    for name in ("citynet_query_timeouts_total", "citynet_query_executor_kills_total",
                 "citynet_query_executor_restarts_total"):
        assert counter(safe_server, name) >= 1, name


def counter(server, name: str) -> float:
    """A counter summed over every worker, as /metrics reports it."""
    text = server.get("metrics").text
    return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples
               if s.name == name)


def test_a_query_over_the_row_limit_says_which_limit(safe_server):
    response = requests.get(safe_server.url + "sparql", headers=JSON, timeout=30,
                            params={"query": "SELECT * { ?s ?p ?o }"})
    assert response.status_code == 400 and "result limit of 500 rows" in response.text


def test_an_oversized_request_body_is_413(safe_server):
    response = requests.post(safe_server.url + "sparql", data="#" + "x" * 200_000, timeout=30,
                             headers={"Content-Type": "application/sparql-query", **JSON})
    assert response.status_code == 413


def test_the_server_never_contacts_a_service_endpoint(safe_server):
    with listener() as (url, hits):
        service = requests.post(safe_server.url + "sparql", headers=JSON, timeout=30, data={
            "query": f"SELECT * {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}"})
        assert service.status_code == 403, service.text
        # a graph the dataset lacks is an empty graph, never fetched
        absent = requests.post(safe_server.url + "sparql", headers=JSON, timeout=30, data={
            "query": f"SELECT * FROM <{url}data.ttl> {{ ?s ?p ?o }}"})
        assert absent.status_code == 200 and absent.json()["results"]["bindings"] == []
        update = requests.post(safe_server.url + "update", timeout=30,
                               data={"update": f"LOAD <{url}x.ttl>"},
                               headers={"Authorization": "Bearer s3cret-publisher-token"})
        assert update.status_code == 403
    assert hits == []
