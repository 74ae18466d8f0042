"""Real SPARQL 1.1 servers for the remote backend, started on free loopback ports and stopped
at the end: Oxigraph server (the ``oxigraph`` PyPI package) and Virtuoso 7 (Debian's
``virtuoso-opensource``; ``.ci/run`` installs it). Neither uses a union default graph: every
query names the release's own default graph (the merge of its named graphs, a set).

Virtuoso runs from a ``virtuoso.ini`` of its own in a temporary folder (database, ISQL and HTTP
ports on 127.0.0.1), and its anonymous ``SPARQL`` user is granted ``SPARQL_UPDATE`` through ISQL,
so the build writes through the plain ``/sparql`` endpoint (no digest authentication). Its tests
are skipped when ``virtuoso-t`` is not installed, except in CI (``CI`` set), where that fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from service.settings import Settings, load_settings
from tests.conftest import BASE, free_port

ENGINES = ("oxigraph", "virtuoso")


@dataclass
class SparqlServer:
    query_url: str
    update_url: str
    process: subprocess.Popen
    engine: str = "oxigraph"
    folder: Path = field(default_factory=Path)

    @property
    def url(self) -> str:
        return self.query_url.rsplit("/", 1)[0] + "/"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _wait(server: SparqlServer, seconds: float) -> SparqlServer:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.engine} exited with {server.process.returncode}")
        try:
            answer = requests.post(server.query_url, data={"query": "ASK {}"}, timeout=2)
            if answer.status_code == 200:
                return server
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{server.engine} did not answer within {seconds:g} s")


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
    url = f"http://127.0.0.1:{port}/"
    return _wait(SparqlServer(url + "query", url + "update", process), 30)


VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{isql}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 8
MaxClientConnections = 8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 0
"""


def start_virtuoso(folder: Path) -> SparqlServer:
    binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if binary is None or isql is None:
        if os.environ.get("CI"):
            raise RuntimeError("virtuoso-t and isql-vt are required in CI (apt-get install "
                               "virtuoso-opensource)")
        pytest.skip("Virtuoso (apt-get install virtuoso-opensource) is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    isql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=folder, isql=isql_port, http=http_port))
    process = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)], cwd=folder,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{http_port}/sparql"
    server = _wait(SparqlServer(url, url, process, "virtuoso", folder), 120)
    granted = subprocess.run(  # the anonymous SPARQL user may update: the build writes through
        [isql, f"127.0.0.1:{isql_port}", "dba", "dba", 'exec=grant SPARQL_UPDATE to "SPARQL";'],
        capture_output=True, text=True, timeout=60)
    if granted.returncode != 0:
        server.stop()
        raise RuntimeError(f"cannot grant SPARQL_UPDATE: {granted.stdout}{granted.stderr}")
    return server


def start_engine(engine: str, folder: Path) -> SparqlServer:
    return start_virtuoso(folder) if engine == "virtuoso" else start_oxigraph(folder)


def remote_settings(var: Path, server: SparqlServer | None, **extra) -> Settings:
    values = {"var": var, "base": BASE, "backend": "remote",
              "remote_query_url": server.query_url if server else "",
              "remote_update_url": server.update_url if server else "", **extra}
    return load_settings(values, environ={})


@pytest.fixture(scope="session", params=ENGINES)
def sparql_server(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparqlServer]:
    """One server of each engine for the whole session (tests that change one use
    ``new_server``)."""
    server = start_engine(request.param, tmp_path_factory.mktemp(request.param))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparqlServer]:
    """One Oxigraph server for the session, for the tests that are about Oxigraph alone."""
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def new_server(tmp_path: Path) -> Iterator[Callable[[str], SparqlServer]]:
    """A factory of empty servers of a given engine, private to one test."""
    started: list[SparqlServer] = []

    def start(engine: str = "oxigraph") -> SparqlServer:
        server = start_engine(engine, tmp_path / f"{engine}-{len(started)}")
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def new_oxigraph(new_server: Callable[[str], SparqlServer]) -> Callable[[], SparqlServer]:
    return lambda: new_server("oxigraph")


@pytest.fixture(scope="session")
def remote_built(tmp_path_factory: pytest.TempPathFactory,
                 sparql_server: SparqlServer) -> Settings:
    """The project's dataset built with backend=remote into the session's server (each engine)."""
    from service.build.pipeline import build

    settings = remote_settings(tmp_path_factory.mktemp("remote-var"), sparql_server)
    build(settings)
    return settings
