"""The embedded store: the live release's pyoxigraph store, opened read-only.

A handle is opened once per process and reopened only when a build has moved the
``current`` link to a new release, so a running service picks up a rebuild by itself.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox

from service.store.base import QueryResult
from service.store.release import NoRelease, Release, current_link, current_release


class EmbeddedStore:
    def __init__(self, var: Path) -> None:
        self._var = var
        self._lock = threading.Lock()
        self._target: Path | None = None
        self._release: Release | None = None
        self._store: ox.Store | None = None

    def _current(self) -> tuple[Release, ox.Store]:
        target = current_link(self._var).resolve()
        with self._lock:
            if self._store is None or target != self._target:
                release = current_release(self._var)
                try:
                    self._store = ox.Store.read_only(str(release.store_path))
                except (OSError, RuntimeError) as exc:  # corrupted store: never serve it
                    raise NoRelease(f"the store of release {release.id} is unreadable: "
                                    f"{str(exc).splitlines()[0][:200]}") from None
                self._release, self._target = release, target
            return self._release, self._store

    def release(self) -> Release:
        return self._current()[0]

    def handle(self) -> ox.Store:
        """The raw read-only pyoxigraph store (for quad lookups and bulk dumps)."""
        return self._current()[1]

    def query(
        self,
        sparql: str,
        *,
        union_default: bool = True,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
    ) -> QueryResult:
        store = self.handle()
        kwargs: dict = {}
        if default_graphs:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        else:
            kwargs["use_default_graph_as_union"] = union_default
        if named_graphs:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if substitutions:
            kwargs["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
        return store.query(sparql, **kwargs)
