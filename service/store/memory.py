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

_LIBC = ctypes.util.find_library("c")


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
