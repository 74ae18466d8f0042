"""Prometheus metrics at /metrics: requests and latency per route and status, response-cache
hits and misses, query time-outs, executor kills and restarts.

Under gunicorn every worker process counts for itself; ``citynet serve`` points
``PROMETHEUS_MULTIPROC_DIR`` at a fresh folder under ``var/`` before the workers start, and
/metrics then adds up the files of every worker (prometheus_client's multiprocess mode). Without
that variable (the Flask test client, ``--debug``) the process's own registry is reported.
"""

from __future__ import annotations

import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: environ key naming the route that answered (read by :mod:`service.web.http_cache`).
ROUTE_KEY = "citynet.route"

REQUESTS = Counter("citynet_http_requests", "HTTP requests answered, by route and status.",
                   ["route", "method", "status"])
LATENCY = Histogram("citynet_http_request_duration_seconds",
                    "Time from request to response, by route.", ["route"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
                             5, 10, 30))
CACHE = Counter("citynet_response_cache", "Release-scoped response cache look-ups, by route "
                "and result (hit or miss).", ["route", "result"])
QUERY_TIMEOUTS = Counter("citynet_query_timeouts", "User queries stopped at the time limit.")
EXECUTOR_KILLS = Counter("citynet_query_executor_kills",
                         "Query executor processes killed (time limit, or found dead).")
EXECUTOR_RESTARTS = Counter("citynet_query_executor_restarts",
                            "Query executor processes started to replace a killed one.")


def worker_exited(pid: int) -> None:
    """gunicorn's child_exit hook: drop the live-gauge files of a worker that ended."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def route() -> str:
    """The route's endpoint name (bounded cardinality: never the raw path)."""
    return request.endpoint or "unrouted"


def exposition() -> Response:
    """The Prometheus text format, summed over every worker when running under gunicorn."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    response = Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def install(app: Flask) -> None:
    """Time every request and count it by route and status; serve /metrics."""

    @app.before_request
    def started() -> None:
        g.citynet_started = time.perf_counter()

    @app.after_request
    def counted(response: Response) -> Response:
        started = g.pop("citynet_started", None)
        name = route()
        request.environ[ROUTE_KEY] = name  # for the release cache, which outlives the request
        if started is not None:
            LATENCY.labels(name).observe(time.perf_counter() - started)
        REQUESTS.labels(name, request.method, str(response.status_code)).inc()
        return response

    app.add_url_rule("/metrics", "metrics", exposition, methods=["GET"])
