"""Reconciliation among thousands of near-namesakes ("Vienna", "Vienna 2" … "Vienna 58"), on a
generated dataset built once and served by a real server: an exact name still comes first with
``match: true``, each query reads a pool bounded by its limit (not by the data), and the best
answers are those of scoring every entity of the release."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from service.generate.dataset import city_rows
from service.reconcile import protocol
from service.reconcile.index import Index, build_index, facts_query, labels_query
from service.reconcile.match import fold, normalise, score
from service.search.entities import StoredIndex, pool_size
from service.search.index_file import index_path
from service.settings import PROJECT_ROOT
from tests.conftest import BASE, Server, start_server, stop_server

pytestmark = pytest.mark.slow

ID_SPACE = BASE + "id/"
#: Cities in the generated city table: the curated ones, then numbered copies of them.
CITIES = 3000


def _cli(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "service.cli", *args], check=True, cwd=PROJECT_ROOT,
                   capture_output=True)


@pytest.fixture(scope="session")
def namesakes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[dict]]:
    """(root, var, city rows): ``citynet generate`` of 20k triples whose city table then
    holds CITIES rows made as the generator makes them for a large dataset (numbered copies
    in the same countries), built once by ``citynet build``."""
    folder = tmp_path_factory.mktemp("namesakes")
    root, var = folder / "root", folder / "var"
    _cli("generate", "--triples", "20000", "--out", str(root))
    rows = city_rows(CITIES, PROJECT_ROOT / "data" / "cities" / "cities.csv")
    with (root / "data" / "cities" / "cities.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    _cli("build", "--root", str(root), "--var", str(var), "--base", BASE)
    return root, var, rows


@pytest.fixture(scope="module")
def served(namesakes) -> Iterator[Server]:
    root, var, _ = namesakes
    server = start_server(var, var.parent / "server.log", env={"CITYNET_ROOT": str(root)},
                          args=("--base", BASE))
    yield server
    stop_server(server.process)


@pytest.fixture(scope="module")
def indexes(namesakes) -> tuple[Index, StoredIndex]:
    """Every entity of the release in memory (what scoring everything answers) and the
    release's label index."""
    _, var, _ = namesakes
    release = (var / "current").resolve()
    store = ox.Store.read_only(str(release / "store"))
    space = {ox.Variable("space"): ox.Literal(ID_SPACE)}
    memory = build_index("all", ID_SPACE, store.query(labels_query(None), substitutions=space),
                         store.query(facts_query(None), substitutions=space))
    stored = StoredIndex.open("stored", ID_SPACE, index_path(release))
    assert stored is not None
    return memory, stored


def _sample(rows: list[dict], every: int) -> list[dict]:
    """Every ``every``-th city of the table: curated ones and numbered copies alike."""
    return rows[::every]


def test_the_dataset_is_full_of_namesakes(namesakes, indexes):
    _, _, rows = namesakes
    memory, _ = indexes
    cities = memory.of_kinds({"city"})
    assert len(cities) == CITIES
    vienna = [e for e in cities if fold(e.name).startswith("vienna")]
    assert len(vienna) > 40  # "Vienna", "Vienna 2" … all in Austria
    assert {e.country for e in vienna} == {"AT"}


def test_an_exact_name_ranks_first_with_match_among_namesakes(served, namesakes):
    _, _, rows = namesakes
    chosen = _sample(rows, 61)
    for start in range(0, len(chosen), 10):
        batch = chosen[start:start + 10]
        queries = {f"q{i}": {"query": row["name_en"], "type": "city"}
                   for i, row in enumerate(batch)}
        response = requests.post(served.url + "reconcile",
                                       data={"queries": json.dumps(queries)}, timeout=60)
        assert response.status_code == 200, response.text
        answers = response.json()
        for i, row in enumerate(batch):
            result = answers[f"q{i}"]["result"]
            assert len(result) == protocol.DEFAULT_LIMIT  # the namesakes fill the answer
            first = result[0]
            assert (first["id"], first["name"], first["score"], first["match"]) == \
                (f"city/{row['slug']}", row["name_en"], 100.0, True), row["name_en"]
            assert not any(c["match"] for c in result[1:]), row["name_en"]


def test_each_query_reads_a_pool_bounded_by_its_limit(namesakes, indexes):
    _, _, rows = namesakes
    _, stored = indexes
    for row in _sample(rows, 97):
        for limit in (1, 10, 20):
            query = protocol.parse_query("q", {"query": row["name_en"], "limit": limit})
            pool = stored.pools([(query.text, protocol.conditions(query, stored), limit)])[0]
            assert f"city/{row['slug']}" in {e.id for e in pool}
            # a few ways of finding candidates, each reading a few per answer
            assert len(pool) <= 6 * pool_size(limit) < CITIES / 5, (row["name_en"], limit)


def _variants(name: str) -> list[str]:
    """A name as a spreadsheet may write it: as is, unaccented in capitals, a letter dropped
    from its first word."""
    plain = fold(name)
    word = plain.split()[0]
    dropped = word[: len(word) // 2] + word[len(word) // 2 + 1:] + plain[len(word):]
    return [name, plain.upper(), dropped]


def test_the_best_answers_are_those_of_scoring_every_entity(namesakes, indexes):
    """The first candidate and every match are the same as when every entity is scored; each
    candidate has the score it has there; the answer is never better than that one."""
    _, _, rows = namesakes
    memory, stored = indexes
    for row in _sample(rows, 53):
        for text in _variants(row["name_en"]):
            for body in ({"query": text, "type": "city"},
                         {"query": text, "properties": [{"pid": "country", "v": row["country"]}]}):
                query = protocol.parse_query("q", body)
                everything = protocol.reconcile(query, memory)["result"]
                answer = protocol.reconcile(query, stored)["result"]
                assert answer[0] == everything[0], body
                assert [c for c in answer if c["match"]] == \
                    [c for c in everything if c["match"]], body
                asked = protocol.conditions(query, memory)
                assert all(score(normalise(text), memory.entities[c["id"]], asked).score
                           == c["score"] for c in answer), body
                pairs = zip(answer, everything, strict=False)  # the answer may be shorter
                assert all(a["score"] <= e["score"] for a, e in pairs), body
