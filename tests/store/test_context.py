"""A release's JSON-LD context comes from the kinds of value the build recorded, not from a
query over the whole data on each process's first page (seconds at a million triples)."""

from __future__ import annotations

import dataclasses

import pyoxigraph as ox

from service import jsonld
from service.namespaces import data_prefixes
from service.store.context import release_context
from service.store.release import PROPERTY_KINDS, Release


class Recording:
    """The release's own pyoxigraph store, noting each query it is asked."""

    def __init__(self, release: Release) -> None:
        self._release = release
        self._store = ox.Store.read_only(str(release.store_path))
        self.queries: list[str] = []

    def release(self) -> Release:
        return self._release

    def query(self, text: str, **_options):
        self.queries.append(text)
        return self._store.query(text)


def _queried(release: Release) -> list[tuple[str, str]]:
    store = ox.Store.read_only(str(release.store_path))
    return sorted(set(jsonld.usage_rows(store.query(jsonld.USAGE_QUERY))))


def test_the_build_records_the_kinds_of_value_the_usage_query_finds(built_release):
    assert built_release.property_kinds == _queried(built_release)
    assert ("http://www.w3.org/2000/01/rdf-schema#label", "@language") in (
        built_release.property_kinds)


def test_the_context_is_made_from_the_record_without_a_query(built_release):
    base = "http://example.org/recorded/"
    store = Recording(built_release)
    context = release_context(store, base)
    assert store.queries == []
    assert context == jsonld.build_context(_queried(built_release), data_prefixes(base))


def test_a_release_without_the_record_is_queried_once(built_release):
    base = "http://example.org/older/"
    older = dataclasses.replace(built_release, info={
        k: v for k, v in built_release.info.items() if k != PROPERTY_KINDS})
    store = Recording(older)
    context = release_context(store, base)
    assert store.queries == [jsonld.USAGE_QUERY]
    assert context == jsonld.build_context(_queried(built_release), data_prefixes(base))
    assert release_context(store, base) is context and len(store.queries) == 1
