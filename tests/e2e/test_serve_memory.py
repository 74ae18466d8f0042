"""How ``citynet serve`` lays out its memory (see service/web/server.py): the gunicorn master
builds the application before forking but never opens the store (RocksDB handles must not cross
a fork), the workers open it on their first request, and the processes started later (the
query executors' fork server) run with few malloc arenas. A real server, read from /proc."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from tests.conftest import child_pids
from tests.store.test_handle_memory import open_store_files

pytestmark = pytest.mark.slow  # a real server process

QUERY = "SELECT ?s WHERE { ?s a <http://www.w3.org/ns/org#Membership> } LIMIT 2"


def command(pid: int) -> str:
    return (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())


def test_the_master_never_opens_the_store_and_the_workers_do(server):
    store = (server.var / "current").resolve() / "store"
    for _ in range(20):  # documents and queries, so both workers have opened it
        assert requests.get(server.url + "doc/network/eurocities.ttl", timeout=30,
                            headers={"Cache-Control": "no-cache"}).status_code == 200
        assert requests.get(server.url + "sparql", params={"query": QUERY}, timeout=30,
                            headers={"Accept": "application/sparql-results+json"}
                            ).status_code == 200
    master = server.process.pid
    workers = [p for p in child_pids(master) if "service.cli" in command(p)]
    assert len(workers) == 2
    assert open_store_files(master, store) == []
    assert any(open_store_files(worker, store) for worker in workers)


def test_the_query_executors_run_with_few_malloc_arenas(server):
    assert requests.get(server.url + "sparql", params={"query": QUERY}, timeout=30,
                        headers={"Accept": "application/sparql-results+json"}
                        ).status_code == 200
    forkservers = [p for w in child_pids(server.process.pid) for p in child_pids(w)
                   if "forkserver" in command(p)]
    assert forkservers, "the first query starts a fork server"
    for pid in forkservers:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert (b"MALLOC_ARENA_MAX=" + os.environ.get("MALLOC_ARENA_MAX", "2").encode()
                in environ)


def test_the_benchmark_tells_where_the_memory_goes(server):
    from benchmarks.memory import footprint, footprint_text

    assert requests.get(server.url + "sparql", params={"query": QUERY}, timeout=30,
                        headers={"Accept": "application/sparql-results+json"}
                        ).status_code == 200
    found = footprint(server.process.pid)
    assert found["master"][0] == 1 and found["web worker"][0] == 2
    assert found["fork server"][0] >= 1 and found["query executor"][0] >= 1
    assert all(pss > 0 for _count, pss in found.values())
    text = footprint_text(found)
    assert text.startswith("master ") and "2 web workers " in text

