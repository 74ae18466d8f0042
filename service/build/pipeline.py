"""The build pipeline, end to end: sources -> validation -> release.

``validate`` only reads. ``build`` publishes a new release only when every graph conforms;
any error before the final swap leaves the live release exactly as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from service.build import journal
from service.build.catalog import dataset_metadata
from service.build.publish import LockBusy, publish, release_lock
from service.build.remote_load import RemoteLoadFailed, load_remote
from service.build.sources import SourceError, Sources, load_sources
from service.build.validate import Report, load_shapes, validate_sources
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
    sources: Sources
    report: Report


def check(settings: Settings, reference: bool = False) -> Checked:
    """Parse and validate the sources (with pySHACL when ``reference``); raise BuildFailed on a
    parse error or a shape the fast validator cannot evaluate."""
    base = settings.base_iri
    try:
        sources = load_sources(settings.data_dir, settings.ontology_dir, base)
        path = journal.journal_path(settings.data_dir)
        for graph in journal.replay(sources.dataset, journal.read(settings.data_dir), base):
            sources.files.setdefault(graph, []).append(path)
        shapes = load_shapes(settings.shapes_dir)
        return Checked(sources, validate_sources(sources, shapes, reference=reference))
    except (SourceError, journal.JournalError) as exc:
        raise BuildFailed(str(exc)) from None


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
    """The sources' quads as pyoxigraph terms (parsed back from N-Quads: exact and fast)."""
    data = sources.dataset.serialize(format="nquads", encoding="utf-8")
    quads = ox.parse(data, format=ox.RdfFormat.N_QUADS)
    return sorted(set(quads), key=str)


def build(settings: Settings) -> Release:
    """Validate the sources and publish them as the live release.

    The journal of API writes is read again under the release lock: a write accepted while
    the sources were being validated is not left out of the release (the check is redone).
    """
    try:
        written = len(journal.read(settings.data_dir))
    except journal.JournalError as exc:
        raise BuildFailed(str(exc)) from None
    checked = check(settings)
    if not checked.report.conforms:
        violations = sum(p.severity == "Violation" for p in checked.report.problems)
        raise BuildFailed(f"{violations} shape violation(s); nothing was published",
                          checked.report)
    base = settings.base_iri
    try:
        with release_lock(settings.var, settings.lock_timeout):
            if len(journal.read(settings.data_dir)) != written:
                checked = check(settings)
                if not checked.report.conforms:
                    raise BuildFailed("the sources changed by a write are not valid; "
                                      "nothing was published", checked.report)
            quads = to_quads(checked.sources)
            return publish(
                quads,
                var=settings.var,
                base=base,
                meta=dataset_metadata(checked.sources.dataset, base),
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
