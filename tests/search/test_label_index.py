"""The label index built into each release answers label search and reconciliation exactly as
reading every label from the store does, on the seed data: the same /search results (plus
matches that differ only by accents), the same reconciliation candidates, scores and matches,
the same autocompletion."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from service.reconcile import protocol
from service.reconcile.index import load_index
from service.reconcile.match import fold, normalise
from service.reconcile.schema import KINDS
from service.search.entities import StoredIndex
from service.search.index_file import index_path
from service.search.label_index import ALL_LABELS, search
from service.settings import Settings
from service.store.release import Release
from service.web import describe, label_search
from tests.conftest import BASE

ID_SPACE = BASE + "id/"


@pytest.fixture(scope="module")
def store(built_release: Release, build_settings: Settings):
    from service.store.embedded import EmbeddedStore

    return EmbeddedStore(build_settings.var)


@pytest.fixture(scope="module")
def labels(built_store: ox.Store) -> list[tuple[str, str, str]]:
    """Every (thing, label, language) of the seeds, read from the published store."""
    return sorted({(r["x"].value, r["l"].value, r["l"].language or "")
                   for r in built_store.query(ALL_LABELS)})


@pytest.fixture(scope="module")
def without_index(built_release: Release, tmp_path_factory) -> Release:
    """The same release as seen by a process that has no index file (the fallback path)."""
    folder = tmp_path_factory.mktemp("no-index")
    shutil.copy(built_release.path / "release.json", folder / "release.json")
    return Release(path=folder, info=built_release.info)


def queries(labels: list[tuple[str, str, str]]) -> list[str]:
    """Texts to search for, from the seeds' own labels: whole labels, their beginnings, a
    middle part, one and two letters, and words."""
    found = {"a", "mi", "tamp", "münchen", "munchen", "Barcelona", "-", "zzz"}
    for _, label, _ in labels:
        found.update({label, label[:3], label[:5], label[len(label) // 3: len(label) // 3 + 4]})
        found.update(w for w in re.split(r"\W+", label) if len(w) > 3)
    return sorted(t for t in found if t.strip())


def test_the_build_writes_the_index_into_the_release(built_release: Release):
    assert index_path(built_release.path).is_file()


def test_search_finds_every_label_containing_the_text_shortest_first(built_release, labels):
    """Against a brute-force scan of every label of the store."""
    for text in queries(labels):
        key = fold(text)
        expected = sorted((r for r in labels if key in fold(r[1])),
                          key=lambda r: (len(r[1]), r[1], r[2], r[0]))[:50]
        got = search(index_path(built_release.path), text, 50)
        assert [tuple(r) for r in got] == [(iri, label, lang) for iri, label, lang in expected], text


def _ordered(rows) -> list[tuple[int, str, str]]:
    """Results in a tie-free order (SPARQL leaves the order of equally long equal labels open)."""
    return sorted((len(label.value), label.value, node.value) for node, label in rows)


def test_search_keeps_every_result_of_the_store_query(store, built_release, without_index,
                                                     labels):
    """The store's query (case-insensitive, accents kept) and the index agree wherever folding
    accents changes nothing; the index adds only labels that differ by accents."""
    assert not index_path(without_index.path).exists()
    everything = len(labels) + 1  # nothing cut by the limit
    for text in queries(labels):
        before = label_search.search(store, without_index, text, everything)
        after = label_search.search(store, built_release, text, everything)
        assert set(_ordered(before)) <= set(_ordered(after)), text
        extra = set(_ordered(after)) - set(_ordered(before))
        assert all(text.lower() not in label.lower() for _, label, _ in extra), text
        lengths = [len(label.value) for _, label in after]
        assert lengths == sorted(lengths), text  # shortest first
        if not extra:
            assert _ordered(before) == _ordered(after), text


def test_search_folds_accents_both_ways(built_release):
    found = {iri for iri, _, _ in search(index_path(built_release.path), "munchen", 50)}
    assert ID_SPACE + "city/munich" in found
    found = {iri for iri, _, _ in search(index_path(built_release.path), "MÜNCHEN", 50)}
    assert ID_SPACE + "city/munich" in found


@pytest.fixture(scope="module")
def indexes(store, built_release: Release):
    """The index read from the store (every entity in memory) and the stored one."""
    memory = load_index(store, built_release.id, ID_SPACE)
    stored = StoredIndex.open(built_release.id, ID_SPACE, index_path(built_release.path))
    assert stored is not None and len(memory.entities) > 100
    return memory, stored


def _variants(name: str) -> set[str]:
    """A name as a portal might write it: as is, without accents, upper case, a letter
    dropped, two letters swapped, its first word, its beginning."""
    plain = fold(name)
    found = {name, plain, name.upper(), name.split()[0], name[: max(3, len(name) // 2)]}
    if len(plain) > 4:
        i = len(plain) // 2
        found.add(plain[:i] + plain[i + 1:])
        found.add(plain[:i] + plain[i + 1] + plain[i] + plain[i + 2:])
    return {v for v in found if v.strip()}


def _batch(indexes, body: dict) -> tuple[list[dict], list[dict]]:
    memory, stored = indexes
    query = protocol.parse_query("q", body)
    return (protocol.reconcile(query, memory)["result"],
            protocol.reconcile(query, stored)["result"])


#: Below this a candidate resembles the query only by scattered letters (no word, no part of
#: a name in common): it can never be a match, and the stored index may leave it out.
NOISE = 60.0


def assert_same(before: list[dict], after: list[dict], what) -> None:
    """The same candidates, scores, order and matches, but for letter noise at the tail."""
    assert [c for c in after if c["score"] >= NOISE] == \
        [c for c in before if c["score"] >= NOISE], what
    assert all(c in before for c in after), what  # nothing the full index would not give
    assert all(c["score"] < NOISE for c in before if c not in after), what


def test_reconciliation_answers_as_the_full_index_does(indexes):
    memory, _ = indexes
    texts = set()
    for entity in memory.entities.values():
        texts.update(_variants(entity.name))
    assert len(texts) > 300
    identical = total = 0
    for text in sorted(texts):
        for body in ({"query": text}, {"query": text, "limit": 10},
                     {"query": text, "type": "city", "type_strict": "should"}):
            before, after = _batch(indexes, body)
            assert_same(before, after, body)
            identical += before == after
            total += 1
    assert identical / total > 0.9, (identical, total)


def test_reconciliation_by_properties_answers_as_the_full_index_does(indexes):
    memory, _ = indexes
    cities = [e for e in memory.entities.values() if e.kind == "city" and e.country]
    assert cities
    for city in cities[:40]:
        for body in (
            {"query": city.name, "properties": [{"pid": "country", "v": city.country}]},
            {"query": "", "type": "city", "properties": [{"pid": "country", "v": city.country}]},
            {"query": fold(city.name), "properties": [{"pid": "wikidata", "v": city.qid or "Q1"}]},
        ):
            before, after = _batch(indexes, body)
            assert_same(before, after, body)


def test_autocompletion_answers_as_the_full_index_does(indexes):
    memory, stored = indexes
    prefixes = set()
    for entity in memory.entities.values():
        key = normalise(entity.name)
        prefixes.update({key[:1], key[:2], key[:4], key.split()[-1][:3]})
    for prefix in sorted(p for p in prefixes if p):
        for types in ((), ("city",), ("group",)):
            before = protocol.suggest_entities(memory, prefix, types, 0, 10)
            after = protocol.suggest_entities(stored, prefix, types, 0, 10)
            assert after == before, (prefix, types)


def test_entities_and_countries_read_back_equal(indexes):
    memory, stored = indexes
    for entity_id, entity in memory.entities.items():
        assert stored.entity(entity_id) == entity
    assert stored.countries == memory.countries
    assert stored.entity("city/nowhere") is None
    assert {e.kind for e in memory.entities.values()} <= {k.id for k in KINDS}


def test_a_release_without_an_index_falls_back_to_the_store(store, without_index: Path):
    found = label_search.search(store, without_index, "tamp", 20)
    assert any(node.value == ID_SPACE + "place/tampere" for node, _ in found)
    assert describe.search(store, "tamp", 20)
