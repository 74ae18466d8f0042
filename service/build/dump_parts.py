"""The dumps' layout, one part per named graph, so a write rewrites only the graphs it changed.

Each dump is written graph by graph in name order, and where each graph's part lies is
recorded in ``dumps/parts.json`` with what the graph's N-Triples taught the dumps (content
hash, the kinds of values of its properties, what the Turtle prefixes depend on):

- N-Quads gzip: one gzip member per graph (a gzip file of several members is one valid gzip
  file: ``gzip -d``, Python, rdflib and pyoxigraph read it whole);
- N-Triples gzip and Turtle of the merge, when no triple is in two graphs (``disjoint``): the
  merge is then the graphs' concatenation, so one gzip member, or one Turtle body after the
  one ``@prefix`` block, per graph; otherwise these two are written whole, with no parts;
- JSON-LD: one ``{"@id", "@graph"}`` object per graph in the ``@graph`` list, after the one
  ``@context``.

A part depends only on its graph's content and on what is common to the dataset (the
prefixes Turtle declares, the JSON-LD context, whether the graphs are disjoint), so a build
and a write of the same content write the same bytes. A write (:func:`rewrite_dumps`) reads
the graphs it changed, copies every other graph's parts byte for byte from the live release's
files, and gives up (the caller writes everything) when what is common changed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from service import jsonld
from service.build.dump_learn import PropertyKinds, TurtlePrefixes

LAYOUT_FILE = "parts.json"
#: What wrote the parts: a part is reused only by the same writers (a new pyoxigraph may
#: serialise Turtle differently; bump the version when a part's format changes here).
WRITER = f"layout 1, pyoxigraph {ox.__version__}"
#: zlib's own default: about twice as fast as gzip's 9 for a few percent more bytes. Level 3
#: halves its CPU time but makes the N-Quads dump 26 % bigger (1M triples: 8.2 MB against
#: 6.5 MB); as compression runs on a thread of its own beside the store's reading, 6 stays.
GZIP_LEVEL = 6
BLOCK = 1 << 20
#: A gzip member of nothing: what a gzip dump of no graph holds, so it is still a gzip file.
EMPTY_MEMBER = gzip.compress(b"", compresslevel=GZIP_LEVEL, mtime=0)


@dataclass
class Layout:
    """Where each graph's part of each dump is, and what each graph taught the dumps."""

    disjoint: bool
    prefixes: dict[str, str]  # the data prefixes the dumps were written with
    turtle_prefixes: dict[str, str] | None  # what the Turtle dump declares (disjoint only)
    kinds: list[tuple[str, str]]  # the dataset's property kinds (the JSON-LD context's input)
    context: str  # a hash of the JSON-LD dump's head: its whole context
    graphs: dict[str, dict] = field(default_factory=dict)  # digest, kinds, turtle state
    parts: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)

    def save(self, folder: Path) -> None:
        data = {"writer": WRITER, "disjoint": self.disjoint,
                "prefixes": list(self.prefixes.items()),  # in their order, which counts
                "turtle_prefixes": list((self.turtle_prefixes or {}).items())
                if self.turtle_prefixes is not None else None,
                "kinds": self.kinds, "context": self.context, "graphs": self.graphs,
                "parts": self.parts}
        (folder / LAYOUT_FILE).write_text(json.dumps(data, sort_keys=True), encoding="utf-8")

    @staticmethod
    def read(folder: Path) -> Layout | None:
        """The layout of the dumps in ``folder``; None when there is none this version reads."""
        try:
            data = json.loads((folder / LAYOUT_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("writer") != WRITER:
            return None
        turtle = data["turtle_prefixes"]
        return Layout(data["disjoint"], dict(data["prefixes"]),
                      dict(turtle) if turtle is not None else None,
                      [tuple(k) for k in data["kinds"]], data["context"], data["graphs"],
                      {name: {g: tuple(at) for g, at in parts.items()}
                       for name, parts in data["parts"].items()})


class Members:
    """A gzip file written as one member per part: :meth:`begin` ends the member being
    written and starts the next; :meth:`close` says where each named part is."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.gz, self.name = raw, None, None
        self.start = raw.tell()
        self.parts: dict[str, tuple[int, int]] = {}

    def begin(self, name: str | None) -> None:
        """Start the member of the part ``name`` (None: a part not recorded)."""
        self._end()
        self.name, self.start = name, self.raw.tell()
        self.gz = gzip.GzipFile(filename="", mode="wb", fileobj=self.raw, mtime=0,
                                compresslevel=GZIP_LEVEL)

    def write(self, block: bytes) -> None:
        self.gz.write(block)

    def copy(self, name: str, source: IO[bytes], at: tuple[int, int]) -> None:
        """A member copied byte for byte from ``source`` at (offset, length)."""
        self._end()
        start = self.raw.tell()
        copy_range(source, self.raw, at)
        self.parts[name] = (start, at[1])

    def _end(self) -> None:
        if self.gz is not None:
            self.gz.close()  # ends the member; the raw file stays open
            if self.name is not None:
                self.parts[self.name] = (self.start, self.raw.tell() - self.start)
            self.gz = None

    def close(self) -> dict[str, tuple[int, int]]:
        self._end()
        if self.raw.tell() == 0:
            self.raw.write(EMPTY_MEMBER)
        return self.parts


def copy_range(source: IO[bytes], out: IO[bytes], at: tuple[int, int]) -> None:
    offset, length = at
    source.seek(offset)
    while length > 0:
        block = source.read(min(BLOCK, length))
        if not block:
            raise ValueError("a dump part ends beyond its file")
        out.write(block)
        length -= len(block)


def write_parts(graphs: list[str], fresh: dict[str, Path], out: IO[bytes],
                write: Callable[[Path, str], None], old: dict[str, tuple[int, int]] | None = None,
                source: IO[bytes] | None = None,
                before: Callable[[int], bytes] = lambda n: b"") -> dict[str, tuple[int, int]]:
    """Each graph's part of an uncompressed dump, in order, after ``before(n)``: written by
    ``write(its N-Triples file, graph)`` when it is in ``fresh``, else copied from ``source``
    where ``old`` says it is; where each part is in ``out``."""
    parts: dict[str, tuple[int, int]] = {}
    for n, graph in enumerate(graphs):
        out.write(before(n))
        start = out.tell()
        if graph in fresh:
            write(fresh[graph], graph)
        else:
            copy_range(source, out, old[graph])
        parts[graph] = (start, out.tell() - start)
    return parts


def lines(path: Path) -> Iterator[bytes]:
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


def quad_lines(block: bytes, graph: str) -> bytes:
    """N-Triples lines as N-Quads lines of ``graph`` (N-Triples escapes every newline inside
    a literal: " .\\n" ends a line)."""
    return block.replace(b" .\n", f" <{graph}> .\n".encode())


def turtle_header(used: dict[str, str]) -> bytes:
    """The ``@prefix`` block of the Turtle dump, as pyoxigraph writes it."""
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in used.items()).encode()


def write_turtle_part(triples: Path, out: IO[bytes], used: dict[str, str],
                      scratch: Path) -> None:
    """The Turtle of one graph's N-Triples file, without the ``@prefix`` block (the dump
    declares ``used`` once, before the first graph's part)."""
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        body = Path(folder) / "part.ttl"
        with body.open("wb") as handle:
            ox.serialize(ox.parse(path=str(triples), format=ox.RdfFormat.N_TRIPLES), handle,
                         ox.RdfFormat.TURTLE, prefixes=used)
        first = True
        for block in lines(body):
            if first:  # pyoxigraph writes the prefix lines first, one per line
                first = False
                start = 0
                while block.startswith(b"@prefix ", start):
                    start = block.index(b"\n", start) + 1
                block = block[start:]
            out.write(block)


def write_jsonld_part(triples: Path, graph: str, out: IO[bytes],
                      context: jsonld.Context) -> None:
    node = ox.NamedNode(graph)
    jsonld.write_graph((ox.Quad(q.subject, q.predicate, q.object, node)
                        for q in ox.parse(path=str(triples), format=ox.RdfFormat.N_TRIPLES)),
                       out, context)


def context_hash(context: jsonld.Context) -> str:
    """What the JSON-LD dump's parts depend on besides their graph: its head (the context)."""
    return hashlib.sha256(jsonld.dataset_head(context)).hexdigest()[:16]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Learnt:
    """What one graph's N-Triples taught the dumps."""

    digest: str
    kinds: set[tuple[str, str]]
    turtle: TurtlePrefixes | None

    def state(self) -> dict:
        return {"digest": self.digest, "kinds": sorted(self.kinds),
                "turtle": self.turtle.state() if self.turtle is not None else None}


def learn_graph(blocks: Iterator[bytes], out: IO[bytes], turtle: TurtlePrefixes | None,
                each: Callable[[bytes], None] | None = None) -> Learnt:
    """Hash ``blocks`` (a graph's N-Triples), learn from them and copy them to ``out``."""
    digest, kinds = hashlib.sha256(), PropertyKinds()
    for block in blocks:
        digest.update(block)
        kinds(block)
        if turtle is not None:
            turtle(block)
        if each is not None:
            each(block)
        out.write(block)
    return Learnt(digest.hexdigest()[:16], set(kinds.rows()), turtle)
