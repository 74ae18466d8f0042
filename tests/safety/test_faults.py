"""Faults: a build killed at any moment leaves the live release intact; a missing, invalid or
corrupted store is reported and never served; a worker killed under load costs at most the one
request it was serving. Real processes, real signals."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from service.build.pipeline import build
from service.settings import PROJECT_ROOT
from service.store.dataset import default_graph_size, named_quads
from service.store.release import current_release
from tests.conftest import child_pids, free_port, snapshot, stop_server
from tests.safety.conftest import BASE, make_root, mini_settings, people

pytestmark = pytest.mark.slow  # real processes, real time


def assert_complete(release) -> None:
    """A live release is whole: its store holds every quad and their merge as its default
    graph, its dumps match their checksums."""
    store = ox.Store.read_only(str(release.store_path))
    assert sum(1 for _ in named_quads(store)) == release.info["quads"]
    assert default_graph_size(store) == release.triples
    for dump in release.dumps:
        data = (release.dumps_path / dump["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == dump["sha256"]


def citynet(*args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "service.cli", *args], cwd=PROJECT_ROOT,
                            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kwargs)


def citynet_python(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_build_killed_at_any_point_leaves_the_live_release_intact(tmp_path):
    settings = mini_settings(tmp_path)
    build(settings)
    (settings.data_dir / "people.ttl").write_text(people(4000))  # a bigger, slower build
    before = snapshot(settings.var)
    live_id = current_release(settings.var).id
    args = ("build", "--root", str(settings.root), "--var", str(settings.var), "--base", BASE)
    started = time.monotonic()
    probe = citynet(*args)
    probe.wait(120)
    duration = time.monotonic() - started
    assert probe.returncode == 0, probe.stderr.read()
    # go back to the first release as the live one, then kill rebuilds at many moments
    rebuilt = current_release(settings.var)
    assert rebuilt.id != live_id
    build(mini_settings(tmp_path))  # rewrites root/ and publishes the small dataset again
    (settings.data_dir / "people.ttl").write_text(people(4000))
    before = snapshot(settings.var)
    live = (settings.var / "current").resolve()
    caught_publishing = 0
    for fraction in (0.15, 0.3, 0.45, 0.55, 0.65, 0.75, 0.82, 0.9, 0.95):
        process = citynet(*args)
        deadline = time.monotonic() + duration * fraction
        while time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.005)
        if any(p.name.startswith(".building-") for p in (settings.var / "releases").iterdir()):
            caught_publishing += 1
        process.send_signal(signal.SIGKILL)
        process.wait()
        if (settings.var / "current").resolve() != live:
            # killed after the swap (or not at all): the new release must be whole
            assert_complete(current_release(settings.var))
            break
        assert snapshot(settings.var) == before
        assert_complete(current_release(settings.var))
    assert caught_publishing >= 2, "no kill landed while a release was being written"
    finished = citynet(*args)
    assert finished.wait(120) == 0
    assert not any(p.name.startswith(".") for p in (settings.var / "releases").iterdir())


def test_serving_invalid_data_on_an_empty_var_exits_non_zero_with_one_readable_line(tmp_path):
    root = make_root(tmp_path / "root")
    with (root / "data" / "people.ttl").open("a") as f:
        f.write(f"<{BASE}id/membership/broken> a <http://www.w3.org/ns/org#Membership> .\n")
    process = citynet("serve", "--root", str(root), "--var", str(tmp_path / "var"),
                      "--port", str(free_port()))
    _out, err = process.communicate(timeout=120)
    assert process.returncode != 0
    last = err.decode().strip().splitlines()[-1]
    assert last.startswith("citynet serve: ") and "nothing was published" in last
    assert not (tmp_path / "var" / "current").exists()


def _corrupt(store_dir: Path) -> None:
    for path in store_dir.iterdir():
        if path.is_file() and path.stat().st_size > 0:
            path.write_bytes(b"\x00garbage" * 64)


def test_a_corrupted_store_is_never_served(tmp_path):
    settings = mini_settings(tmp_path)
    release = build(settings)
    _corrupt(release.store_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {"CITYNET_WORKERS": "1"}
    process = citynet("serve", "--root", str(settings.root), "--var", str(settings.var),
                      "--port", str(port), "--base", BASE, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = requests.get(url + "health", timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        if process.poll() is not None:
            assert process.returncode != 0
            assert process.stderr.read().decode().strip()
            return
        assert health.status_code == 503, health.text
        query = requests.get(url + "sparql", params={"query": "SELECT * { ?s ?p ?o }"},
                             headers={"Accept": "application/sparql-results+json"}, timeout=10)
        assert query.status_code == 503
        assert "Traceback" not in query.text
    finally:
        stop_server(process)


def workers(master: int, expected: int = 2, timeout: float = 30.0) -> list[int]:
    """The master's workers once ``expected`` of them run: gunicorn replaces a worker that
    died or was recycled by an earlier test in its own time, not at once."""
    deadline = time.monotonic() + timeout
    while len(found := child_pids(master)) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def test_a_worker_killed_under_load_costs_at_most_the_request_it_was_serving(safe_server):
    master = safe_server.process.pid
    assert len(workers(master)) == 2
    failures: list[str] = []
    done = threading.Event()
    count = 0

    def stream() -> None:
        nonlocal count
        while not done.is_set():
            try:
                r = requests.get(safe_server.url + "sparql", timeout=10, params={
                    "query": "SELECT ?s { ?s a <http://www.w3.org/ns/org#Membership> } LIMIT 5"},
                    headers={"Accept": "application/sparql-results+json", "Connection": "close"})
                if r.status_code != 200:
                    failures.append(f"{r.status_code} {r.text[:100]}")
            except requests.RequestException as exc:
                failures.append(type(exc).__name__)
            count += 1

    client = threading.Thread(target=stream)
    client.start()
    time.sleep(1.0)
    victim = workers(master)[0]
    os.kill(victim, signal.SIGKILL)
    time.sleep(4.0)
    done.set()
    client.join()
    assert count > 20
    assert len(failures) <= 1, failures
    replacement = workers(master)
    assert len(replacement) == 2 and victim not in replacement


WRITER = """
import sys
from pathlib import Path
from service.settings import load_settings
from service.writes.apply import apply_write
from service.writes.operations import add_to_graph, parse_graph_body
root, var, base, body = sys.argv[1:5]
if sys.argv[5:] == ["pause-after-journal"]:  # say when the journal holds the write, then wait
    import time
    from service.build import journal
    append = journal.append
    def announced(*args, **kwargs):
        done = append(*args, **kwargs)
        print("JOURNALED", flush=True)
        time.sleep(60)
        return done
    journal.append = announced
