"""Build time against dataset size: does the build scale linearly, and how far is it from
pyoxigraph's own loader?

For each size, ``citynet generate`` writes a synthetic source folder of about that many
triples (see service/generate), and ``citynet build`` (parse, SHACL validation, store with
the merged default graph, dumps) is timed on it. Prints triples, seconds and microseconds per
triple; a linear build keeps the last column flat.

``--compare-oxigraph`` runs, for each size, the whole ``citynet build --root DIR`` as its own
process, then ``oxigraph load`` (the ``oxigraph`` PyPI package) on the same dataset as one
N-Quads file (the release's N-Quads dump, decompressed), and prints both wall times, their
ratio, the CPU time of each (user + system, its child processes included: on a shared
machine it varies less than wall time), the CPU ratio, the peak RSS of each process and the
load average during the run. "Same store" is ``oxigraph load`` of what the release's store
holds, the named graphs plus their merge as the default graph (about twice the quads), and
the CPU ratio of the build to it. ``--profile`` runs the build in this process under
cProfile and prints where the time goes, by phase.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from service.build.pipeline import build
from service.generate.dataset import generate
from service.generate.plan import parse_size
from service.settings import load_settings

BASE = "http://127.0.0.1:8080/"
#: The build's phases as functions (module, name), in the order they run.
PHASES = (
    ("service/build/load.py", "load_into"),
    ("service/build/load.py", "_statements"),
    ("service/build/validate.py", "validate_loaded"),
    ("service/build/publish.py", "store_counts"),
    ("service/build/dumps.py", "write_dumps"),
    ("service/build/dumps.py", "_nquads"),
    ("service/jsonld.py", "write_dataset"),
    ("service/build/history.py", "finish"),
    ("service/build/dumps.py", "_sha256"),
    ("service/search/label_index.py", "write_label_index"),
    ("service/build/publish.py", "publish_store"),
    ("service/build/pipeline.py", "build"),
)


def _binary(name: str) -> str:
    beside = Path(sys.executable).parent / name  # the venv's console script
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found (pip install -e '.[test]' installs it)")
    return found


def timed(command: list[str]) -> tuple[float, float, int]:
    """Run ``command``; its wall time (s), CPU time (s, with its children) and peak resident
    set size (bytes)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        message = process.stderr.read().decode(errors="replace").strip().splitlines()
        raise SystemExit(f"{command[0]} failed: {message[-1] if message else status}")
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss * 1024  # Linux reports kibibytes


def compare(sizes: list[int], keep: Path | None) -> None:
    print(f"{'triples':>10} {'quads':>10} {'oxigraph s':>11} {'citynet s':>10} {'ratio':>6} "
          f"{'oxigraph CPU':>13} {'citynet CPU':>12} {'ratio':>6} {'same store CPU':>15} "
          f"{'ratio':>6} {'oxigraph RSS':>13} {'citynet RSS':>12} {'load avg':>9}", flush=True)
    citynet, oxigraph = _binary("citynet"), _binary("oxigraph")
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="citynet-bench-", dir=keep) as folder:
            root = Path(folder) / "root"
            generate(size, root)
            load_before = os.getloadavg()[0]
            build_s, build_cpu, build_rss = timed(
                [citynet, "build", "--root", str(root), "--base", BASE])
            release = (root / "var" / "current").resolve()
            info = json.loads((release / "release.json").read_text())
            nquads, stored = Path(folder) / "dataset.nq", Path(folder) / "stored.nq"
            with gzip.open(release / "dumps" / "citynet.nq.gz", "rb") as src, \
                    nquads.open("wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            # what the release's store holds: the named graphs and their merge as the default
            # graph (N-Triples lines are N-Quads lines of the default graph)
            shutil.copyfile(nquads, stored)
            with gzip.open(release / "dumps" / "citynet.nt.gz", "rb") as src, \
                    stored.open("ab") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            shutil.rmtree(root / "var")  # free the disk before the other stores
            load_s, load_cpu, load_rss = timed(
                [oxigraph, "load", "--location", str(Path(folder) / "ox"), "--file", str(nquads)])
            shutil.rmtree(Path(folder) / "ox")
            _same_s, same_cpu, _same_rss = timed(
                [oxigraph, "load", "--location", str(Path(folder) / "ox"), "--file", str(stored)])
            load_after = os.getloadavg()[0]
            print(f"{info['triples']:10} {info['quads']:10} {load_s:11.1f} {build_s:10.1f} "
                  f"{build_s / load_s:6.2f} {load_cpu:11.1f} s {build_cpu:10.1f} s "
                  f"{build_cpu / load_cpu:6.2f} {same_cpu:13.1f} s {build_cpu / same_cpu:6.2f} "
                  f"{load_rss / 2**20:9.0f} MiB "
                  f"{build_rss / 2**20:8.0f} MiB {load_before:4.1f}-{load_after:<4.1f}",
                  flush=True)


def profile(size: int) -> None:
    """Build once in this process under cProfile; cumulative seconds of each phase (of this
    thread: the dumps written on other threads or by the JSON-LD child are not seen)."""
    with tempfile.TemporaryDirectory(prefix="citynet-bench-") as folder:
        root = Path(folder)
        generate(size, root)
        settings = load_settings({"root": root, "base": BASE}, environ={})
        profiler = cProfile.Profile()
        profiler.enable()
        release = build(settings)
        profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    print(f"{release.triples} triples; cumulative seconds per phase (under cProfile):")
    for (path, _line, name), (_cc, _nc, _tt, cumulative, _callers) in sorted(
            stats.items(), key=lambda item: -item[1][3]):
        if any(path.endswith(module) and name == phase for module, phase in PHASES):
            print(f"{cumulative:9.2f}  {name}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks build", description=__doc__)
    parser.add_argument("--sizes", default=None,
                        help="comma-separated sizes in triples (suffixes k, M accepted); "
                        "default 10k,50k,100k, or 100k,1M with --compare-oxigraph")
    parser.add_argument("--compare-oxigraph", action="store_true",
                        help="time `oxigraph load` on the same data, with peak RSS of both")
    parser.add_argument("--profile", action="store_true",
                        help="profile one build (the first size) by phase")
    parser.add_argument("--tmp", type=Path, default=None,
                        help="folder for the generated data and stores (default: system tmp)")
    args = parser.parse_args(argv)
    default = "100k,1M" if args.compare_oxigraph else "10k,50k,100k"
    sizes = [parse_size(text) for text in (args.sizes or default).split(",")]
    if args.profile:
        profile(sizes[0])
        return 0
    if args.compare_oxigraph:
        compare(sizes, args.tmp)
        return 0
    print(f"{'asked':>9} {'triples':>9} {'seconds':>8} {'µs/triple':>10}")
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            generate(size, root)
            settings = load_settings({"root": root, "base": BASE})
            started = time.perf_counter()
            release = build(settings)
            seconds = time.perf_counter() - started
            print(f"{size:9} {release.triples:9} {seconds:8.2f} "
                  f"{seconds / release.triples * 1e6:10.1f}", flush=True)
    return 0
