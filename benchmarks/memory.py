"""Memory bombs: N copies of a query whose sort grows without bound, sent at once.

Prints what each got (503 naming the memory limit is the expected answer), the peak RSS of the
service's whole process tree (sampled from /proc every 50 ms) against its idle footprint,
/health latency meanwhile (p50/p99/max), and whether a normal query still answers afterwards.
Without a memory cap, eight copies took a service to 7-10 GiB; with one, each executor stops
at ``query_memory``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from benchmarks.load import SPARQL_JSON, _field_kib, _tree, tree_rss

BOMB = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g ?i LIMIT 1"
NORMAL = "SELECT ?s WHERE { ?s a <http://www.w3.org/ns/org#Membership> } LIMIT 3"


@dataclass
class BombReport:
    answers: list[tuple[int, str]] = field(default_factory=list)  # (status, detail)
    rss_idle: int = 0
    rss_peak: int = 0
    health_ms: list[float] = field(default_factory=list)
    health_errors: list[str] = field(default_factory=list)
    normal_status: int = 0
    seconds: float = 0.0

    def health_p(self, q: float) -> float:
        ordered = sorted(self.health_ms) or [0.0]
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))]

    def text(self) -> str:
        mib = 1024 * 1024
        ms = self.health_ms or [0.0]
        statuses = ", ".join(f"{s}" for s, _ in self.answers)
        lines = [
            f"bombs         {len(self.answers)} in {self.seconds:.1f} s, statuses {statuses}",
            f"service RSS   idle {self.rss_idle / mib:.0f} MiB   peak {self.rss_peak / mib:.0f} MiB",
            f"/health       {len(self.health_ms)} answers, p50 {statistics.median(ms):.1f} ms  "
            f"p99 {self.health_p(0.99):.1f} ms  max {max(ms):.1f} ms, "
            f"{len(self.health_errors)} errors",
            f"normal query  HTTP {self.normal_status} afterwards",
        ]
        lines += sorted({f"  answer: {m[:120]}" for _, m in self.answers})
        return "\n".join(lines)


#: The kinds of process under ``citynet serve``, by what their command line runs (the
#: master's is the workers' too: the first one found is the master).
KINDS = (("forkserver", "query executor"), ("resource_tracker", "resource tracker"),
         ("service.cli", "web worker"))


def footprint(pid: int) -> dict[str, tuple[int, int]]:
    """Where the memory of the service under ``pid`` goes: kind of process -> (how many, their
    PSS in bytes). The executors' fork server counts under "fork server"."""
    found: dict[str, tuple[int, int]] = {}
    for number in _tree(pid):
        try:
            cmd = Path(f"/proc/{number}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        kind = next((name for key, name in KINDS if key in cmd), "other")
        if number == pid:
            kind = "master"
        elif kind == "query executor" and _is_server(number):
            kind = "fork server"
        pss = _field_kib(f"/proc/{number}/smaps_rollup", "Pss:") * 1024
        count, total = found.get(kind, (0, 0))
        found[kind] = (count + 1, total + pss)
    return found


def _is_server(pid: int) -> bool:
    """A fork server's children are executors; an executor has none (of that command)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        cmd = Path(f"/proc/{parent}/cmdline").read_bytes().decode(errors="replace")
    except (OSError, ValueError, IndexError):
        return False
    return "forkserver" not in cmd


def footprint_text(found: dict[str, tuple[int, int]]) -> str:
    """``master 29 MiB, 2 web workers 180 MiB, …`` (PSS)."""
    return ", ".join(f"{count} {kind}{'s' if count > 1 else ''} {pss / 2**20:.0f} MiB"
                     if kind != "master" else f"master {pss / 2**20:.0f} MiB"
                     for kind, (count, pss) in found.items())


def _sparql(url: str, query: str, timeout: float) -> tuple[int, str]:
    try:
        r = requests.get(url + "sparql", params={"query": query}, timeout=timeout,
                         headers={"Accept": SPARQL_JSON})
    except requests.RequestException as exc:
        return 0, type(exc).__name__
    problem = r.headers.get("Content-Type", "").startswith("application/problem+json")
    message = r.json().get("detail", "") if problem else r.text[:200]
    return r.status_code, message


def run_bombs(url: str, pid: int, copies: int = 8, timeout: float = 120.0) -> BombReport:
    """Warm the service up (executors started), then send ``copies`` bombs at once."""
    report = BombReport()
    _sparql(url, NORMAL, timeout)  # executors and their forkserver exist from here on
    time.sleep(0.5)
    report.rss_idle = report.rss_peak = tree_rss(pid)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            report.rss_peak = max(report.rss_peak, tree_rss(pid))
            time.sleep(0.05)

    def health() -> None:
        while not done.is_set():
            started = time.perf_counter()
            try:
                r = requests.get(url + "health", timeout=10)
                report.health_ms.append((time.perf_counter() - started) * 1000)
                if r.status_code != 200:
                    report.health_errors.append(f"HTTP {r.status_code}")
            except requests.RequestException as exc:
                report.health_errors.append(type(exc).__name__)
            time.sleep(0.1)

    def bomb() -> None:
        report.answers.append(_sparql(url, BOMB, timeout))

    watchers = [threading.Thread(target=sample), threading.Thread(target=health)]
    bombs = [threading.Thread(target=bomb) for _ in range(copies)]
    started = time.monotonic()
    for t in watchers + bombs:
        t.start()
    for t in bombs:
        t.join()
    report.seconds = time.monotonic() - started
    done.set()
    for t in watchers:
        t.join()
    report.normal_status = _sparql(url, NORMAL, timeout)[0]
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks memory", description=__doc__)
    parser.add_argument("--url", help="a running service; default: start `citynet serve`")
    parser.add_argument("--pid", type=int, help="the service's pid (required with --url)")
    parser.add_argument("--copies", type=int, default=8)
    args = parser.parse_args(argv)
    if args.url:
        if not args.pid:
            parser.error("--pid is needed with --url (to read the service's memory)")
        report = run_bombs(args.url, args.pid, args.copies)
    else:
        import tempfile

        from tests.conftest import start_server, stop_server

        with tempfile.TemporaryDirectory() as tmp:  # default settings: query_memory 1 GiB
            server = start_server(Path(tmp) / "var", Path(tmp) / "server.log")
            try:
                report = run_bombs(server.url, server.process.pid, args.copies)
            finally:
                stop_server(server.process)
    print(report.text())
    return 0 if report.normal_status == 200 and not report.health_errors else 1


if __name__ == "__main__":
    sys.exit(main())
