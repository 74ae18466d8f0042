"""The embedded store: the live release's pyoxigraph store, opened read-only.

Queries read the store's real default graph, which every release fills with the merge of its
named graphs (a set; see :mod:`service.store.dataset`), never pyoxigraph's union (a bag).

A handle is opened once per process and reopened when a build has moved the ``current`` link
to a new release, so a running service picks up a rebuild by itself, or after :meth:`trim`
found the process's memory grown by more than ``handle_memory`` bytes since the handle was
opened (see :mod:`service.store.memory`). The store pickles as its folder and that
budget, so a query executor process reopens the very store it is given.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox

from service.store.base import QueryResult
from service.store.dataset import merge_needed, merged_store
from service.store.memory import RETURN_INTERVAL, resident_anonymous, return_freed_memory
from service.store.release import NoRelease, Release, current_link, current_release


class EmbeddedStore:
    def __init__(self, var: Path, handle_memory: int = 0) -> None:
        self._var = var
        self._handle_memory = handle_memory  # 0: the handle is never closed for its size
        self._lock = threading.Lock()
        self._target: str | None = None  # what the ``current`` link pointed at
        self._release: Release | None = None
        self._store: ox.Store | None = None
        self._opened_at = 0  # the process's anonymous memory when the handle was opened
        self._returned = 0.0

    def _current(self) -> tuple[Release, ox.Store]:
        """Called on every query: one readlink tells whether a build moved the link (the
        target names the release folder, new at every build); resolving it costs a stat
        per path component."""
        link = current_link(self._var)
        try:
            target = os.readlink(link)
        except OSError:  # no link yet (current_release says so), or a plain folder
            target = str(link.resolve())
        with self._lock:
            if self._store is None or target != self._target:
                release = current_release(self._var)
                opened_at = resident_anonymous()
                try:
                    self._store = ox.Store.read_only(str(release.store_path))
                except (OSError, RuntimeError) as exc:  # corrupted store: never serve it
                    raise NoRelease(f"the store of release {release.id} is unreadable",
                                    str(exc).splitlines()[0][:200]) from None
                self._release, self._target, self._opened_at = release, target, opened_at
            return self._release, self._store

    def trim(self) -> bool:
        """Close the handle if the process's memory grew by more than ``handle_memory``
        since it was opened (its block cache and table indexes go with it, see
        :mod:`service.store.memory`), and hand the freed heap back (that at most every
        ``RETURN_INTERVAL`` s while the handle stays); True if it was closed. Queries still
        running keep the old handle until they finish. Called by the query executors after
        each answer (service/sparql/pool.py)."""
        now = time.monotonic()
        if not self._handle_memory or self._store is None:
            return False
        if resident_anonymous() - self._opened_at <= self._handle_memory:
            if now - self._returned > RETURN_INTERVAL:  # what transient work freed
                self._returned = now
                return_freed_memory()
            return False
        with self._lock:
            self._store = None
            self._target = None
        self._returned = now
        return_freed_memory()
        return True

    def __getstate__(self) -> dict:
        """Pickled as its folder: an executor process reopens the store it is handed."""
        return {"var": self._var, "handle_memory": self._handle_memory}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["var"], state.get("handle_memory", 0))

    def release(self) -> Release:
        return self._current()[0]

    def handle(self) -> ox.Store:
        """The raw read-only pyoxigraph store (for quad lookups and bulk dumps)."""
        return self._current()[1]

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
    ) -> QueryResult:
        """Run a query against the store's real default graph (the stored merge of the named
        graphs); several default graphs named by the protocol or by FROM are merged for this
        query (see :mod:`service.store.dataset`)."""
        store = self.handle()
        kwargs: dict = {}
        merge = merge_needed(sparql, default_graphs, named_graphs)
        if merge is not None:
            store = merged_store(store, merge)
            kwargs["default_graph"] = [ox.DefaultGraph()]
            if merge.named is not None:
                kwargs["named_graphs"] = [ox.NamedNode(g) for g in merge.named]
        else:
            if default_graphs:
                kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
            if named_graphs:
                kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if substitutions:
            kwargs["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
        return store.query(sparql, **kwargs)
