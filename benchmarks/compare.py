"""``python -m benchmarks compare``: the service against Oxigraph's own server, side by side.

Starts the service as ``citynet serve`` does (gunicorn, its own build) and
``oxigraph serve-read-only`` on a copy of the very store the service publishes (with
``--union-default-graph`` only when that store keeps its data in named graphs alone, as the
service's queries then see the union), then drives both with the same requests: each scenario
pairs the service's route with the SPARQL request Oxigraph answers for it. Each scenario is
first warmed up (every request sent ``--warmup`` times to each server), then rounds alternate
which server goes first; the table shows the median of the rounds, the ratio
(service / Oxigraph req/s) and the target of issue 11 where there is one. The static
scenarios put nginx, serving ``citynet export-static`` of the same release, in the service's
column.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote, urlencode

import pyoxigraph as ox
import requests

from benchmarks.compare_static import start_static
from benchmarks.drive import Figures, Request, drive, find_wrk, warm
from benchmarks.load import tree_pss, tree_rss
from benchmarks.memory import footprint, footprint_text
from service.namespaces import sparql_prefix_block
from service.queries import load_queries
from service.settings import PROJECT_ROOT
from service.store.remote import bind_values
from service.web import describe

TURTLE = (("Accept", "text/turtle"),)
BROWSER = (("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),)
RESULTS = (("Accept", "application/sparql-results+json"),)
FORM = "application/x-www-form-urlencoded"
PREFIXES = sparql_prefix_block()
SEARCH_LIMIT = 20  # /search's default; it asks the store for four times as many


@dataclass(frozen=True)
class Scenario:
    name: str
    connections: int
    service: list[Request]
    oxigraph: list[Request]
    #: (least ratio, most service p99 in ms) on the seed data and at 1M triples; None: no target
    target: tuple[float, float | None] | None = None
    target_1m: tuple[float, float | None] | None = None
    #: Who answers the scenario's requests: the service, or nginx on its static export.
    server: str = "service"


def _sparql(path: str, query: str, accept=RESULTS) -> Request:
    return Request(f"{path}?{urlencode({'query': query}, quote_via=quote)}", accept)


def _rows(store: ox.Store, query: str) -> list:
    return list(store.query(query, use_default_graph_as_union=True))


def scenarios(store: ox.Store, base: str, sample: int, seed: int = 1) -> list[Scenario]:
    """The scenarios of issue 11, built from what the store holds (``sample`` of each)."""
    rng = random.Random(seed)
    pick = lambda items: rng.sample(items, min(sample, len(items))) or items  # noqa: E731
    things = pick(sorted({r["s"].value for r in _rows(
        store, f"SELECT DISTINCT ?s WHERE {{ ?s a ?t FILTER(STRSTARTS(STR(?s), '{base}id/')) }}")}))
    describe_q = describe.description_query(200)
    construct = [bind_values(describe_q, {"s": ox.NamedNode(t)}) for t in things]
    paths = [t[len(base) + 3:] for t in things]
    groups = pick(sorted({r["g"].value for r in _rows(
        store, PREFIXES + "SELECT DISTINCT ?g WHERE { ?m a org:Membership ; org:organization ?g }")}))
    join = [PREFIXES + f"""SELECT ?member ?label WHERE {{ ?m org:organization <{g}> ;
  org:member ?member . ?member rdfs:label|skos:prefLabel ?label }}""" for g in groups]
    aggregate = PREFIXES + """SELECT ?country (COUNT(DISTINCT ?m) AS ?n) WHERE {
  ?m a org:Membership ; org:member ?city . ?city dct:spatial ?place .
  ?place schema:containedInPlace ?c . ?c skos:notation ?country
} GROUP BY ?country ORDER BY DESC(?n)"""
    labels = [r["l"].value for r in _rows(
        store, PREFIXES + "SELECT DISTINCT ?l WHERE { ?x rdfs:label ?l } LIMIT 5000")]
    words = pick(sorted({w.lower() for label in labels for w in label.split()
                         if len(w) >= 5 and w.isalpha()}))
    label_search = [bind_values(describe.search_query(50), {"q": ox.Literal(w)}) for w in words]
    search_store = [bind_values(describe.search_query(SEARCH_LIMIT * 4), {"q": ox.Literal(w)})
                    for w in words]
    named = load_queries(PROJECT_ROOT / "queries")["cities-per-country"]
    countries = sorted({r["c"].value for r in _rows(
        store, PREFIXES + "SELECT DISTINCT ?c WHERE { ?x a schema:Country ; skos:notation ?c }")})
    api_q = [bind_values(named.text, named.bindings({"country": c}, base)) for c in countries]
    cities = pick(sorted({r["l"].value for r in _rows(store, PREFIXES + """SELECT ?l WHERE {
  ?c a org:Organization ; dct:spatial ?p ; rdfs:label ?l FILTER(LANG(?l) = "en") }""")}))
    batches = [cities[i:i + 5] for i in range(0, len(cities), 5)]
    match = PREFIXES + """SELECT ?name ?x WHERE {{ VALUES ?name {{ {} }}
  ?x rdfs:label|skos:prefLabel ?l FILTER(LCASE(STR(?l)) = LCASE(?name)) }}"""

    def reconcile(batch: list[str]) -> Request:
        queries = {f"q{i}": {"query": name, "type": "city"} for i, name in enumerate(batch)}
        return Request("/reconcile", (("Content-Type", FORM),), "POST",
                       urlencode({"queries": json.dumps(queries)}))

    oxi = [_sparql("/query", q, TURTLE) for q in construct]
    return [
        Scenario("`/doc/{x}.ttl` vs the description CONSTRUCT", 32,
                 [Request(f"/doc/{p}.ttl") for p in paths], oxi, (0.5, 25), (0.5, 25)),
        Scenario("`/doc/{x}.html` (page) vs the same CONSTRUCT", 32,
                 [Request(f"/doc/{p}.html") for p in paths], oxi, (0.5, 25), (0.5, 25)),
        Scenario("static export: nginx `/doc/{x}.ttl` vs the same CONSTRUCT", 32,
                 [Request(f"/doc/{p}.ttl") for p in paths], oxi, (1.0, None), (1.0, None),
                 server="static"),
        Scenario("static export: nginx `/doc/{x}` page (negotiated) vs the same CONSTRUCT", 32,
                 [Request(f"/doc/{p}", BROWSER) for p in paths], oxi, (1.0, None), (1.0, None),
                 server="static"),
        Scenario("the CONSTRUCT through `/sparql`", 32,
                 [_sparql("/sparql", q, TURTLE) for q in construct], oxi, (0.4, None),
                 (0.4, None)),
        Scenario("group members join (SELECT)", 8, [_sparql("/sparql", q) for q in join],
                 [_sparql("/query", q) for q in join], (0.5, None), (0.9, None)),
        Scenario("memberships per country (aggregate)", 2, [_sparql("/sparql", aggregate)],
                 [_sparql("/query", aggregate)]),
        Scenario("label search via `/sparql`", 8, [_sparql("/sparql", q) for q in label_search],
                 [_sparql("/query", q) for q in label_search], (0.5, None), (0.9, None)),
        Scenario("`/search?q=` vs its label-search query", 8,
                 [Request(f"/search?{urlencode({'q': w})}", (("Accept", "application/json"),))
                  for w in words], [_sparql("/query", q) for q in search_store], (0.5, None),
                 (0.9, None)),
        Scenario("`/api/cities-per-country?country=` vs its query", 8,
                 [Request(f"/api/cities-per-country?country={c}", RESULTS) for c in countries],
                 [_sparql("/query", q) for q in api_q]),
        Scenario("reconciliation batch of 5 cities vs an exact-label SELECT", 8,
                 [reconcile(b) for b in batches],
                 [_sparql("/query", match.format(" ".join(json.dumps(n) for n in b)))
                  for b in batches]),
    ]


def start_service(var: Path, log: Path, env: dict[str, str]):
    """``citynet serve`` on a free port, as the tests start it, but with its release built
    first by ``citynet build`` for as long as that takes (minutes at 1M triples, longer than
    a server is given to become healthy)."""
    from tests.conftest import Server, free_port, stop_server

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    full_env = {**os.environ, "CITYNET_VAR": str(var), "CITYNET_PORT": str(port),
                "CITYNET_HOST": "127.0.0.1", **env}
    full_env.pop("CITYNET_BASE", None)
    with log.open("wb") as out:
        subprocess.run([sys.executable, "-m", "service.cli", "build"], cwd=PROJECT_ROOT,
                       env=full_env, stdout=out, stderr=subprocess.STDOUT, check=True)
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "service.cli", "serve"],
                                   cwd=PROJECT_ROOT, env=full_env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(url + "health", timeout=2).status_code == 200:
                return Server(url=url, base=url, var=var, process=process, log=log)
        except requests.RequestException:
            time.sleep(0.2)
    stop_server(process)
    raise RuntimeError(f"the service did not become healthy:\n{log.read_text()}")


def start_oxigraph(store_dir: Path, port: int, union: bool, log: Path) -> subprocess.Popen:
    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    args = [exe, "serve-read-only", "--location", str(store_dir), "--bind", f"127.0.0.1:{port}"]
    if union:
        args.append("--union-default-graph")
    process = subprocess.Popen(args, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}/query?query=ASK%7B%7D"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return process
        except requests.ConnectionError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"oxigraph did not start:\n{log.read_text()}")


def median_figures(runs: list[Figures]) -> Figures:
    return Figures(rate=statistics.median(f.rate for f in runs),
                   p50_ms=statistics.median(f.p50_ms for f in runs),
                   p99_ms=statistics.median(f.p99_ms for f in runs),
                   errors=sum(f.errors for f in runs), requests=sum(f.requests for f in runs))


def verdict(target, ratio: float, p99: float) -> str:
    if target is None:
        return "—"
    least, most_p99 = target
    wanted = f"≥ {least}×" + (f", p99 ≤ {most_p99} ms" if most_p99 else "")
    met = ratio >= least and (most_p99 is None or p99 <= most_p99)
    return f"{wanted}: {'met' if met else 'NOT met'}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks compare", description=__doc__)
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT,
                        help="project root whose data/ the service builds (e.g. a generated "
                             "dataset); default: this checkout's seed data")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sample", type=int, default=300, help="resources/queries per scenario")
    parser.add_argument("--warmup", type=int, default=2,
                        help="passes over each scenario's requests before measuring")
    parser.add_argument("--only", help="run the scenarios whose name contains this text")
    parser.add_argument("--skip", help="leave out the scenarios whose name contains this text "
                                       "(e.g. static: exporting 1M triples takes hours)")
    parser.add_argument("--connections", type=_counts,
                        help="run each scenario at these connection counts instead of its own "
                             "(e.g. 8,32: how the tail grows with the queue)")
    parser.add_argument("--workers", type=int, default=2, help="the service's gunicorn workers")
    parser.add_argument("--wrk", help="path of wrk (default: $WRK, then wrk on PATH; without "
                                      "it a Python load generator is used)")
    args = parser.parse_args(argv)
    from tests.conftest import free_port, stop_server
    from tests.export.nginx import stop_nginx

    wrk = find_wrk(args.wrk)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {"CITYNET_WORKERS": str(args.workers), "CITYNET_ROOT": str(args.root.resolve())}
        service = start_service(folder / "var", folder / "service.log", env)
        oxigraph = static = None
        try:
            live = (folder / "var" / "current").resolve()
            copy = folder / "oxigraph-store"
            shutil.copytree(live / "store", copy)
            store = ox.Store.read_only(str(copy))
            union = not bool(store.query("ASK { ?s ?p ?o }"))
            triples = json.loads((live / "release.json").read_text())["triples"]
            chosen = [s for s in scenarios(store, service.base, args.sample)
                      if (not args.only or args.only.lower() in s.name.lower())
                      and not (args.skip and args.skip.lower() in s.name.lower())]
            if args.connections:
                chosen = [replace(s, connections=n) for s in chosen for n in args.connections]
            del store
            port = free_port()
            oxigraph = start_oxigraph(copy, port, union, folder / "oxigraph.log")
            oxi_url = f"http://127.0.0.1:{port}/"
            print(f"# {triples} triples; {args.sample} resources/queries per scenario; "
                  f"Oxigraph {'with' if union else 'without'} "
                  f"--union-default-graph; load generator: {'wrk' if wrk else 'Python threads'};"
                  f" {args.rounds} rounds of {args.duration:g} s, median", flush=True)
            urls = {"service": service.url}
            if any(s.server == "static" for s in chosen):
                nginx_port = free_port()
                static = start_static(folder / "var", args.root.resolve(), folder / "static",
                                      nginx_port)
                urls["static"] = f"http://127.0.0.1:{nginx_port}/"
            results = measure(chosen, wrk, urls, oxi_url, args)
            rss, pss = tree_rss(service.process.pid), tree_pss(service.process.pid)
            kinds = footprint(service.process.pid)
        finally:
            if oxigraph is not None:
                oxigraph.kill()
                oxigraph.wait()
            if static is not None:
                stop_nginx(static)
            stop_server(service.process)
    large = triples >= 900_000
    print("\n| scenario | conc | service req/s | Oxigraph req/s | ratio | service p50 / p99 "
          "| Oxigraph p50 / p99 | target |")
    print("|---|---|---|---|---|---|---|---|")
    for scenario, svc, oxi in results:
        # Oxigraph answering nothing within the measurement: any answer from the service is ahead
        ratio = svc.rate / oxi.rate if oxi.rate else (float("inf") if svc.rate else 0.0)
        print(f"| {scenario.name} | {scenario.connections} | {svc.rate:,.0f}{_errors(svc)} | "
              f"{oxi.rate:,.0f}{_errors(oxi)} | {ratio:.2f} | {svc.p50_ms:.1f} / {svc.p99_ms:.1f} ms | "
              f"{oxi.p50_ms:.1f} / {oxi.p99_ms:.1f} ms | "
              f"{verdict(scenario.target_1m if large else scenario.target, ratio, svc.p99_ms)} |")
    print(f"\nservice memory (all processes) after the run: PSS {pss / 2**20:.0f} MiB, "
          f"RSS summed {rss / 2**20:.0f} MiB (counts shared pages once per process)"
          + ("; target ≤ 300 MiB at 1M triples" if large else ""))
    print(f"by process (PSS): {footprint_text(kinds)}")
    return 0


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot (/proc/stat; zeros elsewhere)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def cpu_busy(before: tuple[int, int], after: tuple[int, int]) -> float:
    """Share of the machine's CPU time spent busy between two :func:`cpu_times` (everything on
    the machine: the server, the load generator and whatever else runs)."""
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total > 0 else 0.0


def _counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected numbers separated by commas, got {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"expected positive numbers, got {text!r}")
    return counts


def _errors(figures: Figures) -> str:
    return f" ({figures.errors} errors)" if figures.errors else ""


def measure(chosen: list[Scenario], wrk: str | None, urls: dict[str, str], oxigraph: str,
            args: argparse.Namespace) -> list[tuple[Scenario, Figures, Figures]]:
    """Warm both servers up on each scenario, then alternate which goes first per round.
    ``urls``: where the service and (for the static scenarios) nginx answer."""
    results = []
    for scenario in chosen:
        ours = urls[scenario.server]
        pair = ((ours, scenario.service), (oxigraph, scenario.oxigraph))
        for url, reqs in pair:
            warm(url, reqs, min(scenario.connections, 8), args.warmup)
        runs: dict[str, list[Figures]] = {ours: [], oxigraph: []}
        busy: dict[str, list[float]] = {ours: [], oxigraph: []}
        for round_ in range(args.rounds):
            for url, reqs in (pair if round_ % 2 == 0 else pair[::-1]):
                before = cpu_times()
                runs[url].append(drive(wrk, url, reqs, scenario.connections, args.duration))
                busy[url].append(cpu_busy(before, cpu_times()))
        svc, oxi = median_figures(runs[ours]), median_figures(runs[oxigraph])
        who = "nginx" if scenario.server == "static" else "service"
        print(f"  {scenario.name} ({scenario.connections} connections): {who} "
              f"{svc.rate:,.0f} req/s, p99 {svc.p99_ms:.1f} ms, CPUs "
              f"{statistics.median(busy[ours]):.0%} busy; Oxigraph {oxi.rate:,.0f} req/s, "
              f"p99 {oxi.p99_ms:.1f} ms, CPUs {statistics.median(busy[oxigraph]):.0%} busy; "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
        results.append((scenario, svc, oxi))
    return results
