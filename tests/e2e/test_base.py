"""One base IRI per deployment: a plain ``citynet build`` run beside a running server keeps the
server's base, and a server never serves a release minted under another base."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from service.settings import PROJECT_ROOT
from tests.conftest import Server, start_server, stop_server

pytestmark = pytest.mark.slow

ID_IRIS = """SELECT DISTINCT ?iri WHERE { { ?iri ?p ?o } UNION { ?x ?p ?iri }
  FILTER(isIRI(?iri) && STRSTARTS(STR(?iri), ?space)) }"""
ALL_IRIS = "SELECT DISTINCT ?iri WHERE { { ?iri ?p ?o } UNION { ?x ?iri ?o } UNION { ?x ?p ?iri } " \
           "FILTER(isIRI(?iri)) }"


def citynet(var: Path, *args: str) -> subprocess.CompletedProcess:
    """``citynet`` in another process, with the same var and no base, host or port settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITYNET_")}
    env["CITYNET_VAR"] = str(var)
    return subprocess.run([sys.executable, "-m", "service.cli", *args], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=600)


def iris(server: Server, query: str, **params: str) -> set[str]:
    answer = requests.post(server.url + "sparql", data={"query": query, **params}, timeout=60,
                           headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text
    return {row["iri"]["value"] for row in answer.json()["results"]["bindings"]}


def known_ids(server: Server) -> set[str]:
    query = ID_IRIS.replace("?space", f'"{server.url}id/"')
    return iris(server, query)


@pytest.fixture()
def own_server(tmp_path: Path) -> Iterator[Server]:
    srv = start_server(tmp_path / "var", tmp_path / "server.log")
    try:
        yield srv
    finally:
        stop_server(srv.process)


def test_a_default_build_from_another_process_keeps_the_servers_base(own_server):
    server = own_server
    assert server.url != "http://127.0.0.1:8080/"  # the default base is not the server's
    assert server.get("health").json()["base"] == server.url
    before = known_ids(server)
    live = (server.var / "current").resolve()

    done = citynet(server.var, "build")
    assert done.returncode == 0, done.stderr
    assert f"base {server.url}" in done.stdout
    assert (server.var / "current").resolve() != live  # a new release went live

    health = server.get("health").json()
    assert health["status"] == "ok" and health["base"] == server.url
    after = known_ids(server)
    assert len(after) > 300 and after == before
    for iri in sorted(after):
        answer = server.get(iri.removeprefix(server.url))
        assert answer.status_code == 303, iri
    foreign = {i for i in iris(server, ALL_IRIS) if i.startswith("http://127.0.0.1:8080/")}
    assert not foreign


def test_a_server_refuses_a_release_minted_under_another_base(own_server):
    server = own_server
    other = "https://data.example.org/"
    done = citynet(server.var, "build", "--base", other)
    assert done.returncode == 0, done.stderr

    health = server.get("health")
    assert health.status_code == 503 and other in health.json()["error"]
    page = server.get("id/network/eurocities", headers={"Accept": "text/plain"})
    assert page.status_code == 503 and f"citynet build --base {server.url}" in page.text
    assert requests.get(server.url + "sparql", params={"query": "ASK {}"}, timeout=30,
                        headers={"Accept": "application/sparql-results+json"}).status_code == 503

    done = citynet(server.var, "build", "--base", server.url)
    assert done.returncode == 0, done.stderr
    assert server.get("id/network/eurocities").status_code == 303
    assert server.get("health").json()["base"] == server.url
