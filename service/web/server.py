"""Run the application under gunicorn (several worker processes), or Flask's server for --debug.

The master imports the code and builds the application once, before it forks the workers, so
the workers share those pages copy-on-write instead of each holding its own copy; the objects
built so far are frozen out of the garbage collector (``gc.freeze``), whose passes would
otherwise touch, and so copy, every page, and which then has less to scan on every pass. The
application opens nothing at that point: each worker opens its own read-only store handle (and
starts its query executors) on its first request, never the master before the fork.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
import threading
import time
from pathlib import Path

from gunicorn.app.base import BaseApplication

from service.settings import Settings
from service.store.memory import RETURN_INTERVAL, limit_malloc_arenas, return_freed_memory


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        super().__init__()

    def load_config(self) -> None:
        s = self._settings
        self.cfg.set("bind", f"{s.host}:{s.port}")
        self.cfg.set("workers", s.workers)
        self.cfg.set("threads", s.threads)
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("preload_app", True)  # see the module doc: built once, shared by workers
        self.cfg.set("timeout", max(30, int(s.query_timeout * 3)))
        self.cfg.set("graceful_timeout", 10)
        # gunicorn's longest request line (its own limit is 4094 bytes): long GET queries
        # reach the application, which answers 413 past max_query_bytes
        self.cfg.set("limit_request_line", 8190)
        self.cfg.set("accesslog", "-")
        self.cfg.set("proc_name", "citynet")
        self.cfg.set("child_exit", _child_exit)
        self.cfg.set("post_worker_init", _post_worker_init)
        if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 25: no socket in $HOME
            self.cfg.set("control_socket_disable", True)

    def load(self):
        from service.web.app import create_app

        app = create_app(self._settings)
        gc.collect()
        gc.freeze()
        return app


def prepare_metrics(var: Path) -> Path:
    """A fresh folder where every worker writes its metrics (prometheus_client's multiprocess
    mode), set before prometheus_client is first imported, which reads it at import time.
    Counts start at zero with each ``serve``."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before the metrics folder was set")
    folder = var / "metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder


def _post_worker_init(worker) -> None:
    """Each worker hands the heap its requests freed back to the system from a thread of its
    own (threads do not survive the fork, so it starts here), off the request path and also
    while idle: rendering a large page allocates and frees megabytes, which glibc would
    otherwise keep. A worker keeps its store handle open: closing it whenever the worker grew
    (as the query executors do) reopened it every second while pages were being rendered,
    and halved their rate at 1M triples."""
    threading.Thread(target=_keep_returning, name="citynet-trim", daemon=True).start()


def _keep_returning() -> None:
    while True:
        time.sleep(RETURN_INTERVAL)
        return_freed_memory()


def _child_exit(server, worker) -> None:
    from service import metrics

    metrics.worker_exited(worker.pid)


def serve(settings: Settings) -> None:
    if settings.debug:
        from service.web.app import create_app

        create_app(settings).run(host=settings.host, port=settings.port, debug=True)
        return
    prepare_metrics(settings.var)
    limit_malloc_arenas()
    _Gunicorn(settings).run()
