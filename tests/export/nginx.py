"""Debian's nginx on a static export, as an unprivileged process: free port, and pid, logs and
temporary files inside the export folder (nginx's prefix)."""

from __future__ import annotations

import os
import pwd
import subprocess
import time
from pathlib import Path

import requests

from service.export.nginx import command
from tests.conftest import stop_server

NGINX = Path("/usr/sbin/nginx")


def start_nginx(folder: Path, port: int) -> subprocess.Popen:
    """``nginx -p folder`` in the foreground, once it answers on ``port``."""
    args = command(folder, str(NGINX))
    if os.geteuid() == 0:  # as root its workers would become nobody, who cannot read tmp folders
        args[-1] += f" user {pwd.getpwuid(0).pw_name};"
    log = folder / "logs" / "nginx.out"
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            errors = (folder / "logs" / "error.log")
            raise RuntimeError(f"nginx exited with {process.returncode}:\n{log.read_text()}"
                               + (errors.read_text() if errors.exists() else ""))
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=2)
            return process
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    stop_nginx(process)
    raise RuntimeError(f"nginx did not answer on port {port}:\n{log.read_text()}")


def stop_nginx(process: subprocess.Popen) -> None:
    """nginx runs in its own process group, as ``citynet serve`` does: stopped alike."""
    stop_server(process)
