"""Render a release's static site through the Flask application itself, one answer at a time.

Every file is what the running service answers for the same request (one renderer: the
routes, templates and serialisers the server uses), written as it is rendered, so memory
holds one document, never the export. The dumps are hard links to the release's own files
(copies across file systems); the static assets are copied.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

from service import media
from service.export.nginx import DOC_SUFFIXES, THING
from service.store.release import Release

#: Every IRI under ``{base}id/`` that occurs in the dataset (as /id/ answers 303 for it).
THINGS_QUERY = """SELECT DISTINCT ?s WHERE {{
  {{ ?s ?p ?o }} UNION {{ ?x ?p ?s }}
  FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{prefix}"))
}}"""


class ExportError(Exception):
    """The export cannot be written: one readable line."""


@dataclass
class Tally:
    """What an export wrote."""

    documents: int = 0
    files: int = 0
    bytes: int = 0


def thing_paths(app: Flask, base: str) -> Iterator[str]:
    """``kind/slug`` of every thing the dataset mints, sorted (paths the service would 404,
    such as a slug with a slash, are left out as it leaves them out)."""
    import re

    store = app.extensions["citynet.store"]
    prefix = f"{base}id/"
    pattern = re.compile(f"^{THING}$")
    found = {row["s"].value[len(prefix):] for row in store.query(
        THINGS_QUERY.format(prefix=prefix.replace("\\", "\\\\").replace('"', '\\"')))}
    yield from sorted(p for p in found if pattern.match(p) and ".." not in p)


class Writer:
    """Renders requests through the app's test client into files under ``site``."""

    def __init__(self, app: Flask, site: Path, release: Release, base: str) -> None:
        parts = urlsplit(base)
        self.client = app.test_client()
        self.base_url = f"{parts.scheme}://{parts.netloc}/"
        self.site = site
        self.release = release
        self.tally = Tally()
        try:
            built = datetime.fromisoformat(release.built).timestamp()
        except (TypeError, ValueError):
            built = None
        #: Files carry the release's build time: nginx's Last-Modified is the service's.
        self.mtime = built

    def render(self, path: str, target: str, accept: str | None = None) -> None:
        """GET ``path`` (with ``accept``) and stream its body to ``site/target``."""
        headers = {"Accept": accept} if accept else {}
        response = self.client.get(path, headers=headers, base_url=self.base_url,
                                   buffered=False)
        try:
            if response.status_code != 200:
                first = response.get_data(as_text=True).strip().splitlines()
                raise ExportError(f"GET {path} answered {response.status_code}"
                                  + (f": {first[0][:200]}" if first else ""))
            file = self.site / target
            file.parent.mkdir(parents=True, exist_ok=True)
            with file.open("wb") as out:
                for chunk in response.iter_encoded():
                    out.write(chunk)
                    self.tally.bytes += len(chunk)
        finally:
            response.close()
        if self.mtime is not None:
            os.utime(file, (self.mtime, self.mtime))
        self.tally.files += 1

    def link(self, source: Path, target: str) -> None:
        """A release file (a dump) as a hard link, or a copy on another file system."""
        file = self.site / target
        file.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, file)
        except OSError:
            shutil.copyfile(source, file)
        self.tally.files += 1
        self.tally.bytes += file.stat().st_size


def write_site(app: Flask, site: Path, release: Release, base: str,
               progress: Callable[[str], None] = lambda line: None) -> Tally:
    """Every document in every format, /def and /shapes, the dataset description, the home
    page, the JSON-LD context, the dump list and files, and the static assets."""
    writer = Writer(app, site, release, base)
    for count, thing in enumerate(thing_paths(app, base), start=1):
        for suffix in DOC_SUFFIXES:
            writer.render(f"/doc/{thing}.{suffix}", f"doc/{thing}.{suffix}")
        writer.tally.documents += 1
        if count % 1000 == 0:
            progress(f"{count} documents rendered")
    for name in ("def", "shapes"):
        for suffix in DOC_SUFFIXES:
            writer.render(f"/{name}.{suffix}", f"{name}.{suffix}")
    writer.render("/", "index.html", media.HTML)
    writer.render("/.well-known/void", ".well-known/void.html", media.HTML)
    for fmt in media.GRAPH_FORMATS:
        writer.render("/.well-known/void", f".well-known/void.{fmt.suffix}", fmt.media_type)
    writer.render("/context.jsonld", "context.jsonld", media.JSON_LD.media_type)
    writer.render("/dumps/", "dumps/index.html", media.HTML)
    writer.render("/dumps/", "dumps/index.json", media.JSON)
    for dump in release.dumps:
        writer.link(release.dumps_path / dump["name"], f"dumps/{dump['name']}")
    static = Path(app.static_folder or "")
    for file in sorted(p for p in static.rglob("*") if p.is_file()):
        relative = file.relative_to(static).as_posix()
        writer.render(f"/static/{relative}", f"static/{relative}")
    return writer.tally
