"""Killable, memory-capped query execution: a small pool of executor processes per WSGI worker.

pyoxigraph has no query timeout, and a thread cannot be stopped from outside, so each query
runs in a separate process that opens the live release read-only itself. The web thread waits
for the answer for ``query_timeout`` seconds; past that it SIGKILLs the process (its CPU and
memory are freed at once), answers 503, and a replacement is started in the background.
Each executor caps its own data segment (``RLIMIT_DATA``: heap and anonymous mappings, what a
sort or a join grows) at ``query_memory`` bytes: past it an allocation fails, the process ends
(pyoxigraph aborts), the request gets 503 naming the limit and a replacement is started.
Processes come from a ``forkserver`` (never forked from a threaded worker that holds RocksDB
handles), preloaded with this module so a replacement starts in milliseconds. SPARQL Update
runs the same way, in a one-off process (:func:`run_update`).

After each answer an executor that has grown by more than ``store_handle_memory`` since it
opened the store closes its handle and hands the freed heap back to the system (see
:mod:`service.store.memory`): an idle executor keeps little more than the interpreter.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import resource
import signal
import threading
import time
from itertools import chain
from multiprocessing.connection import Connection
from pathlib import Path

from service import metrics
from service.problems import Problem, limit
from service.sparql.execution import execute
from service.sparql.guard import admit
from service.sparql.request import Limits, QueryOutcome, QueryRequest
from service.store.base import Store

log = logging.getLogger("citynet.query")

_CONTEXT_LOCK = threading.Lock()
_CONTEXT: multiprocessing.context.BaseContext | None = None


def _context() -> multiprocessing.context.BaseContext:
    global _CONTEXT
    with _CONTEXT_LOCK:
        if _CONTEXT is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["service.sparql.pool"])
            _CONTEXT = ctx
        return _CONTEXT


def serve_queries(conn: Connection, store: Store, limits: Limits) -> None:
    """The executor process: answer requests from ``conn`` until the parent goes away.
    ``store`` arrived pickled (its specification) and opens its release on first use."""

    cap_memory(limits.max_memory)
    while True:
        try:
            wire = conn.recv()
        except (EOFError, OSError):
            return
        exhausted = False
        try:
            outcome = execute(store, QueryRequest.from_wire(wire), limits)
            reply: tuple = ("ok", outcome.body, outcome.media_type, outcome.kind)
        except Problem as exc:  # refused, over a limit, nothing published: sent as it is
            reply = ("rejected", exc)
        except MemoryError:
            reply, exhausted = ("rejected", out_of_memory(limits.max_memory)), True
        except OSError as exc:
            reply = ("rejected", Problem(503, f"query failed: {_first_line(exc)}"))
        except Exception as exc:  # evaluation errors: unbound service variable, type errors …
            reply = ("rejected", Problem(400, f"query failed: {_first_line(exc)}"))
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return
        if exhausted:
            return  # a process that ran out of memory is replaced, not reused
        trim = getattr(store, "trim", None)  # the embedded store: a grown handle is closed
        if trim is not None:
            trim()


def cap_memory(limit: int | None) -> None:
    """Cap this process's data segment at ``limit`` bytes (None: no cap).

    ``RLIMIT_DATA`` counts the heap and private anonymous mappings, which is where a query's
    memory goes; unlike ``RLIMIT_AS`` it leaves the store's file mappings and thread stacks out,
    so a cap close to what the process really uses still lets it open the store.
    """
    if limit:
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def out_of_memory(cap: int | None, what: str = "query") -> Problem:
    """503 for a query or update stopped by the memory cap (or by the machine's memory)."""
    size = f"{cap / (1 << 20):g} MiB" if cap else "the available memory"
    return Problem(503, f"{what} stopped: memory limit of {size} exceeded",
                   limit=limit("query_memory", cap or 0, "bytes"))


def _died_of_memory(process: multiprocessing.process.BaseProcess, limit: int | None) -> bool:
    """An executor that ended on SIGABRT under a cap: an allocation failed (Rust aborts)."""
    process.join(2)
    return bool(limit) and process.exitcode == -signal.SIGABRT


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


class _Executor:
    """One executor process and the parent's end of its pipe."""

    def __init__(self, store: Store, limits: Limits) -> None:
        ctx = _context()
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=serve_queries, args=(child, store, limits),
                                   name="citynet-query", daemon=True)
        self.process.start()
        child.close()

    def call(self, wire: dict, timeout: float) -> tuple | None:
        """The reply, or None when ``timeout`` passed first. EOFError if the process died."""
        self.conn.send(wire)
        if not self.conn.poll(timeout):
            return None
        return self.conn.recv()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class ProcessRunner:
    """Guarded, time- and size-limited execution in ``settings.query_workers`` processes."""

    def __init__(self, settings, store: Store) -> None:
        self._settings = settings
        self._store = store
        self._limits = Limits.from_settings(settings)
        self._size = max(1, settings.query_workers)
        self._idle: queue.LifoQueue[_Executor] = queue.LifoQueue()
        self._count = 0
        self._lock = threading.Lock()

    def _spawn_slot(self) -> bool:
        with self._lock:
            if self._count < self._size:
                self._count += 1
                return True
            return False

    def _new(self) -> _Executor:
        try:
            return _Executor(self._store, self._limits)
        except Exception:
            with self._lock:
                self._count -= 1
            raise

    def _acquire(self) -> _Executor:
        """An idle, living executor; dead ones (killed from outside) are replaced on the way."""
        deadline = time.monotonic() + self._settings.query_timeout
        while True:
            try:
                executor = self._idle.get_nowait()
            except queue.Empty:
                if self._spawn_slot():
                    return self._new()
                try:
                    executor = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    raise Problem(
                        503, f"all {self._size} query executors are busy; try again shortly",
                        headers={"Retry-After": "1"}) from None
            if executor.process.is_alive():
                return executor
            executor.kill()
            metrics.EXECUTOR_KILLS.inc()
            with self._lock:
                self._count -= 1

    def _replace(self, dead: _Executor) -> None:
        """Kill ``dead`` and put a fresh executor in its place, off the request thread."""

        def work() -> None:
            dead.kill()
            metrics.EXECUTOR_KILLS.inc()
            try:
                self._idle.put(_Executor(self._store, self._limits))
                metrics.EXECUTOR_RESTARTS.inc()
            except Exception:
                log.exception("could not start a query executor")
                with self._lock:
                    self._count -= 1

        threading.Thread(target=work, name="citynet-query-replace", daemon=True).start()

    def run(self, request: QueryRequest) -> QueryOutcome:
        admit(request, self._settings, self._store)
        timeout = self._settings.query_timeout
        executor = self._acquire()
        started = time.monotonic()
        try:
            reply = executor.call(request.to_wire(), timeout)
        except (EOFError, OSError):
            exhausted = _died_of_memory(executor.process, self._limits.max_memory)
            self._replace(executor)
            if exhausted:
                log.warning("query stopped after %.1f s: memory limit of %s bytes",
                            time.monotonic() - started, self._limits.max_memory)
                raise out_of_memory(self._limits.max_memory) from None
            raise Problem(503, "the query executor stopped unexpectedly; try again") from None
        if reply is None:
            executor.process.kill()  # free the CPU now; reaping happens in the background
            metrics.QUERY_TIMEOUTS.inc()
            self._replace(executor)
            log.warning("query stopped after %.1f s (time limit %s s)",
                        time.monotonic() - started, timeout)
            raise Problem(503, f"query stopped: time limit of {timeout:g} s exceeded",
                          limit=limit("query_timeout", timeout, "s"))
        self._idle.put(executor)
        if reply[0] == "ok":
            return QueryOutcome(body=reply[1], media_type=reply[2], kind=reply[3])
        raise reply[1]

    def close(self) -> None:
        """Stop every idle executor (busy ones end with their WSGI worker)."""
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                return


