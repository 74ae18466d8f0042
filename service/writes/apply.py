"""Apply one write to a copy of the live store, validate the result, publish it atomically.

A write never touches the live release: the live store is copied into a new release's folder
(a RocksDB checkpoint: hard links, instant at any size), the change is made there and reports
what it did to the named graphs (:class:`service.writes.operations.Delta`), the default graph
is kept their merge for those triples only, the result is validated against the shapes, and
only a valid one is published with :func:`service.build.publish.publish_store` (dumps,
description, one atomic swap). Nothing is read into memory beyond the graphs the write
touches; the dumps and the label index are the live release's with the parts of what
changed written again (:class:`service.build.release_files.Revision`). Writes, and
the final step of each build, are serialised by :func:`release_lock`.

Before it is published, an accepted write is appended to the journal ``data/writes.jsonl``
(:mod:`service.build.journal`) and fsync'd: it is part of the sources from then on, and every
build replays it after the files. The journal names the release the write produces, known
before the dumps are written: its identifier hashes the graphs' content hashes, and only the
changed graphs are hashed again. Each write is also recorded in PROV in the graph
``{base}graph/writes`` (who: the token's public id; when; what: the operation, the graph,
triples added and removed), which the journal carries too.
"""

from __future__ import annotations

import math
import shutil
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from service.build import history, journal
from service.build.catalog import dataset_metadata
from service.build.dumps import graph_digest, release_id
from service.build.load import DEFAULT, Loaded, replay
from service.build.pipeline import remote_loader, sources_fingerprint
from service.build.publish import LockBusy, building_folder, publish_store, release_lock
from service.build.release_files import Revision
from service.build.remote_load import RemoteLoadFailed
from service.build.validate import load_shapes, validate_change_loaded, validate_loaded
from service.namespaces import data_prefixes, graph_iri, term, thing_iri
from service.problems import Problem
from service.settings import Settings
from service.store.embedded import EmbeddedStore
from service.store.release import Release
from service.writes.operations import Change, Delta

WRITES_GRAPH = "writes"
WRITE_LOG_DOCUMENT = "write-log"


@dataclass(frozen=True)
class WriteResult:
    release: Release | None  # None when the write changed nothing
    changes: dict[str, tuple[int, int]] = field(default_factory=dict)  # graph -> (added, removed)


def provenance(base: str, who: str, changes: dict[str, tuple[int, int]],
               when: datetime, has_log: bool, operation: str = "write") -> list[ox.Quad]:
    """PROV triples for one accepted write, in graph/writes (plus its description in meta)."""
    writes = ox.NamedNode(graph_iri(base, WRITES_GRAPH))
    meta = ox.NamedNode(graph_iri(base, "meta"))
    a = term("rdf", "type")
    agent = ox.NamedNode(thing_iri(base, "agent", f"token-{who}"))
    # the canonical form (Z), as the store keeps it: the journal and a rebuild agree on it
    stamp = ox.Literal(f"{when.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z", datatype=term("xsd", "dateTime"))
    quads = [
        ox.Quad(agent, a, term("prov", "Agent"), writes),
        ox.Quad(agent, a, term("foaf", "Agent"), writes),
        ox.Quad(agent, term("foaf", "name"),
                ox.Literal(f"publisher with write token sha256:{who}…", language="en"), writes),
    ]
    for graph, (added, removed) in changes.items():
        activity = ox.NamedNode(thing_iri(base, "write", f"{when:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"))
        quads += [
            ox.Quad(activity, a, term("prov", "Activity"), writes),
            ox.Quad(activity, term("rdfs", "label"), ox.Literal(
                f"{operation} on {graph}: {added} triples added, {removed} removed",
                language="en"), writes),
            ox.Quad(activity, term("dct", "description"), ox.Literal(operation),
                writes),
            ox.Quad(activity, term("prov", "wasAssociatedWith"), agent, writes),
            ox.Quad(activity, term("prov", "endedAtTime"), stamp, writes),
            ox.Quad(activity, term("prov", "generated"), ox.NamedNode(graph), writes),
            ox.Quad(activity, term("void", "triples"),
                    ox.Literal(str(added), datatype=term("xsd", "integer")), writes),
            ox.Quad(activity, term("schema", "result"), ox.Literal(
                f"added {added}, removed {removed}"), writes),
        ]
    if not has_log:
        document = ox.NamedNode(thing_iri(base, "document", WRITE_LOG_DOCUMENT))
        quads += [
            ox.Quad(writes, term("prov", "wasDerivedFrom"), document, meta),
            ox.Quad(document, a, term("foaf", "Document"), meta),
            ox.Quad(document, term("dct", "title"), ox.Literal(
                "Log of the writes accepted through the Graph Store Protocol and SPARQL Update",
                language="en"), meta),
            ox.Quad(document, term("dct", "identifier"), ox.Literal(f"data/{journal.JOURNAL_NAME}"),
                    meta),
        ]
    return quads


