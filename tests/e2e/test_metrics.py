"""/metrics under gunicorn: every worker process counts into var/metrics, and one scrape adds
them up, so the figures match the requests sent whichever worker answered them."""

from __future__ import annotations

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

GROUP = "group/eurocities-migration-integration"


def scrape(server) -> dict[tuple[str, tuple], float]:
    text = server.get("metrics").text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for f in text_string_to_metric_families(text) for s in f.samples}


def total(samples, name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in samples.items()
               if n == name and all(dict(ls).get(k) == w for k, w in labels.items()))


@pytest.mark.slow
def test_metrics_add_up_over_every_worker(server):
    before = scrape(server)
    sent = 40
    for _ in range(sent):  # a new connection each time: the workers share the load
        assert requests.get(f"{server.url}doc/{GROUP}.ttl", timeout=30).status_code == 200
    after = scrape(server)
    counted = total(after, "citynet_http_requests_total", route="resource.document",
                    status="200") - total(before, "citynet_http_requests_total",
                                          route="resource.document", status="200")
    assert counted == sent
    hits = total(after, "citynet_response_cache_total", route="resource.document", result="hit")
    misses = total(after, "citynet_response_cache_total", route="resource.document",
                   result="miss")
    assert hits >= sent - 2 and misses >= 1  # at most one miss per worker
    files = list((server.var / "metrics").glob("counter_*.db"))
    assert len(files) >= 2, files  # one file per worker process that counted