settings = load_settings({"root": Path(root), "var": Path(var), "base": base}, environ={})
graph = base + "graph/people"
triples = parse_graph_body(body.encode(), "text/turtle", graph)
result = apply_write(settings, "faultsweep", add_to_graph(graph, triples), "Graph Store POST")
print("ACK", result.release.id, flush=True)
"""


def _member_ttl(name: str) -> str:
    return (f"<{BASE}id/membership/{name}> a <http://www.w3.org/ns/org#Membership> ; "
            f"<http://www.w3.org/ns/org#member> <{BASE}id/person/{name}> .")


def _has(release, name: str) -> bool:
    store = ox.Store.read_only(str(release.store_path))
    return bool(store.query(f"ASK {{ <{BASE}id/membership/{name}> ?p ?o }}"))


@pytest.mark.slow
def test_a_write_killed_at_any_point_loses_nothing_acknowledged_and_publishes_nothing_half(
        tmp_path):
    from service.build import journal

    settings = mini_settings(tmp_path)
    (settings.data_dir / "people.ttl").write_text(people(2000))  # a slower write
    build(settings)

    def writer(name: str, *pause: str) -> subprocess.Popen:
        return citynet_python(WRITER, str(settings.root), str(settings.var), BASE,
                              _member_ttl(name), *pause)

    def check(name: str, out: bytes) -> None:
        if out.startswith(b"ACK"):
            acknowledged.add(name)
        live = current_release(settings.var)
        assert_complete(live)  # never a half-written release
        entries = journal.read(settings.data_dir)  # the journal always parses
        recorded = any(f"membership/{name}>" in e.record["add"] for e in entries)
        outcomes.add((recorded, _has(live, name)))
        for done in acknowledged:
            assert any(f"membership/{done}>" in e.record["add"] for e in entries), done

    started = time.monotonic()
    probe = writer("probe")
    out, err = probe.communicate(timeout=120)
    duration = time.monotonic() - started
    assert out.startswith(b"ACK"), err
    acknowledged = {"probe"}
    outcomes = set()
    for i, fraction in enumerate((0.2, 0.4, 0.55, 0.7, 0.8, 0.9, 0.97)):
        name = f"k{i}"
        process = writer(name)
        deadline = time.monotonic() + duration * fraction
        while time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        check(name, process.communicate()[0])
    # and one kill known to land between the journal and the swap (a write is quick: the
    # moments above may all miss that window)
    process = writer("kj", "pause-after-journal")
    assert process.stdout.readline() == b"JOURNALED\n", process.stderr.read()
    process.send_signal(signal.SIGKILL)
    check("kj", process.communicate()[0])
    assert (True, False) in outcomes, "no kill landed between the journal and the swap"
    # the next write publishes what was recorded but not yet live, and a build keeps it all
    final = writer("final")
    out, err = final.communicate(timeout=120)
    assert out.startswith(b"ACK"), err
    recorded = [n for n in (*(f"k{i}" for i in range(7)), "kj") if any(
        f"membership/{n}>" in e.record["add"] for e in journal.read(settings.data_dir))]
    for name in ("probe", "final", *recorded):
        assert _has(current_release(settings.var), name), name
    build(settings)
    for name in ("probe", "final", *recorded):
        assert _has(current_release(settings.var), name), name
    assert not any(p.name.startswith(".") for p in (settings.var / "releases").iterdir())


def test_a_torn_journal_line_is_ignored_and_cut_by_the_next_append(tmp_path):
    from service.build import journal

    settings = mini_settings(tmp_path)
    build(settings)
    journal.append(settings.data_dir, {"before": "a", "release": "b", "base": BASE,
                                       "add": "", "remove": ""})
    path = journal.journal_path(settings.data_dir)
    whole = path.read_bytes()
    for cut in (1, len(whole) // 2, len(whole) - 1):  # a kill inside the single write(2)
        path.write_bytes(whole + whole[:cut])
        assert len(journal.read(settings.data_dir)) == 1
        build(settings)  # a torn tail is not a damaged source
    journal.append(settings.data_dir, {"before": "b", "release": "c", "base": BASE,
                                       "add": "", "remove": ""})
    assert [e.release for e in journal.read(settings.data_dir)] == ["b", "c"]
    assert path.read_bytes().startswith(whole) and path.read_bytes().count(b"\n") == 2
