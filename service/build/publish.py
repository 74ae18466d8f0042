"""Publish a valid dataset as a new release, built beside the live one and swapped in atomically.

Nothing under ``current`` is ever modified: a new release is written to a temporary folder,
completed (store, dumps, description, and ``release.json`` last), renamed into place, and
only then does the ``current`` symlink move, with one ``rename(2)``. A crash or kill at any
point before that leaves the previous release live and untouched; leftovers of an
interrupted build are removed by the next one.
"""

from __future__ import annotations

import fcntl
import gc
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from service.build import history
from service.build.catalog import describe_release
from service.build.dumps import Written, release_id
from service.build.release_files import Revision, write_files
from service.store.dataset import LAYOUT, graph_quads, merged_default
from service.store.release import (
    PROPERTY_KINDS,
    RELEASE_FILE,
    NoRelease,
    Release,
    current_link,
    current_release,
    read_release,
    releases_dir,
)

log = logging.getLogger(__name__)

KEEP_RELEASES = 5
BUILDING_PREFIX = ".building-"


class LockBusy(Exception):
    """The release lock stayed held by another build or write for longer than allowed."""


class BuildBusy(LockBusy):
    """Another build held the build lock for longer than allowed."""


def _wait_flock(handle, deadline: float | None) -> bool:
    """Take an exclusive ``flock`` on ``handle``; False once ``deadline`` has passed."""
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if deadline is None else fcntl.LOCK_NB))
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)


