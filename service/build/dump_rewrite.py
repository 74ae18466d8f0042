"""A write's dumps: the live release's files with the parts of the changed graphs rewritten.

A write changes a few graphs; writing every dump again reads the whole store (most of a
write's time at a million triples). :func:`rewrite_dumps` reads only the graphs the write
changed, and copies every other graph's parts byte for byte from the live release's dumps
(:mod:`service.build.dump_parts`), so its cost follows the changed graphs. The result is the
file a build of the same content writes (same bytes, same sha256), because each part depends
only on its graph and on what is common to the dataset; when what is common changed (a
property gets a new kind of value, so the JSON-LD context changes; Turtle declares other
prefixes; the graphs stop being disjoint) it gives up and the caller writes every dump.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from service import jsonld, media
from service.build.dump_learn import TurtlePrefixes
from service.build.dump_parts import (
    Layout,
    Learnt,
    Members,
    context_hash,
    learn_graph,
    lines,
    quad_lines,
    turtle_header,
    write_jsonld_part,
    write_parts,
    write_turtle_part,
)
from service.build.dumps import DUMPS, Written, describe, graph_blocks, graph_names

Parts = dict[str, tuple[int, int]]


def rewrite_dumps(store: ox.Store, folder: Path, prefixes: dict[str, str], previous: Path,
                  changed: set[str], disjoint: bool) -> Written | None:
    """Write the dumps of ``store`` into ``folder`` from those of the live release in
    ``previous`` (its dumps folder), reading from the store only the graphs named in
    ``changed`` (and those the live release has no parts for); what
    :func:`service.build.dumps.write_dumps` returns, or None when they cannot be reused (the
    caller then writes them whole)."""
    old = Layout.read(previous)
    if old is None or not (disjoint and old.disjoint) \
            or list(old.prefixes.items()) != list(prefixes.items()) \
            or old.turtle_prefixes is None or set(old.parts) != {d[0] for d in DUMPS}:
        return None
    turtle = TurtlePrefixes(prefixes)
    graphs = [g.value for g in graph_names(store)]
    learnt: dict[str, Learnt] = {}
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".scratch-", dir=folder.parent) as scratch:
        fresh: dict[str, Path] = {}
        for n, graph in enumerate(graphs):
            known = old.graphs.get(graph)
            if known is not None and graph not in changed and known.get("turtle") is not None \
                    and all(graph in parts for parts in old.parts.values()):
                learnt[graph] = Learnt(known["digest"], {tuple(k) for k in known["kinds"]},
                                       turtle.restore(known["turtle"]))
                continue
            fresh[graph] = Path(scratch) / f"graph-{n}.nt"
            with fresh[graph].open("wb") as copy:
                learnt[graph] = learn_graph(
                    graph_blocks(store, ox.NamedNode(graph), Path(scratch)), copy,
                    turtle.fresh())
        kinds = sorted(set().union(*(one.kinds for one in learnt.values())))
        for one in learnt.values():
            turtle.add(one.turtle)
        used = turtle.used(prefixes)
        if kinds != old.kinds or list(used.items()) != list(old.turtle_prefixes.items()):
            return None  # the context or the prefixes changed: every part changes
        context = jsonld.build_context(kinds, prefixes)
        if context_hash(context) != old.context:
            return None
        parts: dict[str, Parts] = {}
        for name, fmt, *_ in DUMPS:
            with (previous / name).open("rb") as source, (folder / name).open("wb") as out:
                write = _ASSEMBLE[fmt]
                parts[name] = write(graphs, fresh, old.parts[name], source, out,
                                    context=context, used=used, scratch=Path(scratch))
        described = [describe(folder / dump[0], *dump[1:]) for dump in DUMPS]
    Layout(True, dict(prefixes), used, kinds, old.context,
           {g: one.state() for g, one in learnt.items()}, parts).save(folder)
    return Written(described, {g: one.digest for g, one in learnt.items()}, kinds)


def _gzip(graphs: list[str], fresh: dict[str, Path], old: Parts, source: IO[bytes],
          out: IO[bytes], *, quads: bool, **_: object) -> Parts:
    """N-Quads or N-Triples gzip: a member per graph, new or copied."""
    members = Members(out)
    for graph in graphs:
        if graph not in fresh:
            members.copy(graph, source, old[graph])
            continue
        members.begin(graph)
        for block in lines(fresh[graph]):
            members.write(quad_lines(block, graph) if quads else block)
    return members.close()


def _turtle(graphs: list[str], fresh: dict[str, Path], old: Parts, source: IO[bytes],
            out: IO[bytes], *, used: dict[str, str], scratch: Path, **_: object) -> Parts:
    out.write(turtle_header(used))
    return write_parts(graphs, fresh, out,
                       lambda path, _graph: write_turtle_part(path, out, used, scratch),
                       old, source)


def _json_ld(graphs: list[str], fresh: dict[str, Path], old: Parts, source: IO[bytes],
             out: IO[bytes], *, context: jsonld.Context, **_: object) -> Parts:
    out.write(jsonld.dataset_head(context))
    parts = write_parts(graphs, fresh, out,
                        lambda path, graph: write_jsonld_part(path, graph, out, context), old,
                        source, lambda n: jsonld.GRAPH_SEPARATOR if n else jsonld.FIRST_GRAPH)
    out.write(jsonld.DATASET_TAIL)
    return parts


_ASSEMBLE = {
    media.N_QUADS: lambda *a, **k: _gzip(*a, quads=True, **k),
    media.N_TRIPLES: lambda *a, **k: _gzip(*a, quads=False, **k),
    media.TURTLE: _turtle,
    media.JSON_LD: _json_ld,
}
