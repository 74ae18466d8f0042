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
NQUADS_DUMP = "citynet.nq.gz"


@dataclass
class GraphChange:
    added: list[ox.Triple] = field(default_factory=list)
    removed: list[ox.Triple] = field(default_factory=list)


def release_quads(release: Release) -> set[ox.Quad]:
    """The named-graph quads of a published release, read from its N-Quads dump."""
    return dump_quads(release.dumps_path)


def dump_quads(folder: Path) -> set[ox.Quad]:
    """The quads of the N-Quads dump in ``folder``."""
    with gzip.open(folder / NQUADS_DUMP, "rb") as handle:
        return set(ox.parse(handle, format=ox.RdfFormat.N_QUADS))


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


def write_first_change_log(store: ox.Store, path: Path, base: str, release_id: str,
                           prefixes: dict[str, str]) -> dict[str, dict[str, int]]:
    """The change log of a first release (every triple added), as :func:`change_log` makes it
    but streamed: each graph's triples go from the store to the file as N-Triples lines inside
    a TriG graph block, never as Python objects. Returns its :func:`summary`."""
    graphs = sorted(store.named_graphs(), key=lambda g: g.value)
    totals = {row["g"].value: int(row["n"].value) for row in store.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    graphs = [g for g in graphs if totals.get(g.value)]
    # the default graph (which part holds which graph's triples) from a one-triple stand-in
    stand_in = {g.value: GraphChange(added=[ox.Triple(g, g, g)]) for g in graphs}
    header = []
    for quad in change_log(stand_in, base, release_id, None):
        if not isinstance(quad.graph_name, ox.DefaultGraph):
            continue
        if quad.predicate.value == PREFIXES["dct"] + "description":
            graph = graphs[int(quad.subject.value.rsplit("-", 1)[-1]) - 1].value
            quad = ox.Quad(quad.subject, quad.predicate, ox.Literal(
                f"{totals[graph]} triple(s) added in {graph}", language="en"), quad.graph_name)
        header.append(quad)
    log_iri = changes_iri(base, release_id)
    with path.open("wb") as out:
        out.write(ox.serialize(header, format=ox.RdfFormat.TRIG, prefixes=prefixes))
        for number, graph in enumerate(graphs, start=1):
            out.write(f"\n<{log_iri}#added-{number}> {{\n".encode())
            store.dump(out, ox.RdfFormat.N_TRIPLES, from_graph=graph)
            out.write(b"}\n")
    return {g.value: {"added": totals[g.value], "removed": 0} for g in graphs}


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
