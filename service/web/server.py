"""Run the application under gunicorn (several worker processes), or Flask's server for --debug.

Each worker builds its own app from the settings and opens its own read-only store handle;
nothing is shared between workers but the files of the release.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from gunicorn.app.base import BaseApplication

from service.settings import Settings


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
        self.cfg.set("timeout", max(30, int(s.query_timeout * 3)))
        self.cfg.set("graceful_timeout", 10)
        # gunicorn's longest request line (its own limit is 4094 bytes): long GET queries
        # reach the application, which answers 413 past max_query_bytes
        self.cfg.set("limit_request_line", 8190)
        self.cfg.set("accesslog", "-")
        self.cfg.set("proc_name", "citynet")
        self.cfg.set("child_exit", _child_exit)
        if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 25: no socket in $HOME
            self.cfg.set("control_socket_disable", True)

    def load(self):
        from service.web.app import create_app

        return create_app(self._settings)


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


def _child_exit(server, worker) -> None:
    from service import metrics

    metrics.worker_exited(worker.pid)


def serve(settings: Settings) -> None:
    if settings.debug:
        from service.web.app import create_app

        create_app(settings).run(host=settings.host, port=settings.port, debug=True)
        return
    prepare_metrics(settings.var)
    _Gunicorn(settings).run()
