"""The static export in ``python -m benchmarks compare``: ``citynet export-static`` of the
release the service publishes, served by Debian's nginx with the configuration it writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from service.settings import PROJECT_ROOT


def start_static(var: Path, root: Path, folder: Path, port: int) -> subprocess.Popen:
    """Export the live release under ``var`` into ``folder`` and serve it on ``port``."""
    from tests.export.nginx import NGINX, start_nginx

    if not NGINX.exists():
        raise RuntimeError(f"{NGINX} is missing: apt-get install nginx (or leave out the static "
                           "scenarios with --only)")
    env = {**os.environ, "CITYNET_VAR": str(var), "CITYNET_ROOT": str(root)}
    env.pop("CITYNET_BASE", None)
    done = subprocess.run([sys.executable, "-m", "service.cli", "export-static", str(folder),
                           "--port", str(port)], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"citynet export-static failed: {done.stderr.strip()}")
    print(f"# {done.stdout.splitlines()[0]}", flush=True)
    return start_nginx(folder, port)
