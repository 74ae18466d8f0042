"""Load test: a realistic mix of requests at N concurrent connections for a bounded time.

The mix: dereference an IRI (303), read its document as HTML and as Turtle, small SPARQL
queries, the VoID description, /health, and a dump download. Prints requests/s, p50/p99
latency, error count and the service's memory (RSS of the server and all its processes)
before and after. Threads with ``http.client`` keep-alive connections: no extra dependency.
"""

from __future__ import annotations

import argparse
import http.client
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

SPARQL_JSON = "application/sparql-results+json"
QUERIES = (
    "SELECT ?s WHERE { ?s a <http://www.w3.org/ns/org#Membership> } LIMIT 10",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "ASK { ?s a <http://www.w3.org/ns/org#Organization> }",
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 20",
)


def request_mix(things: list[str]) -> list[tuple[str, str, dict[str, str], int]]:
    """(name, path, headers, weight) of the requests the load is drawn from."""
    mix = [("health", "/health", {}, 1),
           ("void", "/.well-known/void", {"Accept": "text/turtle"}, 1),
           ("dump", "/dumps/citynet.ttl", {}, 1)]
    for thing in things:
        mix += [("id-303", f"/id/{thing}", {"Accept": "text/html"}, 2),
                ("doc-html", f"/doc/{thing}", {"Accept": "text/html"}, 4),
                ("doc-turtle", f"/doc/{thing}", {"Accept": "text/turtle"}, 4)]
    for q in QUERIES:
        mix.append(("sparql", f"/sparql?query={quote(q)}", {"Accept": SPARQL_JSON}, 3))
    return mix


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    by_name: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _client(url: str, mix, stop: float, tally: Tally, seed: int) -> None:
    parts = urlsplit(url)
    rng = random.Random(seed)
    weights = [w for *_rest, w in mix]
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    while time.monotonic() < stop:
        name, path, headers, _w = rng.choices(mix, weights)[0]
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            ok = response.status < 400
            error = f"{name} {path[:60]}: HTTP {response.status}"
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            ok, error = False, f"{name} {path[:60]}: {type(exc).__name__} {exc}"
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        elapsed = time.perf_counter() - started
        with tally.lock:
            tally.latencies.append(elapsed)
            tally.by_name[name] = tally.by_name.get(name, 0) + 1
            if not ok:
                tally.errors.append(error)
    conn.close()


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def _field_kib(path: str, name: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss(pid: int) -> int:
    """Resident memory in bytes of ``pid`` and all its descendants, summed: pages the processes
    share (the interpreter, libraries, copy-on-write pages of the fork server) count once per
    process, so this overstates what the tree takes."""
    return sum(_field_kib(f"/proc/{p}/status", "VmRSS:") for p in _tree(pid)) * 1024


def tree_pss(pid: int) -> int:
    """Proportional set size in bytes of ``pid`` and its descendants: each shared page divided
    among the processes sharing it, so the sum is the memory the tree really takes."""
    return sum(_field_kib(f"/proc/{p}/smaps_rollup", "Pss:") for p in _tree(pid)) * 1024


@dataclass(frozen=True)
class Report:
    requests: int
    seconds: float
    errors: list[str]
    p50_ms: float
    p99_ms: float
    rss_before: int
    rss_after: int
    by_name: dict[str, int]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def text(self) -> str:
        mib = 1024 * 1024
        lines = [
            f"requests      {self.requests} in {self.seconds:.1f} s  ({self.rate:.0f} req/s)",
            f"latency       p50 {self.p50_ms:.1f} ms   p99 {self.p99_ms:.1f} ms",
            f"errors        {len(self.errors)}",
            f"service RSS   before {self.rss_before / mib:.0f} MiB   after "
            f"{self.rss_after / mib:.0f} MiB",
            "mix           " + ", ".join(f"{k} {v}" for k, v in sorted(self.by_name.items())),
        ]
        lines += [f"  error: {e}" for e in self.errors[:10]]
        return "\n".join(lines)


def run_load(url: str, *, duration: float, connections: int, things: list[str],
             pid: int | None = None) -> Report:
    mix = request_mix(things)
    rss_before = tree_rss(pid) if pid else 0
    tally = Tally()
    started = time.monotonic()
    stop = started + duration
    threads = [threading.Thread(target=_client, args=(url, mix, stop, tally, i))
               for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - started
    ordered = sorted(tally.latencies) or [0.0]
    return Report(
        requests=len(tally.latencies), seconds=seconds, errors=tally.errors,
        p50_ms=statistics.median(ordered) * 1000,
        p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        rss_before=rss_before, rss_after=tree_rss(pid) if pid else 0, by_name=tally.by_name,
    )


DEFAULT_THINGS = ["network/eurocities", "city/barcelona", "network/cemr",
                  "group/eurocities-migration-integration"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks load", description=__doc__)
    parser.add_argument("--url", help="a running service; default: start `citynet serve`")
    parser.add_argument("--pid", type=int, help="the service's pid, for memory figures")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers if started here")
    parser.add_argument("--thing", action="append", help="kind/slug to dereference (repeatable)")
    args = parser.parse_args(argv)
    things = args.thing or DEFAULT_THINGS
    if args.url:
        report = run_load(args.url, duration=args.duration, connections=args.connections,
                          things=things, pid=args.pid)
    else:
        report = _with_own_server(args, things)
    print(report.text())
    return 1 if report.errors else 0


def _with_own_server(args: argparse.Namespace, things: list[str]) -> Report:
    """Start `citynet serve` on a free port with a private var folder, load it, stop it."""
    import tempfile

    from tests.conftest import start_server, stop_server

    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "var", Path(tmp) / "server.log",
                              env={"CITYNET_WORKERS": str(args.workers)})
        try:
            return run_load(server.url, duration=args.duration, connections=args.connections,
                            things=things, pid=server.process.pid)
        finally:
            stop_server(server.process)


if __name__ == "__main__":
    sys.exit(main())
