"""The release-scoped response cache: a repeat request is served from memory (as /metrics
shows), a build with other data invalidates everything, and memory stays bounded."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from service.build.pipeline import build
from service.web.app import create_app
from service.web.response_cache import ResponseCache, Stored
from tests.safety.conftest import mini_settings


def cache_counts(client, route: str) -> dict[str, float]:
    """Hits and misses of ``route`` as /metrics reports them."""
    text = client.get("/metrics").get_data(as_text=True)
    counts = {"hit": 0.0, "miss": 0.0}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "citynet_response_cache_total" and sample.labels["route"] == route:
                counts[sample.labels["result"]] += sample.value
    return counts


def test_a_repeat_is_a_hit_and_a_new_release_starts_afresh(tmp_path):
    settings = mini_settings(tmp_path)
    first_release = build(settings)
    client = create_app(settings).test_client()
    before = cache_counts(client, "resource.document")
    one = client.get("/doc/membership/m1.nt")
    two = client.get("/doc/membership/m1.nt")
    assert one.status_code == two.status_code == 200 and one.get_data() == two.get_data()
    after = cache_counts(client, "resource.document")
    assert after["miss"] - before["miss"] == 1 and after["hit"] - before["hit"] == 1

    with (settings.data_dir / "people.ttl").open("a") as sources:
        sources.write('<id/membership/m1> rdfs:comment "renewed in the second release" .\n')
    assert build(settings).id != first_release.id
    three = client.get("/doc/membership/m1.nt")
    assert b"renewed in the second release" in three.get_data()
    assert three.headers["ETag"] != one.headers["ETag"]
    final = cache_counts(client, "resource.document")
    assert final["miss"] - after["miss"] == 1 and final["hit"] == after["hit"]


def test_every_request_and_its_latency_are_counted_by_route_and_status(tmp_path):
    settings = mini_settings(tmp_path)
    build(settings)
    client = create_app(settings).test_client()
    client.get("/doc/membership/m2.ttl")
    client.get("/doc/membership/no-such-thing.ttl")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    samples = [s for f in text_string_to_metric_families(response.get_data(as_text=True))
               for s in f.samples]
    statuses = {s.labels["status"] for s in samples if s.name == "citynet_http_requests_total"
                and s.labels["route"] == "resource.document"}
    assert {"200", "404"} <= statuses
    assert any(s.name == "citynet_http_request_duration_seconds_count"
               and s.labels["route"] == "resource.document" and s.value >= 2 for s in samples)
    names = {f.name for f in text_string_to_metric_families(response.get_data(as_text=True))}
    assert {"citynet_query_timeouts", "citynet_query_executor_kills",
            "citynet_query_executor_restarts"} <= names


def answer(size: int) -> Stored:
    return Stored(headers=(("Content-Type", "text/plain"),), data=b"x" * size, route="test")


def test_the_cache_keeps_within_its_bound_and_skips_oversized_bodies():
    cache = ResponseCache(max_bytes=8_000)
    for i in range(50):
        cache.put("r1", i, answer(500))
    assert cache.bytes <= 8_000 and 0 < len(cache) < 50
    assert cache.get("r1", 49) is not None and cache.get("r1", 0) is None  # least recent out
    cache.put("r1", "big", answer(1_500))
    assert cache.get("r1", "big") is None
    assert cache.get("r2", 49) is None and len(cache) == 0  # a new release empties it


def test_a_zero_bound_turns_the_cache_off():
    cache = ResponseCache(max_bytes=0)
    cache.put("r1", "k", answer(1))
    assert not cache.enabled and cache.get("r1", "k") is None
