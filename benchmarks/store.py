"""What the stored default graph costs: store size and write time, with and without it.

Every release stores the merge of its named graphs as the store's real default graph (a set;
see service/store/dataset.py) instead of querying pyoxigraph's union default graph (a bag).
This measures, for the project's quads and for larger generated datasets (N synthetic triples,
each stated in one to three graphs, as sources repeat facts), the on-disk size and the time to
write and optimise the store (a) with the named graphs only and (b) as a release writes it, and
the time of ``COUNT(*)`` over (a)'s union default graph (wrong: a bag) and (b)'s default graph.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from service.build.pipeline import to_quads
from service.build.publish import write_store
from service.build.sources import load_sources
from service.settings import load_settings

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def project_quads() -> list[ox.Quad]:
    settings = load_settings({"base": "http://127.0.0.1:8080/"})
    return to_quads(load_sources(settings.data_dir, settings.ontology_dir, settings.base_iri))


def synthetic_quads(count: int, seed: int = 7) -> list[ox.Quad]:
    """``count`` triples over 8 graphs, each in 1 to 3 of them (about 2 quads per triple)."""
    rng = random.Random(seed)
    graphs = [ox.NamedNode(f"http://example.org/graph/g{i}") for i in range(8)]
    predicates = [ox.NamedNode(f"http://example.org/def#p{i}") for i in range(20)]
    quads = []
    for n in range(count):
        subject = ox.NamedNode(f"http://example.org/id/thing/{n // 5}")
        obj = (ox.Literal(f"value {n}", language="en") if n % 2
               else ox.NamedNode(f"http://example.org/id/thing/{rng.randrange(count // 5 + 1)}"))
        triple = (subject, predicates[n % len(predicates)], obj)
        for graph in rng.sample(graphs, rng.randint(1, 3)):
            quads.append(ox.Quad(*triple, graph))
    return quads


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _timed_count(store: ox.Store, **kwargs) -> tuple[int, float]:
    started = time.perf_counter()
    n = int(next(iter(store.query(COUNT, **kwargs)))["n"].value)
    return n, time.perf_counter() - started


def measure(label: str, quads: list[ox.Quad]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        named = ox.Store(str(Path(folder) / "named"))
        named.extend(quads)
        named.optimize()
        named.flush()
        named_seconds = time.perf_counter() - started
        started = time.perf_counter()
        merged = write_store(Path(folder) / "merged", quads)
        merged.flush()
        merged_seconds = time.perf_counter() - started
        union_n, union_t = _timed_count(named, use_default_graph_as_union=True)
        set_n, set_t = _timed_count(merged)
        a, b = _size(Path(folder) / "named"), _size(Path(folder) / "merged")
        print(f"{label:>10} {len(quads):9} {set_n:9} {a / 1e6:9.2f} {b / 1e6:9.2f} "
              f"{b / a:6.2f} {named_seconds:7.2f} {merged_seconds:7.2f} "
              f"{union_n:9} {union_t * 1e3:8.1f} {set_t * 1e3:8.1f}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks store", description=__doc__)
    parser.add_argument("--sizes", default="100000,400000",
                        help="comma-separated numbers of synthetic triples")
    args = parser.parse_args(argv)
    print(f"{'dataset':>10} {'quads':>9} {'triples':>9} {'MB named':>9} {'MB +dflt':>9} "
          f"{'ratio':>6} {'s named':>7} {'s +dflt':>7} {'bag COUNT':>9} {'ms bag':>8} "
          f"{'ms set':>8}")
    measure("project", project_quads())
    for size in (int(s) for s in args.sizes.split(",") if s):
        measure(f"synth-{size // 1000}k", synthetic_quads(size))
    return 0
