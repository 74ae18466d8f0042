"""What a process's store handle costs in memory, and giving it back.

A read-only pyoxigraph handle grows as it is read: RocksDB fills a block cache and keeps the
index blocks of every table it has opened (some 50 MiB per handle at 1M triples), and
pyoxigraph offers no option to size either. Closing the handle frees both, and reopening it
costs some 20-50 ms, so a handle that has grown past a budget is closed and the next use
reopens it: the cache then starts cold, which costs little, since the files stay in the
operating system's page cache.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os

_LIBC = ctypes.util.find_library("c")
#: Seconds between two hand-backs of freed heap (``malloc_trim`` walks the heap: cheap, but
#: not for every request).
RETURN_INTERVAL = 10.0


def resident_anonymous() -> int:
    """Bytes of this process's anonymous memory in RAM (heap and caches, not file mappings);
    0 where /proc does not say (not Linux)."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"RssAnon:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def return_freed_memory() -> None:
    """Hand the heap freed so far back to the system: glibc otherwise keeps it mapped for
    later allocations, and the process's footprint never shrinks."""
    with contextlib.suppress(OSError, AttributeError, TypeError):  # not glibc: it stays
        ctypes.CDLL(_LIBC).malloc_trim(0)


#: glibc's mallopt parameter for the number of malloc arenas (malloc.h: M_ARENA_MAX).
_M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Few malloc arenas for this process and every process it starts.

    glibc gives each thread that allocates concurrently an arena of its own (up to eight per
    CPU), and memory freed in one is not reused by another: with 16 threads per worker the
    workers kept some 20 MiB each of freed but unreturned memory. ``MALLOC_ARENA_MAX`` in the
    environment reaches the processes started later (the query executors' fork server);
    ``mallopt`` this process and the workers it forks. One set by the operator is kept."""
    try:
        arenas = int(os.environ.setdefault("MALLOC_ARENA_MAX", str(arenas)))
    except ValueError:  # an operator's value glibc cannot read either: leave it be
        return
    with contextlib.suppress(OSError, AttributeError, TypeError):  # not glibc: nothing to tune
        ctypes.CDLL(_LIBC).mallopt(_M_ARENA_MAX, arenas)