@contextmanager
def release_lock(var: Path, timeout: float | None = None) -> Iterator[None]:
    """One publisher at a time (a build's final step or an API write), across threads and
    processes.

    Holders read the live release and publish the next one under the lock, so no change is
    lost to a concurrent swap. An exclusive ``flock`` on ``var/.lock``; the kernel releases it
    when a holder dies. With ``timeout``, waiting longer raises LockBusy naming the lock, so
    a stuck holder cannot make every later write and build wait forever.
    """
    var.mkdir(parents=True, exist_ok=True)
    path = var / ".lock"
    with path.open("w") as handle:
        if not _wait_flock(handle, None if timeout is None else time.monotonic() + timeout):
            raise LockBusy(f"the release lock {path} is held by another build or write; "
                           f"gave up after {timeout:g} s")
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def build_lock(var: Path, timeout: float | None = None) -> Iterator[None]:
    """One build at a time: an exclusive ``flock`` on ``var/.build-lock``, held for the whole
    build (which takes the release lock only for its final step, so writes go on meanwhile).

    The holder's process id is written into the file, so a build that gives up after
    ``timeout`` (BuildBusy) can name the one it waited for.
    """
    var.mkdir(parents=True, exist_ok=True)
    path = var / ".build-lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    with os.fdopen(fd, "r+") as handle:
        if not _wait_flock(handle, None if timeout is None else time.monotonic() + timeout):
            holder = handle.read().strip() or "unknown"
            raise BuildBusy(f"another build is running (process {holder}, lock {path}); "
                            f"gave up waiting after {timeout:g} s")
        try:
            handle.truncate(0)
            handle.write(str(os.getpid()))
            handle.flush()
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_store(path: Path, quads: list[ox.Quad]) -> ox.Store:
    """A pyoxigraph store at ``path`` holding ``quads`` in their named graphs and, as its real
    default graph, their RDF merge: each distinct triple once (a set, as SPARQL defines it;
    pyoxigraph's union default graph would repeat a triple once per graph that states it)."""
    store = ox.Store(str(path))
    store.extend(quads)
    store.extend(merged_default(quads))
    return store


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _claim(folder: Path) -> int | None:
    """An open descriptor of ``folder`` holding its ``flock``, or None when another process
    (a running build or write) holds it or the folder is gone."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def remove_leftovers(var: Path) -> None:
    """Delete the ``.building-…`` folders of interrupted builds and writes.

    Each folder is ``flock``ed by its owner while it works in it (:func:`building_folder`)
    and the kernel releases that lock when the owner dies: a folder whose lock can be taken
    is a leftover; one whose lock is held belongs to a running build or write and is kept.
    """
    root = releases_dir(var)
    if not root.is_dir():
        return
    for entry in root.iterdir():
        if not entry.name.startswith(BUILDING_PREFIX):
            continue
        fd = _claim(entry)
        if fd is not None:
            try:
                shutil.rmtree(entry, ignore_errors=True)
            finally:
                os.close(fd)


def prune(var: Path, keep: int) -> list[Path]:
    """Delete the oldest releases beyond ``keep`` (the live one counts and is never deleted)."""
    root = releases_dir(var)
    live = current_link(var).resolve()
    done = sorted(
        (p for p in root.iterdir() if not p.name.startswith(".") and p.resolve() != live),
        key=lambda p: (p.stat().st_mtime_ns, p.name),
        reverse=True,
    )
    removed = done[max(keep, 1) - 1 :]
    for old in removed:
        shutil.rmtree(old, ignore_errors=True)
    return removed


def swap_current(var: Path, release_dir: Path) -> None:
    """Point ``current`` at ``release_dir`` atomically (a symlink replaced by rename).

    Callers hold the release lock, so any other ``.current-…`` link is a leftover of a
    publisher killed mid-swap."""
    for entry in var.glob(".current-*"):
        entry.unlink(missing_ok=True)
    temp_link = var / f".current-{uuid.uuid4().hex}"
    os.symlink(release_dir.relative_to(var), temp_link)
    os.replace(temp_link, current_link(var))
    _fsync_dir(var)


@contextmanager
def building_folder(var: Path) -> Iterator[Path]:
    """A new, private folder to build a release in (``releases/.building-…``), deleted if
    anything fails before :func:`publish_store` has renamed it into place.

    The folder is ``flock``ed for as long as it is in use, so the leftovers another build or
    write removes (:func:`remove_leftovers`) are only those of killed ones, never this one.
    """
    var.mkdir(parents=True, exist_ok=True)
    releases_dir(var).mkdir(exist_ok=True)
    remove_leftovers(var)
    while True:
        building = releases_dir(var) / f"{BUILDING_PREFIX}{uuid.uuid4().hex}"
        building.mkdir()
        fd = os.open(building, os.O_RDONLY | os.O_DIRECTORY)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.stat(building).st_ino == os.fstat(fd).st_ino:
                break  # still ours: a cleaner could have removed it between mkdir and flock
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        yield building
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    finally:
        os.close(fd)


COUNTS_QUERY = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
TRIPLES_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def store_counts(store: ox.Store) -> tuple[int, dict[str, int]]:
    """The default graph's triples and each named graph's, counted by the store."""
    graphs = {row["g"].value: int(row["n"].value) for row in store.query(COUNTS_QUERY)}
    triples = int(next(iter(store.query(TRIPLES_QUERY)))["n"].value)
    return triples, dict(sorted(graphs.items()))


@dataclass(frozen=True)
class Prepared:
    """A release's files written in its building folder, short of what depends on the live
    release (its change log against it, the record, the swap): :func:`finish_release`."""

    building: Path
    base: str
    prefixes: dict[str, str]
    triples: int
    graphs: dict[str, int]
    written: Written
    release_id: str
    first: dict | None  # the change log's summary when written as a first release's


def prepare_release(store: ox.Store, building: Path, *, base: str, prefixes: dict[str, str],
                    first: bool, compact: bool = True,
                    revision: Revision | None = None) -> Prepared:
    """Write the dumps, the label index and (``first``: no release is live) the first change
    log of the release in ``store`` (``building/store``): the long part of publishing, which
    needs no lock, and can run again on the same folder after the store changed.
    ``compact`` compacts the store first (after a bulk load; a write's copy of a compacted
    store does not need it). Given the ``revision`` a write made, the dumps and the label
    index are the live release's with what changed written again, when they can be."""
    if compact:
        store.optimize()
    if revision is not None and revision.counts is not None:
        triples, graphs = revision.counts
    else:
        triples, graphs = store_counts(store)
    # a first release's change log has every triple: written from the N-Quads dump's pass,
    # which also hashes each graph (a later release diffs only the graphs whose hash changed)
    log_all = history.FirstChangeLog(building / "changes.body") if first else None
    written = write_files(store, building, base, prefixes,
                          disjoint=triples == sum(graphs.values()), sink=log_all,
                          revision=None if first else revision)
    identifier = release_id(written.digests)
    summary = None
    if log_all is not None:
        summary = log_all.finish(building / history.CHANGES_FILE, base, identifier, prefixes,
                                 graphs)
    store.flush()
    return Prepared(building, base, prefixes, triples, graphs, written, identifier, summary)


