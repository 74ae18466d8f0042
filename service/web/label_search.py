"""Label search for /search and the home page: from the release's label index when the build
wrote one (cost follows the answer), else by a bounded SPARQL query over the labels."""

from __future__ import annotations

import pyoxigraph as ox

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