def apply_write(settings: Settings, who: str, change: Change,
                operation: str = "write") -> WriteResult:
    """Make ``change`` on a copy of the live store; if the result is valid, record the write
    in the journal (durably) and publish it."""
    try:
        with release_lock(settings.var, settings.lock_timeout):
            return _apply_locked(settings, who, change, operation)
    except LockBusy as exc:
        raise Problem(503, f"{exc}; nothing was changed",
                      headers={"Retry-After": str(math.ceil(settings.lock_timeout))}) from None


def _live(settings: Settings) -> tuple[Release, list[journal.Entry]]:
    """The live release (the publisher's own copy, whatever the backend) and the journaled
    writes that never went live (killed between their journal entry and the swap)."""
    release = EmbeddedStore(settings.var).release()  # NoRelease (503): nothing published
    if release.base != settings.base_iri:
        raise Problem(409, f"the live release was built for {release.base}, "
                          f"not {settings.base_iri}")
    try:
        entries = journal.read(settings.data_dir)
    except journal.JournalError as exc:
        raise Problem(503, f"{exc}; nothing was changed") from None
    return release, journal.pending(entries, release.id)


def _copy(release: Release, path: Path, pending: list[journal.Entry], base: str) -> set[str]:
    """The live store copied to ``path`` (hard links: instant, whatever its size) with the
    pending writes applied (the journal is the truth); the graphs those changed."""
    ox.Store.read_only(str(release.store_path)).backup(str(path))
    if not pending:
        return set()
    store = ox.Store(str(path))
    touched = replay(store, pending, base)
    store.flush()
    return touched


def _skolemized(base: str, salt: str, delta: Delta) -> dict[ox.Quad, ox.Quad]:
    """Blank nodes a write introduced become IRIs, as the build does (no ``_:`` in dumps)."""

    def name(node):
        if isinstance(node, ox.BlankNode):
            return ox.NamedNode(f"{base}id/node/w{salt}-{node.value}")
        return node

    return {q: ox.Quad(name(q.subject), q.predicate, name(q.object), q.graph_name)
            for q in delta.added
            if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)}


def _settle(store: ox.Store, delta: Delta) -> int:
    """Keep the default graph the merge of the named graphs after ``delta``: a triple added
    joins it, a removed one leaves it once no named graph states it; graphs left empty go.
    How many triples the default graph gained (negative: lost)."""
    gained = 0
    for quad in delta.added:
        merged = ox.Quad(quad.subject, quad.predicate, quad.object, DEFAULT)
        if merged not in store:
            store.add(merged)
            gained += 1
    for quad in delta.removed:
        merged = ox.Quad(quad.subject, quad.predicate, quad.object, DEFAULT)
        if merged in store and not any(
                isinstance(q.graph_name, ox.NamedNode)
                for q in store.quads_for_pattern(quad.subject, quad.predicate, quad.object)):
            store.remove(merged)
            gained -= 1
    for graph in {q.graph_name for q in delta.removed}:
        if next(store.quads_for_pattern(None, None, None, graph), None) is None:
            store.remove_graph(graph)
    return gained


def _new_counts(release: Release, delta: Delta,
                gained: int) -> tuple[int, dict[str, int]] | None:
    """The default graph's triples and each named graph's after ``delta`` (each quad of it
    really new or really gone), from the live release's; None when it does not record them."""
    triples, graphs = release.info.get("triples"), release.info.get("graphs")
    if not isinstance(triples, int) or not isinstance(graphs, dict):
        return None
    counts = dict(graphs)
    for graph, (added, removed) in _counts(delta).items():
        counts[graph] = counts.get(graph, 0) + added - removed
    return triples + gained, {g: n for g, n in sorted(counts.items()) if n > 0}


def _validate(store: ox.Store, settings: Settings, delta: Delta | None) -> None:
    """A 422 Problem listing the SHACL results if the changed store does not conform.

    Given the ``delta`` from a store known to conform (the live release, built from the same
    shapes), only the focus nodes it can affect are checked; without one, the whole store."""
    shapes = load_shapes(settings.shapes_dir)
    if delta is None:
        report = validate_loaded(Loaded(store), shapes)
    else:
        report = validate_change_loaded(Loaded(store), shapes, delta.added, delta.removed)
    if not report.conforms:
        problems = [{"focus": p.focus, "path": p.path, "message": p.message,
                     "severity": p.severity} for p in report.problems]
        raise Problem(422, "the write would make the dataset invalid; nothing was changed",
                      conforms=False, problems=problems)


