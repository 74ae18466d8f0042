"""Write the download files of a release, streaming from the store to disk.

Files: Turtle (all graphs merged: the store's default graph), N-Triples gzip (merged), N-Quads
gzip (the named graphs only), JSON-LD (the named graphs only, compact, with the dataset's
context). Output is deterministic for the same store content: triples are written in sorted
order and gzip headers carry no timestamp.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from service import jsonld, media, rdfout
from service.store.dataset import named_quads

DUMP_NAME = "citynet"
#: The store's default graph holds the merge of the named graphs (service.store.dataset).
MERGED_QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"

#: (file name, media type, compressed?, includes named graphs?, description)
DUMPS = (
    (f"{DUMP_NAME}.ttl", media.TURTLE, False, False, "All graphs merged, Turtle."),
    (f"{DUMP_NAME}.nt.gz", media.N_TRIPLES, True, False, "All graphs merged, N-Triples, gzip."),
    (f"{DUMP_NAME}.nq.gz", media.N_QUADS, True, True, "Every named graph, N-Quads, gzip."),
    (f"{DUMP_NAME}.jsonld", media.JSON_LD, False, True,
     "Every named graph, compact JSON-LD with its @context."),
)


def merged_triples(store: ox.Store) -> Iterator[ox.Triple]:
    for row in store.query(MERGED_QUERY):
        yield ox.Triple(row["s"], row["p"], row["o"])


@contextmanager
def _open(path: Path, compressed: bool) -> Iterator[IO[bytes]]:
    with path.open("wb") as raw:
        if compressed:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
                yield gz
        else:
            yield raw


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_dumps(store: ox.Store, folder: Path, prefixes: dict[str, str]) -> list[dict]:
    """Write every dump into ``folder`` and return their descriptions (name, size, sha256 …).

    The Turtle dump declares only the prefixes it uses (a first pass over the triples); the
    JSON-LD dump is compact, with the dataset's whole context inline (what /context.jsonld
    serves), so it reads offline."""
    folder.mkdir(parents=True, exist_ok=True)
    turtle_prefixes = rdfout.used_prefixes(rdfout.turtle_iris(merged_triples(store)), prefixes)
    context = jsonld.build_context(jsonld.usage_rows(store.query(jsonld.USAGE_QUERY)), prefixes)
    written = []
    for name, fmt, compressed, with_graphs, description in DUMPS:
        path = folder / name
        with _open(path, compressed) as out:
            if fmt is media.JSON_LD:
                jsonld.write_dataset(named_quads(store), out, context)
            elif with_graphs:
                ox.serialize(named_quads(store), out, format=fmt.format)
            else:
                ox.serialize(merged_triples(store), out, format=fmt.format,
                             prefixes=turtle_prefixes if fmt is media.TURTLE else None)
        written.append({
            "name": name,
            "media_type": fmt.media_type,
            "compression": "gzip" if compressed else None,
            "graphs": with_graphs,
            "description": description,
            "size": path.stat().st_size,
            "sha256": _sha256(path),
        })
    return written
