"""Write the download files of a release, streaming from the store to disk in constant memory.

Files: Turtle (all graphs merged: the store's default graph), N-Triples gzip (merged), N-Quads
gzip (the named graphs only), JSON-LD (the named graphs only, compact, with the dataset's
context). pyoxigraph writes every file but JSON-LD, from the store or from its own N-Triples;
the JSON-LD writer is the only one to see a Python object per statement. Output is
deterministic for the same store content: an on-disk store lists its quads in an order that
depends on their content only, graphs are written in name order, and gzip headers carry no
timestamp. The release's identifier is a hash of the named graphs' names and content hashes
(:func:`release_id`).

Each dump is written graph by graph, one part per named graph (:mod:`service.build.dump_parts`:
one gzip member, one Turtle body, one JSON-LD graph object), so a write rewrites the parts of
the graphs it changed and copies the others (:mod:`service.build.dump_rewrite`).

The files are written on several threads: pyoxigraph (reading the store, parsing,
serialising, querying), zlib and file writes release the GIL, so compression, the Turtle
serialiser, the JSON-LD writer and other work of the release overlap on the machine's cores.
"""

from __future__ import annotations

import hashlib
import queue
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from itertools import chain
from pathlib import Path
from typing import IO, NamedTuple

import pyoxigraph as ox

from service import jsonld, media
from service.build import jsonld_dump
from service.build.dump_learn import PropertyKinds, TurtlePrefixes
from service.build.dump_parts import (
    GZIP_LEVEL,
    Layout,
    Learnt,
    Members,
    context_hash,
    learn_graph,
    lines,
    quad_lines,
    sha256,
    turtle_header,
    write_parts,
    write_turtle_part,
)

__all__ = ["DUMPS", "GZIP_LEVEL", "PropertyKinds", "TurtlePrefixes", "Written", "graph_digest",
           "release_id", "write_dumps"]

DUMP_NAME = "citynet"
#: From this size of the named graphs' N-Quads (about 300,000 quads), the JSON-LD dump, the
#: one written by Python statement by statement, is written by a process of its own, so it
#: does not wait for the GIL while the label index and the other dumps are written.
JSON_LD_PROCESS_BYTES = 64 << 20

#: (file name, media type, compressed?, includes named graphs?, description)
DUMPS = (
    (f"{DUMP_NAME}.ttl", media.TURTLE, False, False, "All graphs merged, Turtle."),
    (f"{DUMP_NAME}.nt.gz", media.N_TRIPLES, True, False, "All graphs merged, N-Triples, gzip."),
    (f"{DUMP_NAME}.nq.gz", media.N_QUADS, True, True, "Every named graph, N-Quads, gzip."),
    (f"{DUMP_NAME}.jsonld", media.JSON_LD, False, True,
     "Every named graph, compact JSON-LD with its @context."),
)


def dump_of(fmt: media.RdfMedia) -> tuple:
    return next(dump for dump in DUMPS if dump[1] is fmt)


def graph_names(store: ox.Store) -> list[ox.NamedNode]:
    return sorted(store.named_graphs(), key=lambda g: g.value)


def named_quads(store: ox.Store) -> Iterator[ox.Quad]:
    """Every quad of the named graphs, graph by graph (the stored merge left out)."""
    return chain.from_iterable(store.quads_for_pattern(None, None, None, g)
                               for g in graph_names(store))


def graph_blocks(store: ox.Store, graph: ox.NamedNode, folder: Path) -> Iterator[bytes]:
    """The graph as N-Triples in blocks of whole lines (written by pyoxigraph to a file)."""
    path = folder / "graph.nt"
    store.dump(str(path), ox.RdfFormat.N_TRIPLES, from_graph=graph)
    yield from lines(path)
    path.unlink()


