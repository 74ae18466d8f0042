"""Write the download files of a release, streaming from the store to disk in constant memory.

Files: Turtle (all graphs merged: the store's default graph), N-Triples gzip (merged), N-Quads
gzip (the named graphs only), JSON-LD (the named graphs only, compact, with the dataset's
context). pyoxigraph writes every file but JSON-LD, from the store or from its own N-Triples;
the JSON-LD writer is the only one to see a Python object per statement. Output is
deterministic for the same store content: an on-disk store lists its quads in an order that
depends on their content only, graphs are written in name order, and gzip headers carry no
timestamp. The release's identifier is a hash of the named graphs' names and content hashes
(:func:`release_id`).

The files are written on several threads: pyoxigraph (reading the store, parsing,
serialising, querying), zlib and file writes release the GIL, so compression, the Turtle
serialiser, the JSON-LD writer and other work of the release overlap on the machine's cores.
"""

from __future__ import annotations

import gzip
import hashlib
import queue
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from itertools import chain
from pathlib import Path
from typing import IO, NamedTuple

import pyoxigraph as ox

from service import jsonld, media, rdfout
from service.build import jsonld_dump
from service.namespaces import RDF_TYPE

DUMP_NAME = "citynet"
#: zlib's own default: about twice as fast as gzip's 9 for a few percent more bytes. Level 3
#: halves its CPU time but makes the N-Quads dump 26 % bigger (1M triples: 8.2 MB against
#: 6.5 MB); as compression runs on a thread of its own beside the store's reading, 6 stays.
GZIP_LEVEL = 6
BLOCK = 1 << 20
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



def graph_names(store: ox.Store) -> list[ox.NamedNode]:
    return sorted(store.named_graphs(), key=lambda g: g.value)


def named_quads(store: ox.Store) -> Iterator[ox.Quad]:
    """Every quad of the named graphs, graph by graph (the stored merge left out)."""
    return chain.from_iterable(store.quads_for_pattern(None, None, None, g)
                               for g in graph_names(store))


def _lines(path: Path) -> Iterator[bytes]:
    """A file in blocks of whole lines."""
    rest = b""
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            block = rest + block
            end = block.rfind(b"\n") + 1
            rest = block[end:]
            if end:
                yield block[:end]
    if rest:
        yield rest


def _blocks(store: ox.Store, graph: ox.NamedNode, folder: Path) -> Iterator[bytes]:
    """The graph as N-Triples in blocks of whole lines (written by pyoxigraph to a file)."""
    path = folder / "graph.nt"
    store.dump(str(path), ox.RdfFormat.N_TRIPLES, from_graph=graph)
    yield from _lines(path)
    path.unlink()


class _Background:
    """A binary file written on a thread of its own (gzip's compression and the writes
    release the GIL), fed blocks through a bounded queue so memory stays flat."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.blocks: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="dump-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (block := self.blocks.get()) is not None:
            if self.error is None:
                try:
                    self.out.write(block)
                except BaseException as exc:  # noqa: BLE001 - raised again by write/close
                    self.error = exc

    def write(self, block: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.blocks.put(block)

    def close(self) -> None:
        """Wait until every block is written; raise what writing raised."""
        self.blocks.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


@contextmanager
def _background(out: IO[bytes]) -> Iterator[_Background]:
    writer = _Background(out)
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


def _nquads(store: ox.Store, out: IO[bytes] | _Background | None, copy: Path | None = None,
            sink: Sink | None = None, scratch: Path | None = None) -> dict[str, str]:
    """Write the named graphs as N-Quads to ``out`` (if given) and to the file ``copy`` (if
    given), passing each graph's N-Triples to ``sink``; each graph's content hash
    (:func:`graph_digest`). Temporary files go under ``scratch`` (default: the system's)."""
    digests: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix=".dump-", dir=scratch) as folder, \
            (copy.open("wb") if copy else nullcontext()) as plain:
        for graph in graph_names(store):
            digest = hashlib.sha256()
            suffix = f" {graph} .\n".encode()
            for block in _blocks(store, graph, Path(folder)):
                digest.update(block)
                if sink is not None:
                    sink(graph, block)
                if out is not None or plain is not None:
                    # N-Triples escapes every newline inside a literal: " .\n" ends a line
                    lines = block.replace(b" .\n", suffix)
                    for target in (out, plain):
                        if target is not None:
                            target.write(lines)
            digests[graph.value] = digest.hexdigest()[:16]
    return digests


def graph_digest(store: ox.Store, graph: ox.NamedNode, scratch: Path | None = None) -> str:
    """The content hash of one named graph of an on-disk store: a hash of its N-Triples as
    the store lists them (in an order that depends on the content only)."""
    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory(prefix=".dump-", dir=scratch) as folder:
        for block in _blocks(store, graph, Path(folder)):
            digest.update(block)
    return digest.hexdigest()[:16]


