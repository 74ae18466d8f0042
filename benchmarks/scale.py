"""``python -m benchmarks scale``: do pages, /search and reconciliation cost the same on a
generated dataset of N triples (default 1M) as on the seed data?

Builds both datasets once into ``--work`` (``citynet generate`` then ``citynet build``; an
existing build there is reused), serves each as ``citynet serve`` does with the response cache
off (every request does its work; a cache would hide it), and drives the same kinds of request
at each: HTML pages of random resources, the pages and the Turtle document of the group with
the most members, ``/search?q=`` with words of the dataset's labels, and reconciliation batches
of five city names. Prints p50/p99 and req/s per scenario for both datasets and the ratio of
the p99s (the issue's target: about 1, i.e. the same limits at any size).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pyoxigraph as ox

from benchmarks.drive import Figures, Request, drive, find_wrk, warm
from service.generate.plan import parse_size
from service.namespaces import PREFIXES
from service.settings import PROJECT_ROOT, load_settings

BASE = "http://127.0.0.1:8080/"
HTML = (("Accept", "text/html"),)
JSON = (("Accept", "application/json"),)
FORM = (("Content-Type", "application/x-www-form-urlencoded"),)
ORG = PREFIXES["org"]
RECONCILE = "reconciliation, batches of 5 cities"


@dataclass(frozen=True)
class Dataset:
    name: str
    root: Path
    var: Path
    build_seconds: float | None  # None: an earlier build was reused


def ensure_built(name: str, root: Path, var: Path) -> Dataset:
    """Build ``root`` into ``var`` unless a release with a label index is there already."""
    current = var / "current"
    if current.exists() and (current.resolve() / "labels.sqlite").is_file():
        return Dataset(name, root, var, None)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "service.cli", "build", "--root", str(root),
                    "--var", str(var), "--base", BASE], check=True, cwd=PROJECT_ROOT)
    return Dataset(name, root, var, time.monotonic() - started)


def prepare(work: Path, triples: int) -> list[Dataset]:
    work.mkdir(parents=True, exist_ok=True)
    seeds = ensure_built("seeds", PROJECT_ROOT, work / "var-seeds")
    root = work / f"root-{triples}"
    if not (root / "data").is_dir():
        subprocess.run([sys.executable, "-m", "service.cli", "generate", "--triples",
                        str(triples), "--out", str(root)], check=True, cwd=PROJECT_ROOT)
    return [seeds, ensure_built(f"generated {triples:,}", root, work / f"var-{triples}")]


def requests_for(store: ox.Store, sample: int, page_size: int, seed: int = 1
                 ) -> dict[str, list[Request]]:
    """The requests of each scenario, from what the store holds."""
    rng = random.Random(seed)

    def pick(items: list) -> list:
        return rng.sample(items, min(sample, len(items)))

    def column(query: str, var: str) -> list[str]:
        return sorted({r[var].value for r in store.query(query)})

    things = pick(column(f"SELECT DISTINCT ?s WHERE {{ ?s a ?t FILTER(STRSTARTS(STR(?s), "
                         f"'{BASE}id/')) }}", "s"))
    top = next(iter(store.query(
        f"SELECT ?g (COUNT(?m) AS ?n) WHERE {{ ?m <{ORG}organization> ?g }} "
        "GROUP BY ?g ORDER BY DESC(?n) LIMIT 1")))
    biggest, pages = top["g"].value, min(5, -(-int(top["n"].value) // page_size))
    labels = column(f"SELECT DISTINCT ?l WHERE {{ ?x <{PREFIXES['rdfs']}label> ?l }} LIMIT 20000",
                    "l")
    words = pick(sorted({w.lower() for label in labels for w in label.split()
                         if len(w) >= 5 and w.isalpha()}))
    cities = pick(column(f"""SELECT ?l WHERE {{ ?c a <{ORG}Organization> ;
      <{PREFIXES['dct']}spatial> ?p ; <{PREFIXES['rdfs']}label> ?l FILTER(LANG(?l) = "en") }}""",
                         "l"))
    doc = "/doc/" + biggest[len(BASE) + 3:]

    def reconcile(batch: list[str]) -> Request:
        queries = {f"q{i}": {"query": name, "type": "city"} for i, name in enumerate(batch)}
        return Request("/reconcile", FORM, "POST", urlencode({"queries": json.dumps(queries)}))

    return {
        "HTML pages of random resources": [Request("/doc/" + t[len(BASE) + 3:], HTML)
                                           for t in things],
        "HTML pages 1–5 of the biggest group": [Request(f"{doc}?page={n}", HTML)
                                                for n in range(1, pages + 1)],
        "Turtle pages 1–5 of the biggest group": [Request(f"{doc}.ttl?page={n}")
                                                  for n in range(1, pages + 1)],
        "`/search?q=` (JSON)": [Request(f"/search?{urlencode({'q': w})}", JSON) for w in words],
        RECONCILE: [reconcile(cities[i:i + 5]) for i in range(0, len(cities), 5)],
    }


def candidates_per_query(url: str, batches: list[Request]) -> float:
    """The mean number of candidates a reconciliation query answers: the work of a batch
    follows its answer (a name with many namesakes fills its 10 places, a unique one not)."""
    sizes = []
    for batch in batches:
        request = urllib.request.Request(url.rstrip("/") + batch.path, method=batch.method,
                                         data=(batch.body or "").encode(),
                                         headers=dict(batch.headers))
        with urllib.request.urlopen(request, timeout=60) as response:
            sizes += [len(answer["result"]) for answer in json.load(response).values()]
    return sum(sizes) / len(sizes) if sizes else 0.0


def measure(dataset: Dataset, args: argparse.Namespace, wrk: str | None
            ) -> tuple[dict[str, Figures], int, int, float]:
    """Serve ``dataset`` and drive every scenario; also the triples, the biggest group's size
    and the candidates per reconciliation query."""
    from tests.conftest import start_server, stop_server

    store = ox.Store.read_only(str((dataset.var / "current").resolve() / "store"))
    info = json.loads(((dataset.var / "current").resolve() / "release.json").read_text())
    chosen = requests_for(store, args.sample, load_settings(environ={}).describe_incoming_limit)
    members = int(next(iter(store.query(
        f"SELECT (MAX(?n) AS ?most) WHERE {{ {{ SELECT (COUNT(?m) AS ?n) WHERE {{ "
        f"?m <{ORG}organization> ?g }} GROUP BY ?g }} }}")))["most"].value)
    del store
    env = {"CITYNET_WORKERS": str(args.workers), "CITYNET_ROOT": str(dataset.root),
           "CITYNET_RESPONSE_CACHE_BYTES": "0"}
    server = start_server(dataset.var, dataset.var.parent / f"{dataset.var.name}.log", env=env,
                          args=("--base", BASE))
    figures = {}
    try:
        for name, reqs in chosen.items():
            warm(server.url, reqs, 4, 1)
            figures[name] = drive(wrk, server.url, reqs, args.connections, args.duration)
            f = figures[name]
            print(f"  {dataset.name}: {name}: {f.rate:,.0f} req/s, p50 {f.p50_ms:.1f} ms, "
                  f"p99 {f.p99_ms:.1f} ms{_errors(f)}", flush=True)
        answered = candidates_per_query(server.url, chosen[RECONCILE])
    finally:
        stop_server(server.process)
    return figures, info["triples"], members, answered


def reconcile_in_process(datasets: list[Dataset], args: argparse.Namespace) -> None:
    """Time the reconciliation scenario's batches in this process against each release's
    label index (no HTTP), split into reading the candidate pools (SQLite) and ranking them;
    the best of ``--repeats`` runs, the datasets taking turns, so both see the same load."""
    from service.reconcile.match import rank
    from service.reconcile.protocol import candidate_json, conditions, parse_batch
    from service.search.entities import StoredIndex
    from service.search.index_file import index_path

    prepared = []
    for dataset in datasets:
        release = (dataset.var / "current").resolve()
        store = ox.Store.read_only(str(release / "store"))
        chosen = requests_for(store, args.sample, load_settings(environ={}).describe_incoming_limit)
        del store
        index = StoredIndex.open(release.name, BASE + "id/", index_path(release))
        if index is None:
            raise SystemExit(f"{release} has no label index of the current format: rebuild it")
        batches = [parse_batch(parse_qs(r.body or "")["queries"][0]) for r in chosen[RECONCILE]]
        prepared.append((dataset, index, batches))
    best: dict[str, tuple[float, float, float, float]] = {}
    for _ in range(args.repeats):
        for dataset, index, batches in prepared:
            reading = ranking = 0.0
            pooled = answered = queries = 0
            for batch in batches:
                started = time.perf_counter()
                asked = [(q.text, conditions(q, index), q.limit) for q in batch.values()]
                pools = index.pools(asked)
                read = time.perf_counter()
                for (text, cond, limit), pool in zip(asked, pools, strict=True):
                    answered += len([candidate_json(c) for c in rank(text, pool, cond, limit)])
                    pooled += len(pool)
                    queries += 1
                ranking += time.perf_counter() - read
                reading += read - started
            figures = (1000 * reading / len(batches), 1000 * ranking / len(batches),
                       pooled / queries, answered / queries)
            if dataset.name not in best or sum(figures[:2]) < sum(best[dataset.name][:2]):
                best[dataset.name] = figures
    print(f"# reconciliation in process, best of {args.repeats} runs; load average "
          f"{' '.join(f'{n:.2f}' for n in os.getloadavg())} (1, 5, 15 min)")
    print("| dataset | batches | pools read | ranking | total per batch | pool per query "
          "| candidates per query |\n|---|---|---|---|---|---|---|")
    for dataset, _, batches in prepared:
        read, ranked, pooled, answered = best[dataset.name]
        print(f"| {dataset.name} | {len(batches)} | {read:.2f} ms | {ranked:.2f} ms | "
              f"{read + ranked:.2f} ms | {pooled:.1f} | {answered:.1f} |")


def _errors(f: Figures) -> str:
    return f" ({f.errors} errors of {f.requests})" if f.errors else ""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks scale", description=__doc__)
    parser.add_argument("--triples", default="1M", help="size of the generated dataset")
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / "var" / "bench-scale",
                        help="folder for the generated sources and both builds (reused)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--sample", type=int, default=300, help="resources/words/cities")
    parser.add_argument("--workers", type=int, default=2, help="the service's gunicorn workers")
    parser.add_argument("--wrk", help="path of wrk (default: $WRK, then wrk on PATH)")
    parser.add_argument("--reconcile-in-process", action="store_true",
                        help="only time reconciliation batches in this process (no server): "
                        "reading the pools and ranking, per batch")
    parser.add_argument("--repeats", type=int, default=7,
                        help="runs of --reconcile-in-process (the best is shown)")
    args = parser.parse_args(argv)
    datasets = prepare(args.work.resolve(), parse_size(args.triples))
    if args.reconcile_in_process:
        reconcile_in_process(datasets, args)
        return 0
    wrk = find_wrk(args.wrk)
    results = []
    for dataset in datasets:
        figures, triples, members, answered = measure(dataset, args, wrk)
        results.append((dataset, figures, triples, members, answered))
    (seeds, small, *_), (big, large, *_) = results
    print(f"\n# response cache off; {args.connections} connections, {args.duration:g} s per "
          f"scenario, {args.workers} workers; load generator: {'wrk' if wrk else 'Python'}; "
          f"load average {' '.join(f'{n:.2f}' for n in os.getloadavg())} (1, 5, 15 min)")
    for dataset, _, triples, members, answered in results:
        built = (f"built in {dataset.build_seconds:.0f} s" if dataset.build_seconds is not None
                 else "build reused")
        print(f"# {dataset.name}: {triples:,} triples, biggest group {members:,} members, "
              f"{answered:.1f} candidates per reconciliation query, {built}")
    print(f"\n| scenario | {seeds.name} p50 / p99 | {seeds.name} req/s | {big.name} p50 / p99 "
          f"| {big.name} req/s | p99 ratio |")
    print("|---|---|---|---|---|---|")
    for name, s in small.items():
        g = large[name]
        ratio = g.p99_ms / s.p99_ms if s.p99_ms else 0.0
        print(f"| {name} | {s.p50_ms:.1f} / {s.p99_ms:.1f} ms | {s.rate:,.0f}{_errors(s)} | "
              f"{g.p50_ms:.1f} / {g.p99_ms:.1f} ms | {g.rate:,.0f}{_errors(g)} | {ratio:.2f} |")
    return 0
