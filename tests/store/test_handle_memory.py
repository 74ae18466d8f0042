"""A store handle that grew past ``store_handle_memory`` is closed and reopened: in the web
process (EmbeddedStore.trim) and in the query executors (after each answer), with the same
answers before and after. Real store, real executor processes; whether a handle is open is
read from the process's open files (RocksDB keeps its table files open)."""

from __future__ import annotations

import json
import os
import pickle
import time
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest

from service import media
from service.sparql.pool import ProcessRunner
from service.sparql.request import QueryRequest
from service.store import open_store
from service.store.embedded import EmbeddedStore
from service.store.memory import resident_anonymous, return_freed_memory

ORG = "http://www.w3.org/ns/org#"
MEMBERS = f"SELECT ?m WHERE {{ ?m a <{ORG}Membership> }} ORDER BY ?m"


def open_store_files(pid: int, store_path: Path) -> list[str]:
    """The files of ``store_path`` that process ``pid`` holds open."""
    folder = str(store_path.resolve())
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith(folder + "/"):
            found.append(target)
    return found


def memberships(store) -> list[str]:
    return [row["m"].value for row in store.query(MEMBERS)]


def test_resident_anonymous_memory_is_read_and_grows_with_an_allocation():
    before = resident_anonymous()
    block = bytearray(32 << 20)  # written, so resident
    assert before > 0
    assert resident_anonymous() >= before + (24 << 20)
    del block


def test_freed_heap_is_handed_back_to_the_system():
    blocks = [bytes(1500) for _ in range(40_000)]  # ~60 MiB from malloc (not pymalloc)
    kept = blocks[::64]  # a few live blocks pin the heap: glibc alone cannot shrink it
    del blocks
    before = resident_anonymous()
    return_freed_memory()
    assert resident_anonymous() < before - (20 << 20)
    del kept


def test_a_handle_over_its_budget_is_closed_and_reopened_with_the_same_answers(
        fixture_settings, fixture_release):
    store = EmbeddedStore(fixture_settings.var, handle_memory=1)  # any growth is too much
    first = memberships(store)
    assert first, "the fixture dataset has memberships"
    assert open_store_files(os.getpid(), fixture_release.store_path)
    block = bytearray(8 << 20)  # the process grows since the handle was opened
    assert store.trim() is True
    del block
    assert store.handle() is not None  # reopened on use
    assert memberships(store) == first


def test_a_handle_within_its_budget_or_without_one_stays_open(fixture_settings,
                                                              fixture_release):
    unbounded = EmbeddedStore(fixture_settings.var)
    generous = EmbeddedStore(fixture_settings.var, handle_memory=1 << 40)
    for store in (unbounded, generous):
        handle = store.handle()
        block = bytearray(8 << 20)
        assert store.trim() is False
        assert store.handle() is handle
        del block


def test_the_budget_travels_with_the_pickled_store(fixture_settings):
    store = open_store(replace(fixture_settings, store_handle_memory=12345), serving=True)
    copy = pickle.loads(pickle.dumps(store))
    assert copy._store.__getstate__() == {"var": fixture_settings.var, "handle_memory": 12345}


@pytest.mark.parametrize("budget, keeps_handle", [(0, True), (1, False)])
def test_an_executor_closes_a_grown_handle_after_answering(fixture_settings, fixture_release,
                                                           budget, keeps_handle):
    settings = replace(fixture_settings, query_workers=1, store_handle_memory=budget)
    runner = ProcessRunner(settings, open_store(settings, serving=True))
    try:
        expected = memberships(ox.Store.read_only(str(fixture_release.store_path)))
        for _ in range(3):  # the next query reopens a closed handle and answers the same
            outcome = runner.run(QueryRequest(MEMBERS, media.SPARQL_JSON, media.TURTLE))
            rows = json.loads(outcome.body)["results"]["bindings"]
            assert [row["m"]["value"] for row in rows] == expected
        executor = runner._idle.get_nowait()
        deadline = time.monotonic() + 5  # the executor trims after it has answered
        while True:
            held = open_store_files(executor.process.pid, fixture_release.store_path)
            if bool(held) is keeps_handle or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        runner._idle.put(executor)
        assert bool(held) is keeps_handle
    finally:
        runner.close()
