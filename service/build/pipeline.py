"""The build pipeline, end to end: sources -> validation -> release.

``validate`` only reads. ``build`` publishes a new release only when every graph conforms;
any error before the final swap leaves the live release exactly as it was.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from service.build import journal
from service.build.catalog import dataset_metadata
from service.build.dumps import named_quads
from service.build.load import Loaded, load_into
from service.build.publish import LockBusy, building_folder, publish_store, release_lock
from service.build.remote_load import RemoteLoadFailed, load_remote
from service.build.sources import SourceError, Sources
from service.build.validate import Report, load_shapes, validate_loaded
from service.namespaces import data_prefixes
from service.settings import Settings
from service.store.release import Release


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


def load_checked(store: ox.Store, settings: Settings, reference: bool = False) -> Checked:
    """Load the sources and the journaled writes into ``store`` and validate them there (with
    pySHACL when ``reference``); raise BuildFailed on a parse error or a shape the fast
    validator cannot evaluate."""
    try:
        loaded = load_into(store, settings.data_dir, settings.ontology_dir, settings.base_iri,
                           journal.read(settings.data_dir))
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
    digest = hashlib.sha256(settings.base_iri.encode())
    for folder in (settings.data_dir, settings.ontology_dir, settings.shapes_dir):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(settings.root)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def to_quads(sources: Sources) -> list[ox.Quad]:
    """Sources parsed by rdflib as pyoxigraph quads (parsed back from N-Quads: exact)."""
    data = sources.dataset.serialize(format="nquads", encoding="utf-8")
    quads = ox.parse(data, format=ox.RdfFormat.N_QUADS)
    return sorted(set(quads), key=str)


def build(settings: Settings) -> Release:
    """Load, validate and publish the sources as the live release, all in the store the
    release is built in (beside the live one, under the release lock, so an API write waits
    and is then part of the sources the build reads, or comes after it)."""
    base = settings.base_iri
    try:
        with release_lock(settings.var, settings.lock_timeout), \
                building_folder(settings.var) as building:
            checked = load_checked(ox.Store(str(building / "store")), settings)
            if not checked.report.conforms:
                violations = sum(p.severity == "Violation" for p in checked.report.problems)
                raise BuildFailed(f"{violations} shape violation(s); nothing was published",
                                  checked.report)
            store = checked.sources.store
            quads = list(named_quads(store)) if settings.backend == "remote" else []
            meta = dataset_metadata(store, base)
            # publish_store closes the store before the swap: hand it the only reference
            held = [store]
            del checked, store
            return publish_store(
                held.pop(),
                building,
                var=settings.var,
                base=base,
                meta=meta,
                prefixes=data_prefixes(base),
                sources=sources_fingerprint(settings),
                before_swap=remote_loader(settings, quads),
                keep=settings.keep_releases,
            )
    except RemoteLoadFailed as exc:
        raise BuildFailed(f"{exc}; nothing was published") from None
    except LockBusy as exc:
        raise BuildFailed(f"{exc}; nothing was published") from None


def remote_loader(settings: Settings, quads: list[ox.Quad]) -> Callable[[Release], None] | None:
    """What publish() runs before the swap: with the remote backend, the load into its server."""
    if settings.backend != "remote":
        return None
    return lambda release: load_remote(settings, quads, release)
