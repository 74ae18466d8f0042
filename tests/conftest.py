"""Shared fixtures: the project's own dataset built once into a temporary folder, a small
fixture dataset (tests/fixtures/data, facts copied from the seeds) for the tests that only need
some dataset, and a real server process serving the project's dataset on a free port."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from service.build.pipeline import build
from service.settings import PROJECT_ROOT, Settings, load_settings
from service.store.release import Release

SHARED = PROJECT_ROOT.parent / "shared"
FIXTURE_DATA = PROJECT_ROOT / "tests" / "fixtures" / "data"


def source_copy(root: Path, data: Path = PROJECT_ROOT / "data") -> Path:
    """A private copy of the sources (data, vocabulary, shapes, named queries) under ``root``:
    a test may break them, and writes journal into it rather than the checkout's data/."""
    shutil.copytree(data, root / "data")
    for folder in ("ontology", "shapes", "queries"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    return root
BASE = "http://127.0.0.1:8080/"


def snapshot(var: Path) -> dict[str, bytes]:
    """Every file of the live release, by relative path (to prove it is untouched)."""
    live = (var / "current").resolve()
    return {str(p.relative_to(live)): p.read_bytes() for p in live.rglob("*") if p.is_file()}


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared folder beside the checkout (seeds, reference files)."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the checkout")
    return SHARED


@pytest.fixture(scope="session")
def build_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for a build of the project's data into a private var folder."""
    return load_settings({"var": tmp_path_factory.mktemp("var"), "base": BASE}, environ={})


@pytest.fixture(scope="session")
def built_release(build_settings: Settings) -> Release:
    return build(build_settings)


@pytest.fixture(scope="session")
def built_store(built_release: Release) -> ox.Store:
    """The published dataset, read-only. Its default graph is the merge of the named graphs:
    query it without ``use_default_graph_as_union`` (a bag that would add the named graphs)."""
    return ox.Store.read_only(str(built_release.store_path))


@pytest.fixture(scope="session")
def app(build_settings: Settings, built_release: Release):
    """The web application on the project's dataset (real executor processes)."""
    from service.web.app import create_app

    return create_app(build_settings)


@pytest.fixture(scope="session")
def fixture_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for the fixture dataset: tests/fixtures/data beside the project's vocabulary,
    shapes and named queries, in a private root (built with the real build)."""
    root = source_copy(tmp_path_factory.mktemp("fixture-root"), FIXTURE_DATA)
    return load_settings({"root": root, "var": root / "var", "base": BASE}, environ={})


@pytest.fixture(scope="session")
def fixture_release(fixture_settings: Settings) -> Release:
    return build(fixture_settings)


@pytest.fixture()
def client(app):
    """Flask's test client: HTTP semantics without a server process."""
    return app.test_client()


@dataclass
class Server:
    """A running ``citynet serve`` process."""

    url: str
    base: str
    var: Path
    process: subprocess.Popen
    log: Path

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 30)
        return requests.get(self.url + path.lstrip("/"), **kwargs)


def start_server(var: Path, log: Path, env: dict[str, str] | None = None,
                 args: tuple[str, ...] = ()) -> Server:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    full_env = {**os.environ, "CITYNET_VAR": str(var), "CITYNET_PORT": str(port),
                "CITYNET_HOST": "127.0.0.1", "CITYNET_WORKERS": "2", **(env or {})}
    full_env.pop("CITYNET_BASE", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", *args],
            cwd=PROJECT_ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if requests.get(url + "health", timeout=2).status_code == 200:
                return Server(url=url, base=full_env.get("CITYNET_BASE", url), var=var,
                              process=process, log=log)
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or too busy starting to answer within 2 s
        time.sleep(0.2)
    stop_server(process)
    raise RuntimeError(f"server did not become healthy:\n{log.read_text()}")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server process (gunicorn, 2 workers) on a free port, base = its own URL.

    The store is built by ``citynet serve`` itself, as on a fresh machine.
    """
    folder = tmp_path_factory.mktemp("server")
    srv = start_server(folder / "var", folder / "server.log")
    try:
        yield srv
    finally:
        stop_server(srv.process)
