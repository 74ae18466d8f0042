"""What changed between two releases: triples added and removed per named graph.

Releases are compared through their N-Quads dumps (every named graph, blank nodes already
skolemised to stable IRIs), never by opening their stores: a store may be open for serving,
and a plain file is all a diff needs. The change log is written beside each release as TriG:
one named graph of added and one of removed triples per source graph, described in the
default graph, so it reads as RDF and renders as a page.
"""

from __future__ import annotations

import gzip
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from service.namespaces import PREFIXES
from service.store.release import Release

CHANGES_FILE = "changes.trig"
#: The key of ``release.json`` holding each named graph's content hash.
DIGESTS = "graph_digests"
NQUADS_DUMP = "citynet.nq.gz"


@dataclass
class GraphChange:
    added: list[ox.Triple] = field(default_factory=list)
    removed: list[ox.Triple] = field(default_factory=list)


def release_quads(release: Release, graphs: set[str] | None = None) -> set[ox.Quad]:
    """The named-graph quads of a published release (of ``graphs`` only, if given), read from
    its N-Quads dump."""
    return dump_quads(release.dumps_path, graphs)


def dump_quads(folder: Path, graphs: set[str] | None = None) -> set[ox.Quad]:
    """The quads of the N-Quads dump in ``folder`` (those of ``graphs`` only, if given)."""
    with gzip.open(folder / NQUADS_DUMP, "rb") as handle:
        quads = ox.parse(handle, format=ox.RdfFormat.N_QUADS)
        if graphs is None:
            return set(quads)
        return {q for q in quads if q.graph_name.value in graphs}


def changed_graphs(old: dict[str, str] | None, new: dict[str, str]) -> set[str] | None:
    """The graphs whose hash differs between two releases; None (all) without old hashes."""
    if old is None:
        return None
    return {g for g in set(old) | set(new) if old.get(g) != new.get(g)}


def diff(old: Iterable[ox.Quad], new: Iterable[ox.Quad]) -> dict[str, GraphChange]:
    """Per graph IRI, the triples ``new`` adds to ``old`` and those it removes (sorted)."""
    old_set = {q for q in old if isinstance(q.graph_name, ox.NamedNode)}
    new_set = {q for q in new if isinstance(q.graph_name, ox.NamedNode)}
    changes: dict[str, GraphChange] = defaultdict(GraphChange)
    for quad in sorted(new_set - old_set, key=str):
        changes[quad.graph_name.value].added.append(quad.triple)
    for quad in sorted(old_set - new_set, key=str):
        changes[quad.graph_name.value].removed.append(quad.triple)
    return dict(sorted(changes.items()))


def summary(changes: dict[str, GraphChange]) -> dict[str, dict[str, int]]:
    """Counts for ``release.json``: {graph: {"added": n, "removed": m}}."""
    return {g: {"added": len(c.added), "removed": len(c.removed)} for g, c in changes.items()}


def changes_iri(base: str, release_id: str) -> str:
    return f"{base}dumps/releases/{release_id}/changes"


def change_log(changes: dict[str, GraphChange], base: str, release_id: str,
               previous_id: str | None) -> list[ox.Quad]:
    """The change log as quads: ``<changes#added-N>`` / ``<changes#removed-N>`` graphs hold
    the triples, and the default graph says which source graph and which direction each is."""
    log = ox.NamedNode(changes_iri(base, release_id))
    a = ox.NamedNode(PREFIXES["rdf"] + "type")
    dct, prov = PREFIXES["dct"], PREFIXES["prov"]
    default = ox.DefaultGraph()
    quads = [ox.Quad(log, a, ox.NamedNode(prov + "Entity"), default),
             ox.Quad(log, ox.NamedNode(dct + "title"),
                     ox.Literal(f"Changes of release {release_id}"
                                + (f" since {previous_id}" if previous_id else ""), language="en"),
                     default)]
    if previous_id:
        quads.append(ox.Quad(log, ox.NamedNode(prov + "wasDerivedFrom"),
                             ox.NamedNode(f"{base}dumps/releases/{previous_id}/"),
                             default))
    for number, (graph, change) in enumerate(changes.items(), start=1):
        for direction, triples in (("added", change.added), ("removed", change.removed)):
            if not triples:
                continue
            part = ox.NamedNode(f"{log.value}#{direction}-{number}")
            quads += [
                ox.Quad(log, ox.NamedNode(dct + "hasPart"), part, default),
                ox.Quad(part, ox.NamedNode(dct + "subject"), ox.NamedNode(graph), default),
                ox.Quad(part, ox.NamedNode(dct + "description"),
                        ox.Literal(f"{len(triples)} triple(s) {direction} in {graph}",
                                   language="en"), default),
            ]
            quads += [ox.Quad(t.subject, t.predicate, t.object, part) for t in triples]
    return quads


