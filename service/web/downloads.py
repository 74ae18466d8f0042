"""Sending a release's files (dumps, change logs) as downloads: only the files a release lists,
streamed from disk (Range requests, conditional GET), with an ETag naming the release and the
file's SHA-256 as ``Digest``."""

from __future__ import annotations

import base64
from pathlib import Path

from flask import Response, send_file

from service import media
from service.store.release import Release
from service.web.representation import CACHE_CONTROL


def dump_entry(rel: Release, name: str) -> dict | None:
    """The release's record of its dump file ``name``: only listed files are ever served."""
    return next((d for d in rel.dumps if d["name"] == name), None)


def send_dump(rel: Release, entry: dict) -> Response:
    """A dump file streamed from disk (Range, conditional GET), with its SHA-256 as Digest."""
    mimetype = media.GZIP if entry.get("compression") == "gzip" else entry["media_type"]
    return send_release_file(rel, rel.dumps_path / entry["name"], mimetype, entry["sha256"])


def send_release_file(rel: Release, path: Path, mimetype: str, sha256: str | None) -> Response:
    """A file of ``rel`` as a download whose ETag names the release (and the file's digest)."""
    digest = sha256 or rel.id
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=path.name,
                         conditional=True, etag=f"{rel.id}-{digest[:16]}", max_age=300)
    response.headers["Cache-Control"] = CACHE_CONTROL
    if sha256:
        response.headers["Digest"] = f"sha-256={base64.b64encode(bytes.fromhex(sha256)).decode()}"
    return response
