"""The release-scoped response cache: whole answers, shared by a worker's threads.

Answers are a pure function of (release, request variant), so an answer rendered once is sent
again until the release changes; the first look-up under a new release empties the cache, so
a build invalidates everything at once. Bounded by total bytes (least recently used go first);
one answer larger than an eighth of the bound is never kept, so a few big answers cannot evict
everything else. :mod:`service.web.http_cache` decides what is kept and serves it.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass

from cachetools import LRUCache


@dataclass(frozen=True)
class Body:
    """A rendered representation: its bytes and Content-Type."""

    data: bytes
    content_type: str


@dataclass(frozen=True)
class Stored:
    """A kept answer: what a 200 sends (its headers and bytes) and the route that made it."""

    headers: tuple[tuple[str, str], ...]
    data: bytes
    route: str
    etag: str | None = None
    vary: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return len(self.data) + sum(len(k) + len(v) for k, v in self.headers) + 200


def _size(item: Stored) -> int:
    return item.size


class ResponseCache:
    def __init__(self, max_bytes: int) -> None:
        self._max = max(0, max_bytes)
        self._lock = threading.Lock()
        self._release: str | None = None
        self._items: LRUCache = LRUCache(maxsize=max(1, self._max), getsizeof=_size)

    @property
    def enabled(self) -> bool:
        return self._max > 0

    @property
    def max_bytes(self) -> int:
        return self._max

    def _for(self, release: str) -> None:
        if release != self._release:
            self._items.clear()
            self._release = release

    def get(self, release: str, key: Hashable) -> Stored | None:
        if not self._max:
            return None
        with self._lock:
            self._for(release)
            return self._items.get(key)

    def put(self, release: str, key: Hashable, item: Stored) -> None:
        if not self._max or item.size > self._max // 8:
            return
        with self._lock:
            self._for(release)
            self._items[key] = item

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    @property
    def bytes(self) -> int:
        with self._lock:
            return int(self._items.currsize)