class FirstChangeLog:
    """The change log of a first release (every triple added), as :func:`change_log` makes it
    but streamed: called with each graph's N-Triples blocks while the N-Quads dump is written
    (see :func:`service.build.dumps.write_dumps`), it writes them as the lines of TriG graph
    blocks to ``body``; :meth:`finish` then writes the log (prefixes, the parts in the
    default graph, the blocks) once the release's identifier, part of every IRI, is known."""

    PLACEHOLDER = b"\x00changes\x00"

    def __init__(self, body: Path) -> None:
        self.path = body
        self.body = body.open("wb")
        self.graphs: list[str] = []

    def __call__(self, graph: ox.NamedNode, block: bytes) -> None:
        if not self.graphs or self.graphs[-1] != graph.value:
            if self.graphs:
                self.body.write(b"}\n")
            self.graphs.append(graph.value)
            self.body.write(b"\n<" + self.PLACEHOLDER + f"#added-{len(self.graphs)}> {{\n".encode())
        self.body.write(block)

    def finish(self, path: Path, base: str, release_id: str, prefixes: dict[str, str],
               counts: dict[str, int]) -> dict[str, dict[str, int]]:
        """Write the log to ``path`` (the body is deleted); its :func:`summary`."""
        if self.graphs:
            self.body.write(b"}\n")
        self.body.close()
        stand_in = {g: GraphChange(added=[]) for g in self.graphs}
        for g in self.graphs:  # one triple each, so the part of every graph is described
            node = ox.NamedNode(g)
            stand_in[g].added.append(ox.Triple(node, node, node))
        header = []
        for quad in change_log(stand_in, base, release_id, None):
            if not isinstance(quad.graph_name, ox.DefaultGraph):
                continue
            if quad.predicate.value == PREFIXES["dct"] + "description":
                graph = self.graphs[int(quad.subject.value.rsplit("-", 1)[-1]) - 1]
                quad = ox.Quad(quad.subject, quad.predicate, ox.Literal(
                    f"{counts[graph]} triple(s) added in {graph}", language="en"),
                    quad.graph_name)
            header.append(quad)
        log_iri = changes_iri(base, release_id).encode()
        with path.open("wb") as out, self.path.open("rb") as body:
            out.write(ox.serialize(header, format=ox.RdfFormat.TRIG, prefixes=prefixes))
            rest = b""
            while block := body.read(1 << 20):  # whole lines, so no placeholder is cut
                block = rest + block
                end = block.rfind(b"\n") + 1
                rest = block[end:]
                out.write(block[:end].replace(self.PLACEHOLDER, log_iri))
            out.write(rest)
        self.path.unlink()
        return {g: {"added": counts[g], "removed": 0} for g in self.graphs}


def read_change_log(path) -> dict[str, GraphChange]:
    """The per-graph changes back from a TriG change log (for pages and ``citynet diff``)."""
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TRIG))
    subject = PREFIXES["dct"] + "subject"
    parts = {q.subject.value: q.object.value for q in quads
             if isinstance(q.graph_name, ox.DefaultGraph) and q.predicate.value == subject}
    changes: dict[str, GraphChange] = defaultdict(GraphChange)
    for quad in sorted(quads, key=str):
        if isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value in parts:
            change = changes[parts[quad.graph_name.value]]
            direction = quad.graph_name.value.rsplit("#", 1)[-1].split("-", 1)[0]
            (change.added if direction == "added" else change.removed).append(quad.triple)
    return dict(sorted(changes.items()))


def text(changes: dict[str, GraphChange]) -> str:
    """A readable diff: one header per graph, then ``+``/``-`` N-Triples lines."""
    lines = []
    for graph, change in changes.items():
        lines.append(f"# {graph}: +{len(change.added)} -{len(change.removed)}")
        lines += [f"+ {t} ." for t in change.added]
        lines += [f"- {t} ." for t in change.removed]
    return "\n".join(lines) + ("\n" if lines else "")
