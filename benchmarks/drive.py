"""Drive one server with a list of requests at N connections: wrk when it is available (a Lua
script cycles through the list), else a Python load generator (threads, keep-alive).

Both report the same figures: requests per second, p50 and p99 latency, and errors (non-2xx
answers and socket errors). The Python generator is slower than wrk and shares the CPU with
the servers, so its figures are a floor; the table says which generator measured it.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Request:
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    method: str = "GET"
    body: str | None = None


@dataclass(frozen=True)
class Figures:
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


LUA = """
local requests = {}
local items = %s
for i, item in ipairs(items) do
  requests[i] = wrk.format(item.method, item.path, item.headers, item.body)
end
local counter = 1
local threads = {}
function setup(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end
function init(args)
  counter = (offset or 0) %% #requests + 1
end
function request()
  local r = requests[counter]
  counter = counter %% #requests + 1
  return r
end
function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format('WRK {"requests": %%d, "micros": %%d, "errors": %%d, ' ..
    '"p50": %%d, "p99": %%d}\\n', summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _lua_table(requests: list[Request]) -> str:
    """The requests as a Lua table literal (JSON string syntax is valid Lua for ASCII)."""
    items = []
    for r in requests:
        headers = ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in r.headers)
        body = json.dumps(r.body) if r.body is not None else "nil"
        items.append(f"{{method = {json.dumps(r.method)}, path = {json.dumps(r.path)}, "
                     f"headers = {{{headers}}}, body = {body}}}")
    return "{\n" + ",\n".join(items) + "\n}"


def find_wrk(given: str | None) -> str | None:
    return given or os.environ.get("WRK") or shutil.which("wrk")


def with_wrk(wrk: str, url: str, requests: list[Request], connections: int,
             seconds: float) -> Figures:
    host = (("Host", urlsplit(url).netloc),)  # wrk.format adds none to given headers
    requests = [Request(r.path, host + r.headers, r.method, r.body) for r in requests]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % _lua_table(requests))
    try:
        threads = max(1, min(2, connections))
        done = subprocess.run(
            [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "30s",
             "-s", script.name, url.rstrip("/")], capture_output=True, text=True)
    finally:
        os.unlink(script.name)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {(done.stderr or done.stdout).strip()[:500]}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRK "))
    found = json.loads(line[4:])
    return Figures(rate=found["requests"] / (found["micros"] / 1e6), p50_ms=found["p50"] / 1000,
                   p99_ms=found["p99"] / 1000, errors=found["errors"],
                   requests=found["requests"])


def with_python(url: str, requests: list[Request], connections: int, seconds: float) -> Figures:
    """Threads, one keep-alive connection each, cycling through ``requests``."""
    parts = urlsplit(url)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine: list[float] = []
        failed = 0
        i = offset
        while time.monotonic() < stop:
            r = requests[i % len(requests)]
            i += 1
            started = time.perf_counter()
            try:
                conn.request(r.method, r.path, body=r.body, headers=dict(r.headers))
                response = conn.getresponse()
                response.read()
                failed += response.status >= 400
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n * 7919,)) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    ordered = sorted(latencies) or [0.0]
    return Figures(rate=len(latencies) / elapsed, p50_ms=ordered[len(ordered) // 2] * 1000,
                   p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
                   errors=errors[0], requests=len(latencies))


def warm(url: str, requests: list[Request], connections: int, passes: int) -> None:
    """Send every request ``passes`` times (each worker process keeps its own cache, and
    which worker answers is the kernel's choice), so the measurement sees the steady state."""
    parts = urlsplit(url)
    todo = [r for _ in range(passes) for r in requests]
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        while True:
            with lock:
                if not todo:
                    break
                r = todo.pop()
            try:
                conn.request(r.method, r.path, body=r.body, headers=dict(r.headers))
                conn.getresponse().read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def drive(wrk: str | None, url: str, requests: list[Request], connections: int,
          seconds: float) -> Figures:
    if wrk:
        return with_wrk(wrk, url, requests, connections, seconds)
    return with_python(url, requests, connections, seconds)
