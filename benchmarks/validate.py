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

from service.build.sources import load_sources
from service.build.validate import load_shapes, validate_sources
from service.generate.dataset import generate
from service.generate.plan import parse_size
from service.settings import PROJECT_ROOT

BASE = "http://127.0.0.1:8080/"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks validate", description=__doc__)
    parser.add_argument("--triples", default="100k", help="dataset size (suffixes k, M)")
    parser.add_argument("--skip-reference", action="store_true",
                        help="time the fast validator only (pySHACL takes minutes at 1M)")
    args = parser.parse_args(argv)
    size = parse_size(args.triples)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        generate(size, root)
        sources = load_sources(root / "data", root / "ontology", BASE)
    shapes = load_shapes(PROJECT_ROOT / "shapes")
    triples = len({(s, p, o) for s, p, o, _ in sources.dataset.quads((None, None, None, None))})
    runs = [("fast", False)] + ([] if args.skip_reference else [("pySHACL", True)])
    timings, reports = {}, {}
    for name, reference in runs:
        started = time.perf_counter()
        reports[name] = validate_sources(sources, shapes, reference=reference)
        timings[name] = time.perf_counter() - started
    print(f"{'validator':>10} {'triples':>9} {'seconds':>8} {'triples/s':>10} {'problems':>9}")
    for name, seconds in timings.items():
        print(f"{name:>10} {triples:9} {seconds:8.2f} {triples / seconds:10.0f} "
              f"{len(reports[name].problems):9}")
    if "pySHACL" in timings:
        same = reports["fast"] == reports["pySHACL"]
        print(f"speed-up {timings['pySHACL'] / timings['fast']:.1f}x; same report: {same}")
        return 0 if same else 1
    return 0
