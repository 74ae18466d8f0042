"""A real SPARQL 1.1 server for the remote backend: Oxigraph server (the ``oxigraph`` PyPI
package), started on a free port, stopped at the end. It runs without ``--union-default-graph``
(a bag): the build loads the merge of the named graphs as its real default graph."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from service.settings import Settings, load_settings
from tests.conftest import BASE, free_port


@dataclass
class SparqlServer:
    url: str
    process: subprocess.Popen

    @property
    def query_url(self) -> str:
        return self.url + "query"

    @property
    def update_url(self) -> str:
        return self.url + "update"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_oxigraph(location: Path) -> SparqlServer:
    beside = Path(sys.executable).parent / "oxigraph"  # the venv's console script
    binary = str(beside) if beside.exists() else shutil.which("oxigraph")
    if binary is None:
        pytest.skip("the oxigraph server (pip install oxigraph) is not installed")
    port = free_port()
    process = subprocess.Popen(
        [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    server = SparqlServer(f"http://127.0.0.1:{port}/", process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph serve exited with {process.returncode}")
        try:
            answer = requests.post(server.query_url, data={"query": "ASK {}"}, timeout=2)
            if answer.status_code == 200:
                return server
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError("oxigraph serve did not answer within 30 s")


def remote_settings(var: Path, server: SparqlServer | None, **extra) -> Settings:
    values = {"var": var, "base": BASE, "backend": "remote",
              "remote_query_url": server.query_url if server else "",
              "remote_update_url": server.update_url if server else "", **extra}
    return load_settings(values, environ={})


@pytest.fixture(scope="session")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparqlServer]:
    """One Oxigraph server for the whole session (tests that change it use ``new_oxigraph``)."""
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def new_oxigraph(tmp_path: Path) -> Iterator[Callable[[], SparqlServer]]:
    """A factory of empty Oxigraph servers, private to one test."""
    started: list[SparqlServer] = []

    def start() -> SparqlServer:
        server = start_oxigraph(tmp_path / f"oxigraph-{len(started)}")
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


@pytest.fixture(scope="session")
def remote_built(tmp_path_factory: pytest.TempPathFactory, oxigraph: SparqlServer) -> Settings:
    """The project's dataset built with backend=remote into the session's Oxigraph server."""
    from service.build.pipeline import build

    settings = remote_settings(tmp_path_factory.mktemp("remote-var"), oxigraph)
    build(settings)
    return settings
