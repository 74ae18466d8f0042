"""The store a server reads: it serves only a release minted under the server's own base IRI.

A release's IRIs all start with the base it was built for (``release.base``). If another
process publishes a release under another base into the same ``var/`` (``citynet build
--base …``), every ``/id/…`` of this server would answer 404 and SPARQL would return foreign
IRIs; instead the store refuses that release and the service answers 503 saying why, until a
release with the server's base is published again.
"""

from __future__ import annotations

from typing import Any

from service.store.base import QueryResult, Store
from service.store.release import NoRelease, Release


class ForeignBase(NoRelease):
    """The live release was minted under another base IRI than the server's."""


def check_base(release: Release, base: str) -> Release:
    """``release`` if it was minted under ``base``; ForeignBase (one readable line) if not."""
    if release.base != base:
        raise ForeignBase(f"the live release {release.id} was built for {release.base}, not for "
                          f"this server's base {base}; publish one with `citynet build --base "
                          f"{base}` (or restart `citynet serve`, which rebuilds it)")
    return release


class ServedStore:
    """A Store that refuses a live release minted under another base (see module doc)."""

    def __init__(self, store: Store, base: str) -> None:
        self._store = store
        self._base = base

    def release(self) -> Release:
        return check_base(self._store.release(), self._base)

    def query(self, sparql: str, **kwargs: Any) -> QueryResult:
        self.release()
        return self._store.query(sparql, **kwargs)

    def __getattr__(self, name: str) -> Any:  # handle() and the like, from the wrapped store
        if name.startswith("_"):  # not forwarded: unpickling looks these up before _store is set
            raise AttributeError(name)
        return getattr(self._store, name)