def release_id(digests: dict[str, str]) -> str:
    """A release's identifier: a hash of its graphs' names and content hashes, so a write
    that changes one graph finds the identifier of its release by hashing that graph only."""
    listing = "".join(f"{graph} {digest}\n" for graph, digest in sorted(digests.items()))
    return hashlib.sha256(listing.encode()).hexdigest()[:16]


class TurtlePrefixes:
    """Which prefixes the Turtle dump declares (see :func:`service.rdfout.used_prefixes`),
    learnt from its triples as N-Triples, block by block, in constant memory.

    What ``used_prefixes`` decides depends, for each IRI Turtle may abbreviate, only on the
    part up to its last ``/`` or ``#`` and, when that part is a declared namespace, on whether
    the rest is a plain local name; so one IRI of each kind stands for all of them, and the
    IRIs are found by regular expressions over the bytes (``rdf:type`` as a predicate and the
    datatypes of literals Turtle writes bare are taken out first, as ``turtle_iris`` does)."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = prefixes
        namespaces = sorted({ns.encode() for ns in prefixes.values()}, key=len, reverse=True)
        self.declared = set(namespaces)
        self.in_declared = re.compile(
            rb"<(" + b"|".join(re.escape(ns) for ns in namespaces) + rb")([^<>/#]*)>")
        self.folders: set[bytes] = set()
        self.examples: dict[tuple[bytes, bool], bytes] = {}

    def __call__(self, block: bytes) -> None:
        block = _NATIVE.sub(b"0", block.replace(_TYPE_PREDICATE, b"> a "))
        # a block repeats its IRIs (a subject per line of its description): each once
        for iri in set(_IRI.findall(block)):
            end = max(iri.rfind(b"/"), iri.rfind(b"#"))
            if end >= 0:
                self.folders.add(iri[:end + 1])
            found = self.in_declared.fullmatch(b"<" + iri + b">")
            if found is not None:
                namespace, local = found.groups()
                plain = bool(rdfout.PLAIN_LOCAL.match(local.decode("utf-8", "replace")))
                self.examples.setdefault((namespace, plain), namespace + local)

    def used(self, prefixes: dict[str, str]) -> dict[str, str]:
        examples = [e.decode() for e in self.examples.values()]
        examples += [f.decode() + "x" for f in self.folders if f not in self.declared]
        return rdfout.used_prefixes(examples, prefixes)


_TYPE_PREDICATE = f"> <{RDF_TYPE}> ".encode()
#: Every IRI (what is between ``<`` and ``>``).
_IRI = re.compile(rb"<([^<>]*)>")
#: Typed literals Turtle writes without their datatype (``1``, ``1.5``, ``true`` …).
_NATIVE = re.compile(b"|".join(
    b'"(?:' + pattern.pattern[1:-1].encode() + rb')"\^\^<' + re.escape(datatype.encode()) + b">"
    for datatype, pattern in rdfout.NATIVE.items()))


class PropertyKinds:
    """Which kinds of values each property has in the named graphs (what
    :data:`service.jsonld.USAGE_QUERY` selects, the input of the JSON-LD context), learnt
    from their N-Triples blocks as the N-Quads dump is written, instead of by another pass
    over the store: ``@id`` for an IRI or blank node, ``@language`` for a language-tagged
    literal, else the datatype (``xsd:string`` when N-Triples writes none)."""

    def __init__(self) -> None:
        self.found: set[tuple[bytes, bytes, bytes, bytes]] = set()

    def __call__(self, block: bytes) -> None:
        self.found.update(_STATEMENT.findall(block))

    def rows(self) -> list[tuple[str, str]]:
        """(property IRI, kind) pairs, as :func:`service.jsonld.usage_rows` reads the query's."""
        kinds = set()
        for predicate, tagged, datatype, node in self.found:
            kind = "@id" if node else "@language" if tagged else (
                datatype.decode() if datatype else jsonld.XSD_STRING)
            kinds.add((predicate.decode(), kind))
        return sorted(kinds)


#: One N-Triples line up to its object's kind: predicate, ``@`` of a language tag, datatype,
#: or the start of an IRI or blank node (a literal's escapes never hide its closing quote).
_STATEMENT = re.compile(rb'^\S+ <([^>]*)> (?:"(?:[^"\\\n]|\\.)*"(?:(@)|\^\^<([^>]*)>)?|(<|_:))',
                        re.MULTILINE)


