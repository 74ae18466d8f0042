"""Writes through a real server that built its store at start-up (an empty var/), and the
bound on waiting for the release lock: a stuck holder costs a 503 naming the lock, not a hang."""

from __future__ import annotations

import fcntl
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from service.settings import PROJECT_ROOT
from tests.conftest import stop_server
from tests.safety.conftest import BASE, TOKEN, make_root, serve_mini

AUTH = {"Authorization": f"Bearer {TOKEN}"}
ORG = "http://www.w3.org/ns/org#"


@contextmanager
def held_lock(var: Path) -> Iterator[None]:
    """Hold the release lock from outside, as a stuck build or write would."""
    var.mkdir(parents=True, exist_ok=True)
    with (var / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def member(base: str, name: str) -> str:
    return (f"<{base}id/membership/{name}> a <{ORG}Membership> ; "
            f"<{ORG}member> <{base}id/person/{name}> .")


@pytest.mark.slow
def test_a_server_that_built_at_start_up_accepts_writes_and_bounds_the_lock_wait(tmp_path):
    assert not (tmp_path / "var").exists()
    server = serve_mini(tmp_path, {"CITYNET_WRITE_TOKEN": TOKEN, "CITYNET_LOCK_TIMEOUT": "2"})
    try:
        assert "building it from data/" in server.log.read_text()
        people = server.url + "graph-store?graph=" + server.base + "graph/people"
        first = requests.post(people, data=member(server.base, "w1"), timeout=60,
                              headers={**AUTH, "Content-Type": "text/turtle"})
        assert first.status_code == 200, first.text
        update = (f"INSERT DATA {{ GRAPH <{server.base}graph/people> {{ "
                  f"{member(server.base, 'w2')} }} }}")
        second = requests.post(server.url + "update", data={"update": update}, headers=AUTH,
                               timeout=60)
        assert second.status_code == 200, second.text
        ask = requests.get(server.url + "sparql", timeout=30, params={
            "query": f"ASK {{ <{server.base}id/membership/w1> ?p ?o . "
                     f"<{server.base}id/membership/w2> ?q ?r }}"},
            headers={"Accept": "application/sparql-results+json"})
        assert ask.json()["boolean"] is True
        with held_lock(server.var):
            stuck = requests.post(people, data=member(server.base, "w3"), timeout=30,
                                  headers={**AUTH, "Content-Type": "text/turtle"})
        assert stuck.status_code == 503
        assert str(server.var / ".lock") in stuck.json()["detail"]
        after = requests.post(people, data=member(server.base, "w3"), timeout=60,
                              headers={**AUTH, "Content-Type": "text/turtle"})
        assert after.status_code == 200, after.text
    finally:
        stop_server(server.process)


def test_a_build_that_cannot_take_the_lock_exits_with_one_line_naming_it(tmp_path):
    root = make_root(tmp_path / "root")
    var = tmp_path / "var"
    with held_lock(var):
        done = subprocess.run(
            [sys.executable, "-m", "service.cli", "build", "--root", str(root), "--var", str(var),
             "--base", BASE], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
            env={"CITYNET_LOCK_TIMEOUT": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("citynet build: ")
    assert str(var / ".lock") in lines[0]
    assert not (var / "current").exists()
