"""SHACL validation time: pySHACL (the reference) against the fast validator, same data.

Generates a source folder of ``--triples`` triples (service/generate), parses it once, then
times each validator from the parsed sources to its report: pySHACL on the rdflib union
graph, the fast validator on a pyoxigraph store (loading the store is included). Both must
agree; prints seconds, triples per second and the speed-up.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from service.build.sources import load_sources, source_units, validation_graph, validation_store
from service.build.tables import REFERENCE_CONVERTERS
from service.build.validate import load_shapes
from service.generate.dataset import generate
from service.generate.plan import parse_size
from service.namespaces import PREFIXES, VOCAB_ONTOLOGY, graph_iri
from service.settings import PROJECT_ROOT
from service.shacl.engine import compile_graph, validate_store
from service.shacl.reference import reference_report, report_results

BASE = "http://127.0.0.1:8080/"


def direct_store(root: Path) -> ox.Store:
    """The validation graph of a source folder, loaded by pyoxigraph alone (blank nodes kept)."""
    store = ox.Store()
    units = source_units(root / "data") + [("vocabulary", sorted((root / "ontology").glob("*.ttl")))]
    marker = ox.NamedNode(PREFIXES["sd"] + "NamedGraph")
    rdf_type = ox.NamedNode(PREFIXES["rdf"] + "type")
    for name, paths in units:
        for path in paths:
            if path.suffix == ".csv":
                data = REFERENCE_CONVERTERS[path.name](path.read_text(encoding="utf-8"), BASE)
                store.load(data.serialize(format="nt", encoding="utf-8"),
                           format=ox.RdfFormat.N_TRIPLES)
            else:
                store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=BASE)
        store.add(ox.Quad(ox.NamedNode(graph_iri(BASE, name)), rdf_type, marker))
    ontology = ox.NamedNode(VOCAB_ONTOLOGY)
    store.extend([
        ox.Quad(ox.NamedNode(graph_iri(BASE, "vocabulary")),
                ox.NamedNode(PREFIXES["prov"] + "wasDerivedFrom"), ontology),
        ox.Quad(ontology, rdf_type, ox.NamedNode(PREFIXES["foaf"] + "Document")),
        ox.Quad(ontology, ox.NamedNode(PREFIXES["dct"] + "title"),
                ox.Literal("The CityNet vocabulary", language="en")),
    ])
    return store


def _direct(size: int) -> int:
    shapes = load_shapes(PROJECT_ROOT / "shapes")
    with tempfile.TemporaryDirectory() as folder:
        generate(size, Path(folder))
        started = time.perf_counter()
        store = direct_store(Path(folder))
        loaded = time.perf_counter() - started
    started = time.perf_counter()
    results = validate_store(store, compile_graph(shapes))
    seconds = time.perf_counter() - started
    print(f"{len(store)} triples loaded by pyoxigraph in {loaded:.2f} s; fast validator "
          f"{seconds:.2f} s ({len(store) / seconds:.0f} triples/s), {len(results)} results")
    return 0 if not results else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks validate", description=__doc__)
    parser.add_argument("--triples", default="100k", help="dataset size (suffixes k, M)")
    parser.add_argument("--skip-reference", action="store_true",
                        help="time the fast validator only (pySHACL takes minutes at 1M)")
    parser.add_argument("--direct", action="store_true",
                        help="fast validator only, its store loaded straight from the files by "
                             "pyoxigraph (no rdflib parse): the validator's own cost at 1M+")
    args = parser.parse_args(argv)
    if args.direct:
        return _direct(parse_size(args.triples))
    size = parse_size(args.triples)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        generate(size, root)
        sources = load_sources(root / "data", root / "ontology", BASE)
    shapes = load_shapes(PROJECT_ROOT / "shapes")
    triples = len({(s, p, o) for s, p, o, _ in sources.dataset.quads((None, None, None, None))})
    timings: dict[str, float] = {}
    started = time.perf_counter()
    store = validation_store(sources)
    timings["fast: load store"] = time.perf_counter() - started
    started = time.perf_counter()
    fast = validate_store(store, compile_graph(shapes))
    timings["fast: queries"] = time.perf_counter() - started
    timings["fast: total"] = timings["fast: load store"] + timings["fast: queries"]
    if not args.skip_reference:
        started = time.perf_counter()
        reference = report_results(reference_report(validation_graph(sources), shapes))
        timings["pySHACL"] = time.perf_counter() - started
    print(f"{triples} triples, {len(fast)} results")
    print(f"{'step':>18} {'seconds':>8} {'triples/s':>10}")
    for name, seconds in timings.items():
        print(f"{name:>18} {seconds:8.2f} {triples / seconds:10.0f}")
    if not args.skip_reference:
        same = fast == reference
        print(f"speed-up {timings['pySHACL'] / timings['fast: total']:.1f}x "
              f"({timings['pySHACL'] / timings['fast: queries']:.0f}x on the queries alone); "
              f"same results: {same}")
        return 0 if same else 1
    return 0