@contextmanager
def _open(path: Path, compressed: bool) -> Iterator[IO[bytes]]:
    with path.open("wb") as raw:
        if compressed:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                               compresslevel=GZIP_LEVEL) as gz:
                yield gz
        else:
            yield raw


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def write_dumps(store: ox.Store, folder: Path, prefixes: dict[str, str],
                sink: Sink | None = None, disjoint: bool = False,
                meanwhile: Iterable[Callable[[], object]] = ()) -> Written:
    """Write every dump into ``folder``; their descriptions (name, size, sha256 …), each
    named graph's content hash (the release identifier is their :func:`release_id`) and the
    kinds of value of each property (the JSON-LD context's input).
    ``sink`` sees each named graph's N-Triples; ``meanwhile`` is other work of the release,
    run while the last dumps are written.

    Reading the store is what costs (pyoxigraph looks up each term's text), so it is read as
    little as possible, by pyoxigraph: the named graphs once (the N-Quads dump, and JSON-LD
    written from those N-Quads, parsing them being much cheaper), and the default graph once
    to a temporary N-Triples file (the N-Triples dump compressed, Turtle re-serialised from
    it, declaring only the prefixes it uses), unless the graphs are ``disjoint`` (no triple in
    two graphs: the merge is then their concatenation, already read). The JSON-LD dump is
    compact, with the dataset's whole context inline (what /context.jsonld serves).

    The JSON-LD context's input, which kinds of values each property has, is learnt from the
    same pass (:class:`PropertyKinds`). While the named graphs are read, the N-Quads dump is
    compressed on a thread of its own; then JSON-LD, Turtle and N-Triples are written on three
    threads (a big JSON-LD dump by a process of its own) while ``meanwhile`` runs on this
    one."""
    folder.mkdir(parents=True, exist_ok=True)
    turtle, kinds = TurtlePrefixes(prefixes), PropertyKinds()
    # temporary files beside the release being built: a killed build's are removed with it
    with tempfile.TemporaryDirectory(prefix=".scratch-", dir=folder.parent) as scratch, \
            ThreadPoolExecutor(max_workers=3, thread_name_prefix="dumps") as pool:
        merged, nquads = Path(scratch) / "merged.nt", Path(scratch) / "named.nq"
        with merged.open("wb") as concatenation:

            def learn(graph: ox.NamedNode, block: bytes) -> None:
                kinds(block)
                if sink is not None:
                    sink(graph, block)
                if disjoint:
                    turtle(block)
                    concatenation.write(block)

            name, *about = next(dump for dump in DUMPS if dump[1] is media.N_QUADS)
            with _open(folder / name, compressed=True) as gz, _background(gz) as out:
                digests = _nquads(store, out, nquads, learn, Path(scratch))
        if not disjoint:
            store.dump(str(merged), ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        context = jsonld.build_context(kinds.rows(), prefixes)
        json_ld = next(dump for dump in DUMPS if dump[1] is media.JSON_LD)
        child = None
        if nquads.stat().st_size >= JSON_LD_PROCESS_BYTES:
            child = jsonld_dump.start(nquads, folder / json_ld[0], context, Path(scratch))
        jobs = [pool.submit(_write_one, folder, dump, merged, nquads, context, turtle,
                            not disjoint)
                for dump in DUMPS if dump[1] is not media.N_QUADS
                and (child is None or dump is not json_ld)]
        try:
            for work in meanwhile:
                work()
            described = {job.result()["name"]: job.result() for job in jobs}
        finally:
            if child is not None:
                jsonld_dump.finish(child)
        if child is not None:
            described[json_ld[0]] = _describe(folder / json_ld[0], *json_ld[1:])
        described[name] = _describe(folder / name, *about)
    return Written([described[dump[0]] for dump in DUMPS], digests, kinds.rows())


def _write_one(folder: Path, dump: tuple, merged: Path, nquads: Path, context: jsonld.Context,
               turtle: TurtlePrefixes, learn_turtle: bool) -> dict:
    """Write one dump (JSON-LD from the named graphs' N-Quads, Turtle or N-Triples from their
    merge's N-Triples) and describe it; ``learn_turtle``: the Turtle prefixes are still to be
    learnt from the merge."""
    name, fmt, compressed, with_graphs, description = dump
    path = folder / name
    with _open(path, compressed) as out:
        if fmt is media.JSON_LD:
            jsonld.write_dataset(ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS),
                                 out, context)
        elif fmt is media.TURTLE:
            if learn_turtle:
                for block in _lines(merged):
                    turtle(block)
            ox.serialize(ox.parse(path=str(merged), format=ox.RdfFormat.N_TRIPLES), out,
                         ox.RdfFormat.TURTLE, prefixes=turtle.used(turtle.prefixes))
        else:
            for block in _lines(merged):
                out.write(block)
    return _describe(path, fmt, compressed, with_graphs, description)


def _describe(path: Path, fmt: media.RdfMedia, compressed: bool, with_graphs: bool,
              description: str) -> dict:
    return {
        "name": path.name,
        "media_type": fmt.media_type,
        "compression": "gzip" if compressed else None,
        "graphs": with_graphs,
        "description": description,
        "size": path.stat().st_size,
        "sha256": _sha256(path),
    }