def finish_release(prepared: Prepared, held: list[ox.Store], *, var: Path, meta: dict,
                   sources: str = "", before_swap: Callable[[Release, Path], None] | None = None,
                   keep: int = KEEP_RELEASES) -> Release:
    """Complete a prepared release against the release live now and make it the live one.

    Callers hold the release lock. ``held`` is a one-item list with the release's store, its
    only reference: read for the change log, then closed (the list emptied) before the swap.
    ``before_swap`` runs once the release is complete and its store closed, before it goes
    live (the remote backend publishes it to its server there), given the release at the
    folder it is about to be renamed to and where its store is now; if it raises, the live
    one stays as it was. The release records the live
    one as its previous release, with the triples that changed since (``changes.trig``); the
    oldest releases beyond ``keep`` are then deleted, never the live one.
    """
    building, base, identifier = prepared.building, prepared.base, prepared.release_id
    previous = live_release(var)
    summary = prepared.first
    if previous is not None:
        summary = _change_log(previous, held[0], building, base, identifier, prepared.prefixes,
                              prepared.written.digests)
    held.clear()
    gc.collect()

    info = {
        "id": identifier,
        "base": base,
        "built": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "version": meta.get("version", ""),
        "sources": sources,
        "triples": prepared.triples,
        "default_graph": LAYOUT,
        "quads": sum(prepared.graphs.values()),
        "graphs": prepared.graphs,
        "dumps": prepared.written.dumps,
        "sequence": previous.sequence + 1 if previous else 1,
        "previous": previous.id if previous else None,
        "previous_built": previous.built if previous else None,
        "changes": summary,
        history.DIGESTS: prepared.written.digests,
        PROPERTY_KINDS: sorted(prepared.written.usage),
    }
    description = describe_release(info, meta, base)
    (building / "description.ttl").write_bytes(
        ox.serialize(description, format=ox.RdfFormat.TURTLE, prefixes=prepared.prefixes)
    )
    (building / RELEASE_FILE).write_text(json.dumps(info, indent=2), encoding="utf-8")
    _fsync_dir(building)
    final = releases_dir(var) / f"{identifier}-{time.time_ns()}"
    if before_swap is not None:
        # told where the release will live: a remote store's record names its folder
        before_swap(Release(path=final, info=read_release(building).info), building / "store")

    os.rename(building, final)
    swap_current(var, final)
    prune(var, keep)
    return read_release(final)


def publish_store(
    store: ox.Store,
    building: Path,
    *,
    var: Path,
    base: str,
    meta: dict,
    prefixes: dict[str, str],
    sources: str = "",
    before_swap: Callable[[Release, Path], None] | None = None,
    keep: int = KEEP_RELEASES,
    compact: bool = True,
    revision: Revision | None = None,
) -> Release:
    """Complete the release whose store (named graphs and their merge as the default graph)
    is ``building/store`` and make it the live one, all at once: callers hold the release
    lock. Hand it the only reference to ``store``: it is closed before the swap. See
    :func:`prepare_release` for ``compact`` and ``revision``, :func:`finish_release` for the
    rest."""
    prepared = prepare_release(store, building, base=base, prefixes=prefixes,
                               first=live_release(var) is None, compact=compact,
                               revision=revision)
    held = [store]
    del store
    return finish_release(prepared, held, var=var, meta=meta, sources=sources,
                          before_swap=before_swap, keep=keep)


def _change_log(previous: Release, store: ox.Store, building: Path, base: str, release_id: str,
                prefixes: dict[str, str], digests: dict[str, str]) -> dict | None:
    """Write the triples changed since ``previous`` (``changes.trig``); their summary, or
    None when the previous release cannot be read (then there is no change log).

    Only the graphs whose content hash differs are read, from the two stores (all of them
    when the previous release has no hashes), so a release that changes one source, or a
    write that changes a few triples, stays cheap."""
    changed = history.changed_graphs(previous.info.get(history.DIGESTS), digests)
    try:
        old = ox.Store.read_only(str(previous.store_path))
    except (OSError, RuntimeError) as exc:  # RocksDB reports damage as a RuntimeError
        # an unreadable older release must not block publishing: this one has no change log
        log.warning("no change log: the previous release's store is unreadable (%s)", exc)
        return None
    changes = history.diff(graph_quads(old, changed), graph_quads(store, changed))
    change_log = history.change_log(changes, base, release_id, previous.id)
    (building / history.CHANGES_FILE).write_bytes(
        ox.serialize(change_log, format=ox.RdfFormat.TRIG, prefixes=prefixes))
    return history.summary(changes)


def live_release(var: Path) -> Release | None:
    """The live release a new one revises, if there is one whose store is there to compare."""
    try:
        release = current_release(var)
    except NoRelease:
        return None
    return release if release.store_path.is_dir() else None
