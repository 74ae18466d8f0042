"""The short load test (20 s, 32 connections, realistic mix) against a real server: no error
response and no socket error is tolerated."""

from __future__ import annotations

import pytest

from benchmarks.load import DEFAULT_THINGS, run_load

pytestmark = pytest.mark.slow  # real processes, real time


def test_twenty_seconds_at_32_connections_without_a_single_error(server):
    report = run_load(server.url, duration=20, connections=32, things=DEFAULT_THINGS,
                      pid=server.process.pid)
    print("\n" + report.text())
    assert report.errors == []
    assert report.requests > 200
    assert {"doc-html", "doc-turtle", "sparql", "dump", "id-303"} <= set(report.by_name)
    assert report.rss_after < 4 * report.rss_before + 200 * 1024 * 1024
