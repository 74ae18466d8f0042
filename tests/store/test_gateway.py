"""The store is the only gateway to data: a store pickles as its specification, so a query
executor process reopens exactly the store the application was given (not one it finds from the
settings), and the runner is injected into the application like the store."""

from __future__ import annotations

import pickle
from pathlib import Path

import pyoxigraph as ox
import pytest

from service import media
from service.settings import Settings
from service.sparql.pool import ProcessRunner
from service.sparql.request import QueryRequest
from service.sparql.runner import InProcessRunner
from service.store.embedded import EmbeddedStore
from service.store.release import Release
from service.store.remote import RemoteStore
from service.store.served import ServedStore
from service.web.app import create_app
from tests.conftest import BASE

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def count(store) -> int:
    [row] = list(store.query(COUNT))
    return int(row["n"].value)


def test_an_embedded_store_pickles_as_its_folder_and_reopens_the_same_release(
        fixture_settings: Settings, fixture_release: Release):
    store = ServedStore(EmbeddedStore(fixture_settings.var), BASE)
    count(store)  # an open handle and a lock do not travel: only the folder does
    copy = pickle.loads(pickle.dumps(store))
    assert copy.release().id == fixture_release.id
    assert count(copy) == fixture_release.triples


@pytest.mark.slow
def test_a_remote_store_pickles_as_its_settings_and_reconnects(remote_built: Settings):
    store = RemoteStore(remote_built)
    live = store.release()
    copy = pickle.loads(pickle.dumps(store))
    assert copy.release().id == live.id
    assert count(copy) == count(store) == live.triples


def test_query_executors_open_the_store_they_are_given_not_the_settings_folder(
        tmp_path: Path, fixture_settings: Settings, fixture_release: Release):
    elsewhere = fixture_settings.with_overrides(var=tmp_path / "empty-var")  # nothing published
    runner = ProcessRunner(elsewhere, EmbeddedStore(fixture_settings.var))
    try:
        outcome = runner.run(QueryRequest(COUNT, media.SPARQL_JSON, media.TURTLE))
    finally:
        runner.close()
    [row] = ox.parse_query_results(outcome.body, format=ox.QueryResultsFormat.JSON)
    assert int(row["n"].value) == fixture_release.triples


def test_the_application_runs_user_queries_with_the_runner_it_is_given(
        fixture_settings: Settings, fixture_release: Release):
    store = EmbeddedStore(fixture_settings.var)
    runner = InProcessRunner(store, fixture_settings)
    app = create_app(fixture_settings, store, runner)
    assert app.extensions["citynet.runner"] is runner
    answer = app.test_client().get("/sparql", query_string={"query": COUNT},
                                   headers={"Accept": media.SPARQL_JSON.media_type})
    assert answer.status_code == 200
    assert int(answer.get_json()["results"]["bindings"][0]["n"]["value"]) == fixture_release.triples
