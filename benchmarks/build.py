"""Build time against dataset size: does the build scale linearly?

Copies the project's sources to a temporary folder, adds N synthetic memberships (each a
valid ``org:Membership`` of an existing city in the Migration and integration group, in
graph/seed-004), and times ``citynet build`` (parse, SHACL validation, store, dumps) for
growing N. Prints triples, seconds and microseconds per triple; a linear build keeps the
last column flat.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from service.build.pipeline import build
from service.settings import PROJECT_ROOT, load_settings

CITIES = ("aarhus", "barcelona", "helsinki", "tampere", "vienna", "zurich")


def synthetic_memberships(count: int) -> str:
    lines = ["@prefix org: <http://www.w3.org/ns/org#> .",
             "@prefix cn: <https://w3id.org/citynet/def#> ."]
    for n in range(count):
        lines.append(
            f"<id/membership/synthetic-{n}> a org:Membership ; "
            f"org:member <id/city/{CITIES[n % len(CITIES)]}> ; "
            "org:organization <id/group/eurocities-migration-integration> ; "
            "org:role cn:active-member-city ; org:memberDuring <id/period/2013> .")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks build", description=__doc__)
    parser.add_argument("--sizes", default="0,1000,4000,16000",
                        help="comma-separated numbers of synthetic memberships")
    args = parser.parse_args(argv)
    print(f"{'memberships':>12} {'triples':>9} {'seconds':>8} {'µs/triple':>10}")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            for name in ("data", "ontology", "shapes"):
                shutil.copytree(PROJECT_ROOT / name, root / name)
            with (root / "data" / "seed-004.ttl").open("a", encoding="utf-8") as f:
                f.write(synthetic_memberships(size))
            settings = load_settings({"root": root, "base": "http://127.0.0.1:8080/"})
            started = time.perf_counter()
            release = build(settings)
            seconds = time.perf_counter() - started
            print(f"{size:12} {release.triples:9} {seconds:8.2f} "
                  f"{seconds / release.triples * 1e6:10.1f}")
    return 0
