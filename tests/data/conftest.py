"""Fact tests: SPARQL over the published dataset (the shared ``built_store`` when the project
provides it, else the data files loaded here into an in-memory pyoxigraph store)."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cn_testdata  # noqa: E402

from service.store.dataset import merged_default  # noqa: E402


def _local_store() -> ox.Store:
    store = ox.Store()
    data = cn_testdata.full_dataset().serialize(format="nquads", encoding="utf-8")
    store.load(data, format=ox.RdfFormat.N_QUADS)
    store.extend(merged_default(list(store)))  # the default graph is the merge, as published
    return store


@pytest.fixture(scope="session")
def store(request: pytest.FixtureRequest) -> ox.Store:
    try:
        return request.getfixturevalue("built_store")
    except pytest.FixtureLookupError:
        return _local_store()


def _value(term):
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value.rsplit("#", 1)[-1]
        if dt in {"integer", "int", "long", "decimal"}:
            return int(term.value)
        return term.value
    return term.value


@pytest.fixture(scope="session")
def select(store):
    """Run a SELECT (prefixes added) over the default graph (the merge of all graphs); rows as
    dicts of plain values."""

    def run(query: str) -> list[dict]:
        solutions = store.query(cn_testdata.PREFIXES + query)
        names = [v.value for v in solutions.variables]
        return [{n: _value(row[n]) for n in names} for row in solutions]

    return run


@pytest.fixture(scope="session")
def ask(store):
    def run(query: str) -> bool:
        return bool(store.query(cn_testdata.PREFIXES + query))

    return run
