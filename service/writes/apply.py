"""Apply one write to a copy of the live dataset, validate the result, publish it atomically.

A write never touches the live release: the current quads are copied into an in-memory store,
changed there, validated as a whole against the shapes (as a build would), and only a valid
result is published with :func:`service.build.publish.publish` (new store, dumps, description,
one atomic swap). Writes and builds are serialised by :func:`release_lock`.

Before it is published, an accepted write is appended to the journal ``data/writes.jsonl``
(:mod:`service.build.journal`) and fsync'd: it is part of the sources from then on, and every
build replays it after the files. Each write is also recorded in PROV in the graph
``{base}graph/writes`` (who: the token's public id; when; what: the operation, the graph,
triples added and removed), which the journal carries too.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyoxigraph as ox

from service.build import journal
from service.build.catalog import dataset_metadata
from service.build.load import Loaded
from service.build.pipeline import remote_loader, sources_fingerprint
from service.build.publish import LockBusy, dataset_id, publish, release_lock
from service.build.remote_load import RemoteLoadFailed
from service.build.validate import load_shapes, validate_loaded
from service.namespaces import data_prefixes, graph_iri, term, thing_iri
from service.problems import Problem
from service.settings import Settings
from service.store.dataset import merged_default, named_quads
from service.store.embedded import EmbeddedStore
from service.store.release import Release

WRITES_GRAPH = "writes"
WRITE_LOG_DOCUMENT = "write-log"


@dataclass(frozen=True)
class WriteResult:
    release: Release | None  # None when the write changed nothing
    changes: dict[str, tuple[int, int]] = field(default_factory=dict)  # graph -> (added, removed)


def _skolemize(quads: list[ox.Quad], base: str, salt: str) -> list[ox.Quad]:
    """Blank nodes a write introduced become IRIs, as the build does (no ``_:`` in dumps)."""

    def name(term):
        if isinstance(term, ox.BlankNode):
            return ox.NamedNode(f"{base}id/node/w{salt}-{term.value}")
        return term

    return [ox.Quad(name(q.subject), q.predicate, name(q.object), q.graph_name) for q in quads]


def _by_graph(quads: list[ox.Quad]) -> dict[str, set[tuple]]:
    graphs: dict[str, set[tuple]] = {}
    for q in quads:
        key = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        graphs.setdefault(key, set()).add((q.subject, q.predicate, q.object))
    return graphs


def diff(before: list[ox.Quad], after: list[ox.Quad]) -> dict[str, tuple[int, int]]:
    """Per graph: (triples added, triples removed); only graphs that changed."""
    old, new = _by_graph(before), _by_graph(after)
    changes = {}
    for graph in sorted(set(old) | set(new)):
        added = len(new.get(graph, set()) - old.get(graph, set()))
        removed = len(old.get(graph, set()) - new.get(graph, set()))
        if added or removed:
            changes[graph] = (added, removed)
    return changes


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


def validate(quads: list[ox.Quad], settings: Settings) -> ox.Store:
    """The dataset as a store (for the catalogue), or a 422 Problem listing the SHACL results."""
    store = ox.Store()
    store.extend(quads)
    store.extend(merged_default(quads))
    report = validate_loaded(Loaded(store), load_shapes(settings.shapes_dir))
    if not report.conforms:
        problems = [{"focus": p.focus, "path": p.path, "message": p.message,
                     "severity": p.severity} for p in report.problems]
        raise Problem(422, "the write would make the dataset invalid; nothing was changed",
                      conforms=False, problems=problems)
    return store


def apply_write(settings: Settings, who: str, change: Callable[[ox.Store], None],
                operation: str = "write") -> WriteResult:
    """Run ``change`` on a copy of the live dataset; if the result is valid, record the write
    in the journal (durably) and publish it."""
    try:
        with release_lock(settings.var, settings.lock_timeout):
            return _apply_locked(settings, who, change, operation)
    except LockBusy as exc:
        raise Problem(503, f"{exc}; nothing was changed",
                      headers={"Retry-After": str(math.ceil(settings.lock_timeout))}) from None


def _live_and_pending(settings: Settings) -> tuple[Release, list[ox.Quad]]:
    """The live release and its quads, with any journaled write that never went live (killed
    between its journal entry and the swap) applied: the journal is the truth."""
    live = EmbeddedStore(settings.var)  # the publisher's own copy, whatever the backend
    try:
        release = live.release()  # NoRelease (503) when nothing is published
        quads = set(named_quads(live.handle()))
    finally:
        del live
    if release.base != settings.base_iri:
        raise Problem(409, f"the live release was built for {release.base}, "
                          f"not {settings.base_iri}")
    try:
        entries = journal.read(settings.data_dir)
    except journal.JournalError as exc:
        raise Problem(503, f"{exc}; nothing was changed") from None
    for entry in journal.pending(entries, release.id):
        parse = ox.RdfFormat.N_QUADS
        quads -= set(ox.parse(entry.quads("remove", settings.base_iri).encode(), format=parse))
        quads |= set(ox.parse(entry.quads("add", settings.base_iri).encode(), format=parse))
    return release, sorted(quads, key=str)


def _nquads(quads: set[ox.Quad]) -> str:
    return ox.serialize(sorted(quads, key=str), format=ox.RdfFormat.N_QUADS).decode("utf-8")


def _apply_locked(settings: Settings, who: str, change: Callable[[ox.Store], None],
                  operation: str) -> WriteResult:
    base = settings.base_iri
    release, before = _live_and_pending(settings)
    # The copy has the live default graph too (the merge of the named graphs), so an
    # update's WHERE without GRAPH matches what /sparql matches; changing it is refused.
    merged = set(merged_default(before))
    work = ox.Store()
    work.extend(before)
    work.extend(merged)
    merged = set(work.quads_for_pattern(None, None, None, ox.DefaultGraph()))  # as stored
    change(work)
    if set(work.quads_for_pattern(None, None, None, ox.DefaultGraph())) != merged:
        raise Problem(400, "writes to the default graph are refused: every fact lives "
                      "in a named source graph (use GRAPH <…> or ?graph=…)")
    after = _skolemize(list(named_quads(work)), base, uuid.uuid4().hex[:8])
    changes = diff(before, after)
    if not changes:
        return WriteResult(release=None)
    when = datetime.now(UTC).replace(microsecond=0)
    writes = ox.NamedNode(graph_iri(base, WRITES_GRAPH))
    has_log = any(q.subject == writes and q.graph_name.value == graph_iri(base, "meta")
                  for q in after if isinstance(q.graph_name, ox.NamedNode))
    after += provenance(base, who, changes, when, has_log, operation)
    dataset = validate(after, settings)
    quads = sorted(set(after), key=str)
    fingerprint = release.info.get("sources", "")
    in_step = fingerprint == sources_fingerprint(settings)
    old, new = set(before), set(quads)
    previous = journal.append(settings.data_dir, {
        "when": when.isoformat(), "who": f"sha256:{who}", "operation": operation,
        "base": base, "before": release.id, "release": dataset_id(quads),
        "changes": {g: {"added": a, "removed": r} for g, (a, r) in changes.items()},
        "remove": _nquads(old - new), "add": _nquads(new - old),
    })
    # the write is now part of the sources: a kill from here on loses nothing, and the next
    # write or build publishes it if this one does not get to
    if in_step:  # the release reflects the sources exactly, so it still does after the append
        fingerprint = sources_fingerprint(settings)
    try:
        published = publish(quads, var=settings.var, base=base,
                            meta=dataset_metadata(dataset, base), prefixes=data_prefixes(base),
                            sources=fingerprint, before_swap=remote_loader(settings, quads),
                            keep=settings.keep_releases)
    except RemoteLoadFailed as exc:
        journal.truncate(settings.data_dir, previous)
        raise Problem(503, f"{exc}; nothing was changed") from None
    except OSError as exc:  # a full disk, …: the client hears of a failure, so take it back
        journal.truncate(settings.data_dir, previous)
        raise Problem(503, f"the write could not be published ({exc.strerror}); "
                           "nothing was changed") from None
    return WriteResult(release=published, changes=changes)
