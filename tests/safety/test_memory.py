"""Memory-bounded queries through a real server: eight memory bombs at once keep the whole
process tree under the configured bound, each gets 503 naming the limit, /health keeps
answering, and a normal query answers afterwards (its executor replaced)."""

from __future__ import annotations

import pytest
import requests

from benchmarks.memory import run_bombs
from tests.conftest import stop_server
from tests.safety.conftest import BASE, TOKEN, serve_mini

CAP = 256 << 20
WORKERS, QUERY_WORKERS = 2, 2


@pytest.mark.slow
def test_eight_memory_bombs_at_once_stay_under_the_cap_and_the_service_carries_on(tmp_path):
    server = serve_mini(tmp_path, {
        "CITYNET_QUERY_MEMORY": str(CAP), "CITYNET_WORKERS": str(WORKERS),
        "CITYNET_QUERY_WORKERS": str(QUERY_WORKERS), "CITYNET_QUERY_TIMEOUT": "30",
        "CITYNET_WRITE_TOKEN": TOKEN,
    })
    try:
        report = run_bombs(server.url, server.process.pid, copies=8)
        print("\n" + report.text())
        # every executor may grow by at most the cap above what it holds when idle
        bound = report.rss_idle + WORKERS * QUERY_WORKERS * CAP
        assert report.rss_peak < bound, report.text()
        assert len(report.answers) == 8
        assert all(status == 503 for status, _ in report.answers), report.text()
        assert any("memory limit of 256 MiB exceeded" in m for _, m in report.answers)
        assert report.health_ms and not report.health_errors
        assert report.health_p(0.99) < 1000, report.text()  # 200 ms on an idle machine
        assert report.normal_status == 200
        update = (f"INSERT {{ GRAPH <{BASE}graph/people> {{ ?a <urn:x> ?x }} }} WHERE {{ "
                  "GRAPH ?g1 { ?a ?b ?c } GRAPH ?g2 { ?d ?e ?f } GRAPH ?g3 { ?g ?h ?i } "
                  "BIND(CONCAT(STR(?c), STR(?f), STR(?i)) AS ?x) }")
        response = requests.post(server.url + "update", data={"update": update}, timeout=60,
                                 headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 503, response.text
        assert "update stopped" in response.json()["detail"]
        assert "limit" in response.json()["detail"]
    finally:
        stop_server(server.process)
