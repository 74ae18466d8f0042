"""``python -m benchmarks write``: what one token write costs as the dataset grows.

For each size, a generated source folder (``citynet generate``) is built once into
``--work`` (reused when there), then each kind of write is made in a process of its own, as
the web layer makes it (:func:`service.writes.apply.apply_write`): a Graph Store POST of one
triple, a SPARQL Update adding a comment to ten things of one graph, and a Graph Store PUT of
that whole graph (its comments replaced by one). Prints, per write, wall and CPU seconds (the update's own
process included), peak RSS and the triples it changed, beside the build of the same data:
a write should cost a small part of a build, and its memory should not follow the data.

``--remote`` does the same on the remote backend, against an ``oxigraph serve`` started per
size: first the publication of the built release to the empty server (every graph staged and
switched), then each write, which publishes its release there too.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from benchmarks.scale import BASE, ensure_built
from service.generate.plan import parse_size
from service.settings import PROJECT_ROOT

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
KINDS = ("Graph Store POST, 1 triple", "SPARQL Update, 10 triples",
         "Graph Store PUT of the whole graph")


def _settings(root: str, var: str, server: str):
    from service.settings import load_settings

    remote = {"backend": "remote", "remote_query_url": server + "query",
              "remote_update_url": server + "update"} if server else {}
    return load_settings({"root": Path(root), "var": Path(var), "base": BASE, **remote},
                         environ={})


def _publish(root: str, var: str, server: str) -> dict:
    """Publish the live release to the (empty) remote server; its figures."""
    from service.build.remote_load import load_remote
    from service.store.release import current_release

    settings = _settings(root, var, server)
    release = current_release(settings.var)
    started, cpu = time.monotonic(), _cpu()
    load_remote(settings, release, release.store_path)
    return {"wall": time.monotonic() - started, "cpu": _cpu() - cpu,
            "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "changed": release.info["quads"]}


def _one(root: str, var: str, kind: int, server: str = "") -> dict:
    """Make one write of ``kind`` (an index of KINDS); its figures."""
    import pyoxigraph as ox

    from service.store.release import current_release
    from service.writes.apply import apply_write
    from service.writes.operations import add_to_graph, replace_graph, sparql_update

    settings = _settings(root, var, server)
    graph = f"{BASE}graph/cities"
    stamp = ox.Literal(f"benchmark write {time.time_ns()}")
    store = ox.Store.read_only(str(current_release(settings.var).store_path))
    held = list(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    subject = held[0].subject
    if kind == 0:
        change = add_to_graph(graph, [ox.Triple(subject, ox.NamedNode(RDFS + "comment"), stamp)])
    elif kind == 1:
        change = sparql_update(
            f"INSERT {{ GRAPH <{graph}> {{ ?s <{RDFS}comment> {stamp} }} }} WHERE {{ "
            f"{{ SELECT DISTINCT ?s WHERE {{ GRAPH <{graph}> {{ ?s <{RDFS}label> ?l }} }} "
            "ORDER BY ?s LIMIT 10 } }", (), 1 << 20, 600.0, None)
    else:
        kept = [q.triple for q in held if q.predicate.value != RDFS + "comment"]
        change = replace_graph(graph, [*kept, ox.Triple(subject, ox.NamedNode(RDFS + "comment"),
                                                         stamp)])
    del store, held
    started, cpu = time.monotonic(), _cpu()
    result = apply_write(settings, "benchmark", change, KINDS[kind])
    return {"wall": time.monotonic() - started, "cpu": _cpu() - cpu,
            "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "changed": sum(a + r for a, r in result.changes.values())}


@contextmanager
def _server(folder: Path) -> Iterator[str]:
    """An empty ``oxigraph serve`` (as the remote-backend tests start it); its base URL."""
    from tests.store.conftest import start_oxigraph

    shutil.rmtree(folder, ignore_errors=True)
    server = start_oxigraph(folder)
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _cpu() -> float:
    own, children = (resource.getrusage(who) for who in
                     (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks write", description=__doc__)
    parser.add_argument("--sizes", default="100k,1M", help="comma-separated dataset sizes")
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / "var" / "bench-write",
                        help="folder for the generated datasets and their builds (reused)")
    parser.add_argument("--remote", action="store_true",
                        help="on the remote backend, against an oxigraph serve per size")
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)  # root var kind server
    parser.add_argument("--publish", nargs=3, help=argparse.SUPPRESS)  # root var server
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(_one(args.one[0], args.one[1], int(args.one[2]), args.one[3])))
        return 0
    if args.publish:
        print(json.dumps(_publish(*args.publish)))
        return 0
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in (parse_size(s) for s in args.sizes.split(",")):
        root = work / f"root-{size}"
        if not (root / "data").is_dir():
            subprocess.run([sys.executable, "-m", "service.cli", "generate", "--triples",
                            str(size), "--out", str(root)], check=True, cwd=PROJECT_ROOT)
        dataset = ensure_built(f"{size:,}", root, work / f"var-{size}")
        with _server(work / f"oxigraph-{size}") if args.remote else nullcontext("") as server:
            runs = [("publication of the release", ["--publish", str(root), str(dataset.var),
                                                    server])] if server else []
            runs += [(name, ["--one", str(root), str(dataset.var), str(kind), server])
                     for kind, name in enumerate(KINDS)]
            for name, command in runs:
                out = subprocess.run([sys.executable, "-m", "benchmarks", "write", *command],
                                     check=True, cwd=PROJECT_ROOT, capture_output=True,
                                     text=True).stdout
                rows.append((dataset, name, json.loads(out.strip().splitlines()[-1])))
    print(f"\n# load average {' '.join(f'{n:.2f}' for n in os.getloadavg())} (1, 5, 15 min)")
    print("| triples | write | changed | wall s | CPU s | peak RSS MiB | build s |")
    print("|---|---|---|---|---|---|---|")
    for dataset, name, f in rows:
        built = f"{dataset.build_seconds:.0f}" if dataset.build_seconds is not None else "reused"
        print(f"| {dataset.name} | {name} | {f['changed']} | {f['wall']:.1f} | {f['cpu']:.1f} "
              f"| {f['rss']:.0f} | {built} |")
    return 0
