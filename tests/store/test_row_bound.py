"""The row limit's cheap bound: never below the true row count in any results format, even
when literals contain the byte patterns it counts, so no result over the limit slips through."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service import media
from service.problems import Problem
from service.sparql.execution import (
    Limits,
    QueryRequest,
    _count_solutions,
    _rows_at_most,
    execute,
)

TRICKY = st.text(alphabet=st.sampled_from(['}', ',', '{', '<', '>', 'r', 'e', 's', 'u', 'l', 't',
                                           '\n', '\r', '"', '\t', 'x']), max_size=12)


class MemoryStore:
    """An in-memory pyoxigraph store behind the service's store interface (query only)."""

    def __init__(self, store: ox.Store) -> None:
        self._store = store

    def query(self, sparql: str, **_ignored) -> object:
        return self._store.query(sparql)


def store_of(values: list[str]) -> ox.Store:
    store = ox.Store()
    p = ox.NamedNode("http://example.org/p")
    for i, value in enumerate(values):
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/s{i}"), p, ox.Literal(value)))
    return store


@settings(max_examples=60, deadline=None)
@given(st.lists(TRICKY, max_size=8))
def test_the_bound_is_never_below_the_true_count(values):
    store = store_of(values)
    for fmt in media.RESULTS_FORMATS:
        body = store.query("SELECT ?s ?o WHERE { ?s ?p ?o }").serialize(format=fmt.format)
        assert _rows_at_most(body, fmt) >= _count_solutions(body, fmt) == len(values)


@pytest.mark.parametrize("fmt", media.RESULTS_FORMATS, ids=lambda f: f.name)
def test_the_row_limit_holds_in_every_format_when_literals_mimic_row_marks(fmt):
    store = MemoryStore(store_of(["},{", "<result>", "a\nb", "\r\n"] * 3))  # 12 rows
    query = QueryRequest("SELECT ?s ?o WHERE { ?s ?p ?o }", fmt, None)
    assert execute(store, query, Limits(max_rows=12)).kind == "solutions"
    with pytest.raises(Problem) as refused:
        execute(store, query, Limits(max_rows=11))
    assert "result limit of 11 rows" in refused.value.detail