def _graph_changes(before, after, graphs: list[str]) -> tuple[list, list]:
    """The quads ``after`` adds to ``before`` and those it drops, in ``graphs`` only, one graph
    in memory at a time."""
    from service.store.dataset import graph_quads

    added: list = []
    removed: list = []
    for name in graphs:
        old, new = graph_quads(before, [name]), graph_quads(after, [name])
        added += new - old
        removed += old - new
    return added, removed


def _update_once(conn: Connection, memory: int | None) -> None:
    """The one-off update process: an on-disk store changed in place by the update, its
    changes (N-Quads added, N-Quads removed) out."""
    import pyoxigraph as ox

    cap_memory(memory)
    try:
        path, text, graphs = conn.recv()
        store = ox.Store(path)
        store.backup(f"{path}.before")  # hard links: what the graphs held, for the comparison
        store.update(text)
        before = ox.Store.read_only(f"{path}.before")
        if graphs is None:
            graphs = sorted({g.value for g in chain(before.named_graphs(), store.named_graphs())})
        added, removed = _graph_changes(before, store, graphs)
        for name in graphs:  # a graph left empty (or created empty) is no graph of a release
            graph = ox.NamedNode(name)
            if next(store.quads_for_pattern(None, None, None, graph), None) is None:
                store.remove_graph(graph)
        store.flush()
        nquads = ox.RdfFormat.N_QUADS
        reply: tuple = ("ok", ox.serialize(added, format=nquads),
                        ox.serialize(removed, format=nquads))
    except SyntaxError as exc:
        reply = ("rejected", Problem(400, f"malformed update: {_first_line(exc)}"))
    except MemoryError:
        reply = ("rejected", out_of_memory(memory, "update"))
    except (EOFError, OSError):
        return
    except Exception as exc:  # evaluation errors
        reply = ("rejected", Problem(400, f"update failed: {_first_line(exc)}"))
    try:
        conn.send(reply)
    except (OSError, ValueError):
        return


def run_update(path: Path, text: str, graphs: frozenset[str] | None, timeout: float,
               memory: int | None) -> tuple[bytes, bytes]:
    """Apply a SPARQL Update to the on-disk store at ``path`` (no other process may have it
    open) in a process of its own, under the query time limit and memory cap; what it changed
    in ``graphs`` (None: in any named graph) as N-Quads (added, removed), or a Problem
    (400/503). After a failure the store at ``path`` may be half-changed: discard it."""
    ctx = _context()
    conn, child = ctx.Pipe()
    process = ctx.Process(target=_update_once, args=(child, memory), name="citynet-update",
                          daemon=True)
    process.start()
    child.close()
    try:
        try:
            conn.send((str(path), text, sorted(graphs) if graphs is not None else None))
            if not conn.poll(timeout):
                raise Problem(503, f"update stopped: time limit of {timeout:g} s exceeded",
                              limit=limit("query_timeout", timeout, "s"))
            reply = conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            if _died_of_memory(process, memory):
                raise out_of_memory(memory, "update") from None
            raise Problem(503, "the update process stopped unexpectedly; nothing was "
                                     "changed") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        conn.close()
    if reply[0] == "ok":
        return reply[1], reply[2]
    raise reply[1]
