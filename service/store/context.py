"""The JSON-LD context of the release a store serves, once per release and base IRI (releases
are immutable) in each process that needs it: from the kinds of value of each property that
the build recorded, or, for a release without them, from one query over the whole data."""

from __future__ import annotations

import threading

from service import jsonld
from service.namespaces import data_prefixes
from service.store.base import Store

_LOCK = threading.Lock()
_CACHE: dict[tuple[str, str], jsonld.Context] = {}


def release_context(store: Store, base: str) -> jsonld.Context:
    """The dataset's context under ``base``: its prefixes and a term per property it uses."""
    release = store.release()
    key = (release.id, base)
    with _LOCK:
        found = _CACHE.get(key)
    if found is not None:
        return found
    usage = release.property_kinds
    if usage is None:
        usage = jsonld.usage_rows(store.query(jsonld.USAGE_QUERY))
    context = jsonld.build_context(usage, data_prefixes(base))
    with _LOCK:
        if len(_CACHE) > 8:  # old releases: a few at most, never unbounded
            _CACHE.clear()
        _CACHE[key] = context
    return context
