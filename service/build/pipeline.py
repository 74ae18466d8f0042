"""The build pipeline, end to end: sources -> validation -> release.

``validate`` only reads. ``build`` publishes a new release only when every graph conforms;
any error before the final swap leaves the live release exactly as it was.

A build holds the build lock (one build at a time) throughout, but the release lock, which
writes need, only twice and briefly: to read the journal at its start, and for its final
step, where the writes journaled meanwhile are caught up with before the release goes live.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from service.build import journal
from service.build.catalog import dataset_metadata
from service.build.load import Loaded, entry_quads, load_into, replay
from service.build.publish import (
    LockBusy,
    Prepared,
    build_lock,
    building_folder,
    finish_release,
    live_release,
    prepare_release,
    release_lock,
)
from service.build.remote_load import RemoteLoadFailed, load_remote
from service.build.sources import SourceError, Sources
from service.build.validate import Report, load_shapes, validate_change_loaded, validate_loaded
from service.namespaces import data_prefixes
from service.settings import Settings
from service.store.release import Release

log = logging.getLogger(__name__)


class BuildFailed(Exception):
    """The sources are unreadable or invalid; nothing was published."""

    def __init__(self, summary: str, report: Report | None = None) -> None:
        super().__init__(summary)
        self.summary = summary
        self.report = report


@dataclass(frozen=True)
class Checked:
    report: Report
    sources: Loaded | None = None  # the store the sources were loaded into, while it is open


def load_checked(store: ox.Store, settings: Settings, reference: bool = False,
                 entries: list[journal.Entry] | None = None) -> Checked:
    """Load the sources and the journaled writes (``entries``, else the journal as it is now)
    into ``store`` and validate them there (with pySHACL when ``reference``); raise
    BuildFailed on a parse error or a shape the fast validator cannot evaluate."""
    try:
        if entries is None:
            entries = journal.read(settings.data_dir)
        loaded = load_into(store, settings.data_dir, settings.ontology_dir, settings.base_iri,
                           entries)
        shapes = load_shapes(settings.shapes_dir)
        return Checked(validate_loaded(loaded, shapes, reference=reference), loaded)
    except (SourceError, journal.JournalError) as exc:
        raise BuildFailed(str(exc)) from None


def check(settings: Settings, reference: bool = False) -> Checked:
    """Parse and validate the sources in a temporary store (``citynet validate``): the report."""
    with tempfile.TemporaryDirectory(prefix="citynet-check-", ignore_cleanup_errors=True) as folder:
        report = load_checked(ox.Store(folder), settings, reference).report
        return Checked(report)


def sources_fingerprint(settings: Settings) -> str:
    """A hash of every source file (data, vocabulary, shapes) and the base IRI.

    ``citynet serve`` compares it with the live release's to rebuild when the sources changed.
    """
    return _fingerprints(settings)[0]


def _fingerprints(settings: Settings) -> tuple[str, str]:
    """:func:`sources_fingerprint`, and the same hash without the journal (the one source
    that may change while a build runs and still be part of its release)."""
    every = hashlib.sha256(settings.base_iri.encode())
    files = hashlib.sha256(settings.base_iri.encode())
    skip = journal.journal_path(settings.data_dir)
    for folder in (settings.data_dir, settings.ontology_dir, settings.shapes_dir):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = str(path.relative_to(settings.root)).encode() + b"\0"
            content = path.read_bytes()
            for digest in (every,) if path == skip else (every, files):
                digest.update(name)
                digest.update(content)
    return every.hexdigest()[:16], files.hexdigest()[:16]


def to_quads(sources: Sources) -> list[ox.Quad]:
    """Sources parsed by rdflib as pyoxigraph quads (parsed back from N-Quads: exact)."""
    data = sources.dataset.serialize(format="nquads", encoding="utf-8")
    quads = ox.parse(data, format=ox.RdfFormat.N_QUADS)
    return sorted(set(quads), key=str)


#: Rounds of catching up with writes journaled during the build that run without the release
#: lock (replay, validate, dumps again); writes still arriving after them are caught up with
#: under it, so a build always ends.
UNLOCKED_ROUNDS = 2


def build(settings: Settings) -> Release:
    """Load, validate and publish the sources (the journal replayed) as the live release.

    The long work runs in the build's own folder without the release lock, so writes go on;
    its final step, under the lock, replays the writes journaled meanwhile (which then need
    the validation and dumps again: :data:`UNLOCKED_ROUNDS` times without the lock, then
    under it), writes the change log against the release live then, and swaps.
    """
    try:
        with build_lock(settings.var, settings.lock_timeout), \
                building_folder(settings.var) as building:
            with release_lock(settings.var, settings.lock_timeout):
                # under the lock: no write is between its journal entry and a take-back
                seen = journal.read(settings.data_dir)
                fingerprint, files_hash = _fingerprints(settings)
            checked = load_checked(ox.Store(str(building / "store")), settings, entries=seen)
            _raise_unless_conforms(checked.report)
            held = [checked.sources.store]  # the only reference: closed before the swap
            files = checked.sources.files
            del checked
            return _publish(settings, held, files, building, seen, (fingerprint, files_hash))
    except RemoteLoadFailed as exc:
        raise BuildFailed(f"{exc}; nothing was published") from None
    except LockBusy as exc:
        raise BuildFailed(f"{exc}; nothing was published") from None
    except journal.JournalError as exc:  # a damaged line: named as a broken source is
        raise BuildFailed(str(exc)) from None


def _raise_unless_conforms(report: Report) -> None:
    if not report.conforms:
        violations = sum(p.severity == "Violation" for p in report.problems)
        raise BuildFailed(f"{violations} shape violation(s); nothing was published", report)


def _catch_up(settings: Settings, store: ox.Store, entries: list[journal.Entry],
              files: dict[str, list[Path]]) -> None:
    """Replay writes journaled since the build read the journal and validate what they
    changed (the store conformed before them; ``files``: which source files fed which graph,
    for the report)."""
    for name in replay(store, entries, settings.base_iri):
        files.setdefault(name, []).append(journal.journal_path(settings.data_dir))
    # every quad an entry names, whether or not it changed the store: a superset of the
    # change, so at worst a few focus nodes more are checked
    named = {key: [q for entry in entries for q in entry_quads(entry, key, settings.base_iri)]
             for key in ("add", "remove")}
    _raise_unless_conforms(validate_change_loaded(
        Loaded(store, files), load_shapes(settings.shapes_dir), named["add"], named["remove"]))


def _prepare(settings: Settings, store: ox.Store, building: Path) -> tuple[Prepared, dict]:
    """The release's files (:func:`prepare_release`) and its catalogue metadata: all that
    needs no lock."""
    prepared = prepare_release(store, building, base=settings.base_iri,
                               prefixes=data_prefixes(settings.base_iri),
                               first=live_release(settings.var) is None)
    return prepared, dataset_metadata(store, settings.base_iri)


def _publish(settings: Settings, held: list[ox.Store], files: dict[str, list[Path]],
             building: Path, seen: list[journal.Entry],
             fingerprints: tuple[str, str]) -> Release:
    """Prepare the release in the store ``held`` (its only reference), catch up with the
    writes journaled meanwhile, and make it live. ``fingerprints``: the sources' when the
    build read them, with and without the journal (:func:`_fingerprints`)."""
    fingerprint, files_hash = fingerprints
    for round_ in range(UNLOCKED_ROUNDS + 1):
        prepared, meta = _prepare(settings, held[0], building)
        with release_lock(settings.var, settings.lock_timeout):
            try:
                new = journal.since(settings.data_dir, seen)
            except journal.JournalError as exc:
                raise BuildFailed(f"{exc}; nothing was published") from None
            if not new or round_ == UNLOCKED_ROUNDS:
                if new:
                    log.info("catching up with %d write(s) under the release lock", len(new))
                    _catch_up(settings, held[0], new, files)
                    prepared, meta = _prepare(settings, held[0], building)
                if round_ or new:
                    # the release holds every journal entry: in step with the sources if
                    # only the journal changed since the build began
                    now, now_files = _fingerprints(settings)
                    fingerprint = now if now_files == files_hash else fingerprint
                return finish_release(prepared, held, var=settings.var, meta=meta,
                                      sources=fingerprint,
                                      before_swap=remote_loader(settings),
                                      keep=settings.keep_releases)
        # leave the lock to writes while catching up with them
        log.info("catching up with %d write(s) journaled during the build", len(new))
        _catch_up(settings, held[0], new, files)
        seen = seen + new
    raise AssertionError("unreachable: the last round publishes under the lock")


def remote_loader(settings: Settings) -> Callable[[Release, Path], None] | None:
    """What publishing runs before the swap: with the remote backend, the load into its
    server (of the release, from its store)."""
    if settings.backend != "remote":
        return None
    return lambda release, store_path: load_remote(settings, release, store_path)
