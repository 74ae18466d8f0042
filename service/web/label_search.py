"""The release's label index for the web: label search for /search and the home page, and
the entities reconciliation reads; from the index file when the build wrote one (cost follows
the answer), else from the store (a bounded SPARQL query over the labels; every name read
into this process)."""

from __future__ import annotations

import pyoxigraph as ox

from service.reconcile.index import EntityIndex, read_index
from service.search.entities import StoredIndex
from service.search.index_file import index_path
from service.search.label_index import search as search_index
from service.store.base import Store
from service.store.release import Release
from service.web import describe


def search(store: Store, release: Release, text: str, limit: int = 50
           ) -> list[tuple[ox.NamedNode, ox.Literal]]:
    """(thing, label) of the labels containing ``text`` (case and accents aside), shortest
    first."""
    found = search_index(index_path(release.path), text, limit)
    if found is None:
        return describe.search(store, text, limit)
    return [(ox.NamedNode(iri), ox.Literal(value, language=lang or None))
            for iri, value, lang in found]


def open_index(store: Store, release: Release, id_space: str) -> EntityIndex:
    """The reconciliation index of ``release``: its label index file when the build wrote one
    for this id space, else every name read from the store (a release built before the
    label index, or a replica that does not see the release folder)."""
    stored = StoredIndex.open(release.id, id_space, index_path(release.path))
    return stored if stored is not None else read_index(store, release, id_space)