def _digests(release: Release, store: ox.Store, changed: set[str]) -> dict[str, str]:
    """The content hash of each graph of the changed store: the live release's, hashed
    again for the graphs that changed (every graph if the live release lacks them)."""
    known = release.info.get(history.DIGESTS)
    if known is None:
        changed, known = {g.value for g in store.named_graphs()}, {}
    digests = {g: d for g, d in known.items() if g not in changed}
    for graph in map(ox.NamedNode, changed):
        if next(store.quads_for_pattern(None, None, None, graph), None) is not None:
            digests[graph.value] = graph_digest(store, graph)
    return digests


def _things(delta: Delta) -> frozenset[str]:
    """The things named by an IRI whose statements the write changed."""
    return frozenset(q.subject.value for q in delta.added | delta.removed
                     if isinstance(q.subject, ox.NamedNode))


def _counts(delta: Delta) -> dict[str, tuple[int, int]]:
    """Per graph: (triples added, triples removed)."""
    added = Counter(q.graph_name.value for q in delta.added)
    removed = Counter(q.graph_name.value for q in delta.removed)
    return {g: (added[g], removed[g]) for g in sorted(set(added) | set(removed))}


def _nquads(quads: set[ox.Quad]) -> str:
    return ox.serialize(sorted(quads, key=str), format=ox.RdfFormat.N_QUADS).decode("utf-8")


def _apply_locked(settings: Settings, who: str, change: Change,
                  operation: str) -> WriteResult:
    base = settings.base_iri
    release, pending = _live(settings)
    with building_folder(settings.var) as building:
        path = building / "store"
        touched = _copy(release, path, pending, base)
        delta = change(path)  # the working store is closed again when this returns
        if not delta:
            shutil.rmtree(building, ignore_errors=True)
            return WriteResult(release=None)
        store = ox.Store(str(path))
        renamed = _skolemized(base, uuid.uuid4().hex[:8], delta)
        for blank, named in renamed.items():
            store.remove(blank)
            store.add(named)
        delta.added = (delta.added - renamed.keys()) | set(renamed.values())
        changes = _counts(delta)
        when = datetime.now(UTC).replace(microsecond=0)
        writes, meta_graph = (ox.NamedNode(graph_iri(base, g)) for g in (WRITES_GRAPH, "meta"))
        has_log = next(store.quads_for_pattern(writes, None, None, meta_graph), None) is not None
        record = {q for q in provenance(base, who, changes, when, has_log, operation)
                  if q not in store}
        store.extend(record)
        delta.added |= record
        gained = _settle(store, delta)
        fingerprint = release.info.get("sources", "")
        in_step = fingerprint == sources_fingerprint(settings)
        # the live release conforms to these shapes if it was built from these sources, and
        # the delta is all that changed since unless pending writes were replayed first
        _validate(store, settings, delta if in_step and not pending else None)
        changed = touched | {q.graph_name.value for q in delta.added | delta.removed}
        digests = _digests(release, store, changed)
        previous = journal.append(settings.data_dir, {
            "when": when.isoformat(), "who": f"sha256:{who}", "operation": operation,
            "base": base, "before": release.id, "release": release_id(digests),
            "changes": {g: {"added": a, "removed": r} for g, (a, r) in changes.items()},
            "remove": _nquads(delta.removed), "add": _nquads(delta.added),
        })
        # the write is now part of the sources: a kill from here on loses nothing, and the
        # next write or build publishes it if this one does not get to
        if in_step:  # the release reflects the sources exactly, so it still does after this
            fingerprint = sources_fingerprint(settings)
        meta = dataset_metadata(store, base)
        held = [store]  # publish_store closes the store before the swap: the only reference
        del store
        try:
            published = publish_store(
                held.pop(), building, var=settings.var, base=base, meta=meta,
                prefixes=data_prefixes(base), sources=fingerprint,
                before_swap=remote_loader(settings), keep=settings.keep_releases,
                compact=False, revision=Revision(
                    release.path, frozenset(changed), None if pending else _things(delta),
                    None if pending else _new_counts(release, delta, gained)))
        except RemoteLoadFailed as exc:
            journal.truncate(settings.data_dir, previous)
            raise Problem(503, f"{exc}; nothing was changed") from None
        except OSError as exc:  # a full disk, …: the client hears of a failure, so take it back
            journal.truncate(settings.data_dir, previous)
            raise Problem(503, f"the write could not be published ({exc.strerror}); "
                               "nothing was changed") from None
    return WriteResult(release=published, changes=changes)
