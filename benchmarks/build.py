"""Build time against dataset size: does the build scale linearly?

For each size, ``citynet generate`` writes a synthetic source folder of about that many
triples (see service/generate), and ``citynet build`` (parse, SHACL validation, store,
dumps) is timed on it. Prints triples, seconds and microseconds per triple; a linear build
keeps the last column flat.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from service.build.pipeline import build
from service.generate.dataset import generate
from service.generate.plan import parse_size
from service.settings import load_settings


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks build", description=__doc__)
    parser.add_argument("--sizes", default="10k,50k,100k",
                        help="comma-separated sizes in triples (suffixes k, M accepted)")
    args = parser.parse_args(argv)
    print(f"{'asked':>9} {'triples':>9} {'seconds':>8} {'µs/triple':>10}")
    for text in args.sizes.split(","):
        size = parse_size(text)
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            generate(size, root)
            settings = load_settings({"root": root, "base": "http://127.0.0.1:8080/"})
            started = time.perf_counter()
            release = build(settings)
            seconds = time.perf_counter() - started
            print(f"{size:9} {release.triples:9} {seconds:8.2f} "
                  f"{seconds / release.triples * 1e6:10.1f}", flush=True)
    return 0
