"""Apply one write to a copy of the live dataset, validate the result, publish it atomically.

A write never touches the live release: the current quads are copied into an in-memory store,
changed there, validated as a whole against the shapes (as a build would), and only a valid
result is published with :func:`service.build.publish.publish` (new store, dumps, description,
one atomic swap). Writes and builds are serialised by :func:`release_lock`. Each
accepted write is recorded in the graph ``{base}graph/writes`` (who, when, which graph, triple
counts), and the changed graphs are exported as Turtle under ``var/writes/graphs/`` so the
publisher can copy them into ``data/``: ``citynet build`` republishes from ``data/`` only.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from service.build.catalog import dataset_metadata
from service.build.pipeline import remote_loader
from service.build.publish import LockBusy, publish, release_lock
from service.build.remote_load import RemoteLoadFailed
from service.build.sources import Sources
from service.build.validate import load_shapes, validate_sources
from service.namespaces import PREFIXES, data_prefixes, graph_iri, thing_iri
from service.settings import Settings
from service.store.dataset import merged_default, named_quads
from service.store.release import NoRelease, Release, current_release

WRITES_GRAPH = "writes"
WRITE_LOG_DOCUMENT = "write-log"


class WriteRejected(Exception):
    """The write changes nothing: ``status``, a message, and the validation problems if any."""

    def __init__(self, status: int, message: str, problems: list[dict] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.problems = problems or []


@dataclass(frozen=True)
class WriteResult:
    release: Release | None  # None when the write changed nothing
    changes: dict[str, tuple[int, int]] = field(default_factory=dict)  # graph -> (added, removed)


def writes_dir(var: Path) -> Path:
    return var / "writes"


def _n(prefix: str, local: str) -> ox.NamedNode:
    return ox.NamedNode(PREFIXES[prefix] + local)


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
               when: datetime, has_log: bool) -> list[ox.Quad]:
    """PROV triples for one accepted write, in graph/writes (plus its description in meta)."""
    writes = ox.NamedNode(graph_iri(base, WRITES_GRAPH))
    meta = ox.NamedNode(graph_iri(base, "meta"))
    a = _n("rdf", "type")
    agent = ox.NamedNode(thing_iri(base, "agent", f"token-{who}"))
    stamp = ox.Literal(when.isoformat(), datatype=_n("xsd", "dateTime"))
    quads = [
        ox.Quad(agent, a, _n("prov", "Agent"), writes),
        ox.Quad(agent, a, _n("foaf", "Agent"), writes),
        ox.Quad(agent, _n("foaf", "name"),
                ox.Literal(f"publisher with write token sha256:{who}…", language="en"), writes),
    ]
    for graph, (added, removed) in changes.items():
        activity = ox.NamedNode(thing_iri(base, "write", f"{when:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"))
        quads += [
            ox.Quad(activity, a, _n("prov", "Activity"), writes),
            ox.Quad(activity, _n("rdfs", "label"), ox.Literal(
                f"write to {graph}: {added} triples added, {removed} removed", language="en"),
                writes),
            ox.Quad(activity, _n("prov", "wasAssociatedWith"), agent, writes),
            ox.Quad(activity, _n("prov", "endedAtTime"), stamp, writes),
            ox.Quad(activity, _n("prov", "generated"), ox.NamedNode(graph), writes),
            ox.Quad(activity, _n("void", "triples"),
                    ox.Literal(str(added), datatype=_n("xsd", "integer")), writes),
            ox.Quad(activity, _n("schema", "result"), ox.Literal(
                f"added {added}, removed {removed}"), writes),
        ]
    if not has_log:
        document = ox.NamedNode(thing_iri(base, "document", WRITE_LOG_DOCUMENT))
        quads += [
            ox.Quad(writes, _n("prov", "wasDerivedFrom"), document, meta),
            ox.Quad(document, a, _n("foaf", "Document"), meta),
            ox.Quad(document, _n("dct", "title"), ox.Literal(
                "Log of the writes accepted through the Graph Store Protocol and SPARQL Update",
                language="en"), meta),
            ox.Quad(document, _n("dct", "identifier"), ox.Literal("writes/log.jsonl"), meta),
        ]
    return quads


def _rdflib_dataset(quads: list[ox.Quad]) -> Dataset:
    dataset = Dataset()
    dataset.parse(data=ox.serialize(quads, format=ox.RdfFormat.N_QUADS), format="nquads")
    return dataset


def validate(quads: list[ox.Quad], settings: Settings) -> Dataset:
    """The dataset as rdflib for the catalogue, or WriteRejected(422) with the problems."""
    dataset = _rdflib_dataset(quads)
    report = validate_sources(Sources(dataset=dataset), load_shapes(settings.shapes_dir))
    if not report.conforms:
        problems = [{"focus": p.focus, "path": p.path, "message": p.message,
                     "severity": p.severity} for p in report.problems]
        raise WriteRejected(422, "the write would make the dataset invalid; nothing was changed",
                            problems)
    return dataset


def apply_write(settings: Settings, who: str, change: Callable[[ox.Store], None]) -> WriteResult:
    """Run ``change`` on a copy of the live dataset; publish the result if it is valid."""
    try:
        with release_lock(settings.var, settings.lock_timeout):
            return _apply_locked(settings, who, change)
    except LockBusy as exc:
        raise WriteRejected(503, f"{exc}; nothing was changed") from None


def _apply_locked(settings: Settings, who: str, change: Callable[[ox.Store], None]) -> WriteResult:
    base = settings.base_iri
    if True:
        try:
            release = current_release(settings.var)
        except NoRelease as exc:
            raise WriteRejected(503, f"no dataset is published: {exc}") from None
        if release.base != base:
            raise WriteRejected(409, f"the live release was built for {release.base}, not {base}")
        live = ox.Store.read_only(str(release.store_path))
        before = list(named_quads(live))
        del live
        # The copy has the live default graph too (the merge of the named graphs), so an
        # update's WHERE without GRAPH matches what /sparql matches; changing it is refused.
        merged = set(merged_default(before))
        work = ox.Store()
        work.extend(before)
        work.extend(merged)
        change(work)
        if set(work.quads_for_pattern(None, None, None, ox.DefaultGraph())) != merged:
            raise WriteRejected(400, "writes to the default graph are refused: every fact lives "
                                "in a named source graph (use GRAPH <…> or ?graph=…)")
        after = _skolemize(list(named_quads(work)), base, uuid.uuid4().hex[:8])
        changes = diff(before, after)
        if not changes:
            return WriteResult(release=None)
        when = datetime.now(UTC).replace(microsecond=0)
        writes = ox.NamedNode(graph_iri(base, WRITES_GRAPH))
        has_log = any(q.subject == writes and q.graph_name.value == graph_iri(base, "meta")
                      for q in after if isinstance(q.graph_name, ox.NamedNode))
        after += provenance(base, who, changes, when, has_log)
        dataset = validate(after, settings)
        quads = sorted(set(after), key=str)
        try:
            published = publish(quads, var=settings.var, base=base,
                                meta=dataset_metadata(dataset, base), prefixes=data_prefixes(base),
                                sources=release.info.get("sources", ""),
                                before_swap=remote_loader(settings, quads))
        except RemoteLoadFailed as exc:
            raise WriteRejected(503, f"{exc}; nothing was changed") from None
        _record(settings.var, who, when, changes, after, base, published)
        return WriteResult(release=published, changes=changes)


def _record(var: Path, who: str, when: datetime, changes: dict[str, tuple[int, int]],
            quads: list[ox.Quad], base: str, release: Release) -> None:
    """Append to the write log and export each changed graph as Turtle, ready for data/."""
    folder = writes_dir(var)
    exports = folder / "graphs"
    exports.mkdir(parents=True, exist_ok=True)
    for graph in changes:
        name = graph.rsplit("/", 1)[-1] or "graph"
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads
                   if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == graph]
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        (exports / f"{safe}.ttl").write_bytes(ox.serialize(
            sorted(triples, key=str), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES))
    entry = {"when": when.isoformat(), "who": f"sha256:{who}", "release": release.id,
             "changes": {g: {"added": a, "removed": r} for g, (a, r) in changes.items()}}
    with (folder / "log.jsonl").open("a", encoding="utf-8") as log:
        log.write(json.dumps(entry) + "\n")
