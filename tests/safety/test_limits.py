"""Bounded queries, at the runner: stopped on time (the process killed, its CPU freed), refused
past the row and byte limits, and other queries served meanwhile. Real executor processes."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest

from service import media
from service.problems import Problem
from service.settings import Settings
from service.sparql.pool import ProcessRunner
from service.sparql.request import QueryRequest
from service.sparql.runner import InProcessRunner
from service.store.embedded import EmbeddedStore
from service.store.release import Release

pytestmark = pytest.mark.slow  # real processes, real time

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SMALL = "SELECT ?s WHERE { ?s a <http://www.w3.org/ns/org#Membership> } LIMIT 3"


def request(query: str) -> QueryRequest:
    return QueryRequest(query, media.SPARQL_JSON, media.TURTLE)


@pytest.fixture()
def runner(safe_settings: Settings, safe_release: Release) -> Iterator[ProcessRunner]:
    r = ProcessRunner(safe_settings, EmbeddedStore(safe_settings.var))
    yield r
    r.close()


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def executor_pids(runner: ProcessRunner) -> set[int]:
    return {e.process.pid for e in list(runner._idle.queue)}


def test_a_runaway_query_is_stopped_at_the_time_limit_and_its_process_killed(runner):
    runner.run(request(SMALL))  # start an executor
    before = executor_pids(runner)
    started = time.monotonic()
    with pytest.raises(Problem) as stopped:
        runner.run(request(RUNAWAY))
    elapsed = time.monotonic() - started
    assert stopped.value.status == 503
    assert stopped.value.detail == "query stopped: time limit of 2 s exceeded"
    assert 1.9 <= elapsed < 4
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in before) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in before), "the runaway's process is still running"
    assert runner.run(request(SMALL)).kind == "solutions"  # a replacement serves the next one


def test_small_queries_are_answered_promptly_while_a_runaway_runs(runner):
    runner.run(request(SMALL))
    outcome: list[object] = []
    runaway = threading.Thread(target=lambda: outcome.append(_catch(runner, RUNAWAY)))
    runaway.start()
    time.sleep(0.3)
    for _ in range(5):
        started = time.monotonic()
        assert runner.run(request(SMALL)).kind == "solutions"
        assert time.monotonic() - started < 1.0
    runaway.join()
    assert isinstance(outcome[0], Problem) and outcome[0].status == 503


def _catch(runner: ProcessRunner, query: str) -> object:
    try:
        return runner.run(request(query))
    except Problem as exc:
        return exc


def test_more_rows_than_the_limit_is_refused_with_the_limit_named(runner):
    for query in ("SELECT * WHERE { ?s ?p ?o }", "CONSTRUCT WHERE { ?s ?p ?o }"):
        with pytest.raises(Problem) as refused:
            runner.run(request(query))
        assert refused.value.status == 400
        assert "result limit of 500 rows exceeded" in refused.value.detail
    assert runner.run(request("SELECT * WHERE { ?s ?p ?o } LIMIT 500")).kind == "solutions"


@pytest.mark.parametrize("fmt", media.RESULTS_FORMATS, ids=lambda f: f.name)
def test_the_row_limit_holds_in_every_results_format(runner, fmt):
    within = runner.run(QueryRequest("SELECT * WHERE { ?s ?p ?o } LIMIT 500", fmt, None))
    assert within.media_type == fmt.media_type
    with pytest.raises(Problem, match="500 rows"):
        runner.run(QueryRequest("SELECT * WHERE { ?s ?p ?o } LIMIT 501", fmt, None))


def test_a_result_larger_than_the_byte_limit_is_refused(safe_settings, safe_release):
    small = safe_settings.with_overrides(max_result_bytes=2000)
    r = ProcessRunner(small, EmbeddedStore(small.var))
    try:
        with pytest.raises(Problem, match="result limit of 2000 bytes exceeded"):
            r.run(request("SELECT * WHERE { ?s ?p ?o } LIMIT 100"))
        assert r.run(request("ASK { ?s ?p ?o }")).kind == "boolean"
    finally:
        r.close()


def test_a_dead_executor_is_replaced_without_failing_the_next_query(runner):
    runner.run(request(SMALL))
    for pid in executor_pids(runner):
        os.kill(pid, 9)
    time.sleep(0.2)
    assert runner.run(request(SMALL)).kind == "solutions"


def test_malformed_queries_are_400(runner):
    with pytest.raises(Problem) as refused:
        runner.run(request("SELECT WHERE {"))
    assert refused.value.status == 400 and "malformed" in refused.value.detail


def test_the_in_process_runner_applies_the_guard_and_row_limit(safe_settings, safe_release):
    r = InProcessRunner(EmbeddedStore(safe_settings.var), safe_settings)
    with pytest.raises(Problem, match="SERVICE"):
        r.run(request("SELECT * { SERVICE <http://evil.example/> { ?s ?p ?o } }"))
    with pytest.raises(Problem, match="500 rows"):
        r.run(request("SELECT * { ?s ?p ?o }"))