class _Background:
    """A gzip file of one member per graph written on a thread of its own (gzip's
    compression and the writes release the GIL), fed blocks through a bounded queue so
    memory stays flat; a ``str`` fed starts the member of that graph."""

    def __init__(self, members: Members) -> None:
        self.members = members
        self.blocks: queue.Queue[bytes | str | None] = queue.Queue(maxsize=8)
        self.error: BaseException | None = None
        self.parts: dict[str, tuple[int, int]] = {}
        self.thread = threading.Thread(target=self._run, name="dump-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (block := self.blocks.get()) is not None:
            if self.error is None:
                try:
                    if isinstance(block, str):
                        self.members.begin(block)
                    else:
                        self.members.write(block)
                except BaseException as exc:  # noqa: BLE001 - raised again by write/close
                    self.error = exc

    def write(self, block: bytes | str) -> None:
        if self.error is not None:
            raise self.error
        self.blocks.put(block)

    def close(self) -> None:
        """Wait until every block is written; raise what writing raised."""
        self.blocks.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error
        self.parts = self.members.close()


@contextmanager
def _background(raw: IO[bytes]) -> Iterator[_Background]:
    writer = _Background(Members(raw))
    try:
        yield writer
    finally:
        writer.close()


class Written(NamedTuple):
    """What writing the dumps learnt: their descriptions, each graph's content hash, and
    (property IRI, kind of value) pairs, as :func:`service.jsonld.usage_rows` reads them."""

    dumps: list[dict]
    digests: dict[str, str]
    usage: list[tuple[str, str]]


#: Called with each named graph and a block of its N-Triples lines, as the dump is written.
Sink = Callable[[ox.NamedNode, bytes], None]


def graph_digest(store: ox.Store, graph: ox.NamedNode, scratch: Path | None = None) -> str:
    """The content hash of one named graph of an on-disk store: a hash of its N-Triples as
    the store lists them (in an order that depends on the content only)."""
    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory(prefix=".dump-", dir=scratch) as folder:
        for block in graph_blocks(store, graph, Path(folder)):
            digest.update(block)
    return digest.hexdigest()[:16]


def release_id(digests: dict[str, str]) -> str:
    """A release's identifier: a hash of its graphs' names and content hashes, so a write
    that changes one graph finds the identifier of its release by hashing that graph only."""
    listing = "".join(f"{graph} {digest}\n" for graph, digest in sorted(digests.items()))
    return hashlib.sha256(listing.encode()).hexdigest()[:16]


class _Discard:
    def write(self, block: bytes) -> None:
        pass


def write_dumps(store: ox.Store, folder: Path, prefixes: dict[str, str],
                sink: Sink | None = None, disjoint: bool = False,
                meanwhile: Iterable[Callable[[], object]] = ()) -> Written:
    """Write every dump into ``folder`` with its layout (:class:`Layout`); their
    descriptions (name, size, sha256 …), each named graph's content hash (the release
    identifier is their :func:`release_id`) and the kinds of value of each property (the
    JSON-LD context's input). ``sink`` sees each named graph's N-Triples; ``meanwhile`` is
    other work of the release, run while the last dumps are written.

    Reading the store is what costs (pyoxigraph looks up each term's text), so it is read as
    little as possible, by pyoxigraph: the named graphs once (the N-Quads dump, and JSON-LD
    written from those N-Quads, parsing them being much cheaper), and the default graph once
    to a temporary N-Triples file (the N-Triples dump compressed, Turtle re-serialised from
    it, declaring only the prefixes it uses), unless the graphs are ``disjoint`` (no triple in
    two graphs: the merge is then their concatenation, already read, and these two dumps are
    written graph by graph too). The JSON-LD dump is compact, with the dataset's whole context
    inline (what /context.jsonld serves).

    The JSON-LD context's input, which kinds of values each property has, is learnt from the
    same pass (:class:`PropertyKinds`). While the named graphs are read, the N-Quads dump is
    compressed on a thread of its own; then JSON-LD, Turtle and N-Triples are written on three
    threads (a big JSON-LD dump by a process of its own) while ``meanwhile`` runs on this
    one."""
    folder.mkdir(parents=True, exist_ok=True)
    turtle = TurtlePrefixes(prefixes)
    learnt: dict[str, Learnt] = {}
    # temporary files beside the release being built: a killed build's are removed with it
    with tempfile.TemporaryDirectory(prefix=".scratch-", dir=folder.parent) as scratch, \
            ThreadPoolExecutor(max_workers=3, thread_name_prefix="dumps") as pool:
        merged, nquads = Path(scratch) / "merged.nt", Path(scratch) / "named.nq"
        graphs = graph_names(store)
        name, *about = dump_of(media.N_QUADS)
        with (folder / name).open("wb") as raw, nquads.open("wb") as plain, \
                _background(raw) as out:
            for n, graph in enumerate(graphs):
                out.write(graph.value)
                suffix = graph.value

                def each(block: bytes, graph: ox.NamedNode = graph, suffix: str = suffix) -> None:
                    if sink is not None:
                        sink(graph, block)
                    quads = quad_lines(block, suffix)
                    out.write(quads)
                    plain.write(quads)

                part = Path(scratch) / f"graph-{n}.nt"
                with part.open("wb") if disjoint else nullcontext(_Discard()) as copy:
                    learnt[graph.value] = learn_graph(
                        graph_blocks(store, graph, Path(scratch)), copy,
                        turtle.fresh() if disjoint else None, each)
        parts = {name: out.parts}
        kinds = sorted(set().union(*(one.kinds for one in learnt.values())))
        if disjoint:
            for one in learnt.values():
                turtle.add(one.turtle)
            used = turtle.used(prefixes)
        else:
            store.dump(str(merged), ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
            used = None
        context = jsonld.build_context(kinds, prefixes)
        json_ld = dump_of(media.JSON_LD)
        child = None
        if nquads.stat().st_size >= JSON_LD_PROCESS_BYTES:
            child = jsonld_dump.start(nquads, folder / json_ld[0], context, Path(scratch))
        sources = [Path(scratch) / f"graph-{n}.nt" for n in range(len(graphs))] \
            if disjoint else [merged]
        names = [g.value for g in graphs] if disjoint else [None]
        jobs = [pool.submit(_write_one, folder, dump, list(zip(names, sources, strict=True)),
                            nquads, context, turtle, used, Path(scratch))
                for dump in DUMPS if dump[1] is not media.N_QUADS
                and (child is None or dump is not json_ld)]
        try:
            for work in meanwhile:
                work()
            done = [job.result() for job in jobs]
        finally:
            if child is not None:
                done.append(jsonld_dump.finish(child))
        described = {}
        for path, part in done:
            parts[path.name] = part
            described[path.name] = describe(path, *dump_of_name(path.name)[1:])
        described[name] = describe(folder / name, *about)
    Layout(disjoint, dict(prefixes), used, kinds, context_hash(context),
           {g: one.state() for g, one in learnt.items()}, parts).save(folder)
    return Written([described[dump[0]] for dump in DUMPS],
                   {g: one.digest for g, one in learnt.items()}, kinds)


def dump_of_name(name: str) -> tuple:
    return next(dump for dump in DUMPS if dump[0] == name)


def _write_one(folder: Path, dump: tuple, sources: list[tuple[str | None, Path]], nquads: Path,
               context: jsonld.Context, turtle: TurtlePrefixes, used: dict[str, str] | None,
               scratch: Path) -> tuple[Path, dict[str, tuple[int, int]]]:
    """Write one dump: JSON-LD from the named graphs' N-Quads, Turtle or N-Triples from each
    graph's N-Triples (``sources``: (graph, file) pairs) when the graphs are disjoint, else
    from their merge's (one pair, no graph); its path and where each graph's part is.
    ``used``: the prefixes Turtle declares, None when still to be learnt from the merge."""
    name, fmt, compressed, *_ = dump
    path = folder / name
    parts: dict[str, tuple[int, int]] = {}
    with path.open("wb") as out:
        if fmt is media.JSON_LD:
            parts = jsonld.write_dataset(
                ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS), out, context)
        elif fmt is media.TURTLE and used is None:  # the merge, whole
            for block in lines(sources[0][1]):
                turtle(block)
            ox.serialize(ox.parse(path=str(sources[0][1]), format=ox.RdfFormat.N_TRIPLES), out,
                         ox.RdfFormat.TURTLE, prefixes=turtle.used(turtle.prefixes))
        elif fmt is media.TURTLE:
            out.write(turtle_header(used))
            parts = write_parts([graph for graph, _ in sources], dict(sources), out,
                                lambda source, _graph: write_turtle_part(source, out, used,
                                                                         scratch))
        else:
            members = Members(out)
            for graph, source in sources:
                members.begin(graph)
                for block in lines(source):
                    members.write(block)
            parts = members.close()
    return path, parts


def describe(path: Path, fmt: media.RdfMedia, compressed: bool, with_graphs: bool,
              description: str) -> dict:
    return {
        "name": path.name,
        "media_type": fmt.media_type,
        "compression": "gzip" if compressed else None,
        "graphs": with_graphs,
        "description": description,
        "size": path.stat().st_size,
        "sha256": sha256(path),
    }
