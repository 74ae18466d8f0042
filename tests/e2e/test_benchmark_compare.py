"""The side-by-side benchmark measures answers, not errors: every scenario's requests get a
200 from the service and from Oxigraph's server on a copy of the same store, and the two
answer the paired SPARQL requests with the same solutions."""

from __future__ import annotations

import json
import shutil

import pyoxigraph as ox
import pytest
import requests

from benchmarks.compare import scenarios, start_oxigraph
from benchmarks.drive import Request
from tests.conftest import free_port


def send(url: str, r: Request) -> requests.Response:
    return requests.request(r.method, url.rstrip("/") + r.path, headers=dict(r.headers),
                            data=r.body, timeout=60, allow_redirects=False)


@pytest.mark.slow
def test_every_scenario_is_answered_by_both_servers(server, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree((server.var / "current").resolve() / "store", copy)
    store = ox.Store.read_only(str(copy))
    union = not bool(store.query("ASK { ?s ?p ?o }"))
    chosen = scenarios(store, server.base, sample=4)
    del store
    port = free_port()
    oxigraph = start_oxigraph(copy, port, union, tmp_path / "oxigraph.log")
    try:
        assert len(chosen) == 11
        for scenario in chosen:
            assert scenario.service and scenario.oxigraph, scenario.name
            for r in scenario.service[:3]:
                response = send(server.url, r)
                assert response.status_code == 200, (scenario.name, r.path[:80], response.text[:200])
            for r in scenario.oxigraph[:3]:
                response = send(f"http://127.0.0.1:{port}/", r)
                assert response.status_code == 200, (scenario.name, response.text[:200])
        join = next(s for s in chosen if "join" in s.name)
        key = lambda rows: sorted(json.dumps(r, sort_keys=True) for r in rows)  # noqa: E731
        answered = 0
        for mine, other in zip(join.service, join.oxigraph, strict=True):
            ours = send(server.url, mine).json()["results"]["bindings"]
            theirs = send(f"http://127.0.0.1:{port}/", other).json()["results"]["bindings"]
            assert key(ours) == key(theirs)
            answered += bool(ours)
        assert answered
    finally:
        oxigraph.kill()
        oxigraph.wait()
