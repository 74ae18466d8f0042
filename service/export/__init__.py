"""``citynet export-static DIR``: the live release as files nginx serves, with its configuration.

Layout of DIR (nginx runs with DIR as its prefix, so pid, logs and temporary files stay in it)::

    nginx.conf      a complete configuration: nginx -p DIR -c nginx.conf -e logs/error.log
    server.conf     the maps and the server block, for an existing nginx's http block
    export.json     the release exported, its base, what was written
    site -> sites/<release>-<stamp>   the document root, swapped atomically on re-export
    logs/ tmp/      nginx's pid, logs and temporary files

A new export is written beside the one being served and replaces it with one rename of the
``site`` link, so nginx never serves half an export; a failed export leaves the previous one.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from service.export.nginx import Options, nginx_conf, server_conf, upstream_address
from service.export.site import ExportError, Tally, write_site
from service.settings import Settings

MANIFEST = "export.json"

__all__ = ["ExportError", "Exported", "export_static"]


@dataclass(frozen=True)
class Exported:
    """One finished export."""

    folder: Path
    release: str
    base: str
    tally: Tally


def _check_target(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MANIFEST).is_file():
        raise ExportError(f"{target} is not empty and holds no earlier export ({MANIFEST}); "
                          "give a new or empty folder")


def _running_partial(folder: Path) -> bool:
    """Whether ``folder`` is the unfinished export of a process still running (an export
    killed half-way leaves its folder, removed by the next one)."""
    if not folder.name.startswith(".partial-"):
        return False
    try:
        os.kill(int(folder.name.removeprefix(".partial-")), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def _write_text(path: Path, text: str) -> None:
    """Write a whole file or nothing (a temporary file renamed over it)."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def export_static(settings: Settings, target: Path, upstream: str = "",
                  progress: Callable[[str], None] = lambda line: None) -> Exported:
    """Export the live release into ``target`` (ExportError: one readable line)."""
    from service.store import open_store
    from service.store.release import NoRelease
    from service.web.app import create_app

    _check_target(target)
    if upstream:
        try:
            upstream_address(upstream)
        except ValueError as exc:
            raise ExportError(str(exc)) from None
    try:
        release = open_store(settings).release()
    except NoRelease as exc:
        raise ExportError(exc.for_operator()) from None
    except (ValueError, OSError) as exc:
        raise ExportError(str(exc)) from None
    # The release's own base (its IRIs), and no response cache: each answer is written once.
    settings = replace(settings, base=release.base, response_cache_bytes=0)
    app = create_app(settings)
    target = target.resolve()
    sites = target / "sites"
    try:
        for folder in (sites, target / "logs", target / "tmp"):
            folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create {target}: {exc.strerror or exc}") from None
    partial = sites / f".partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    try:
        tally = write_site(app, partial, release, release.base, progress)
        live = app.extensions["citynet.store"].release()
        if live.id != release.id:
            raise ExportError(f"release {live.id} was published during the export of "
                              f"{release.id}; export again")
        finished = sites / f"{release.id}-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
        os.replace(partial, finished)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise ExportError(f"cannot write the export: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    options = Options(site=target / "site", host=settings.host, port=settings.port,
                      upstream=upstream)
    _write_text(target / "server.conf", server_conf(options))
    _write_text(target / "nginx.conf", nginx_conf())
    link = target / ".site.partial"
    link.unlink(missing_ok=True)
    link.symlink_to(finished.relative_to(target))
    os.replace(link, target / "site")
    _write_text(target / MANIFEST, json.dumps({
        "release": release.id, "base": release.base, "built": release.built,
        "site": str(finished.relative_to(target)), "documents": tally.documents,
        "files": tally.files, "bytes": tally.bytes, "port": settings.port,
        "upstream": upstream}, indent=2) + "\n")
    for old in sites.iterdir():
        if old != finished and not _running_partial(old):
            shutil.rmtree(old, ignore_errors=True)
    return Exported(target, release.id, release.base, tally)
