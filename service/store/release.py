"""A release: one published, immutable store with its dumps and description.

Layout under the ``var`` folder::

    releases/<id>-<stamp>/store/         pyoxigraph store (read-only once published)
    releases/<id>-<stamp>/dumps/         the download files
    releases/<id>-<stamp>/description.ttl  VoID + DCAT-AP description
    releases/<id>-<stamp>/release.json   id, base, counts, dumps (name, size, sha256),
                                         sequence, previous id, changes per graph
    releases/<id>-<stamp>/changes.trig   triples added and removed since the previous release
    current -> releases/<id>-<stamp>     symlink, replaced atomically by a build

``<id>`` is a hash of the published quads, so it doubles as the HTTP ETag of every response.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.problems import Problem

RELEASE_FILE = "release.json"


class NoRelease(Problem):
    """There is no published release, or it is unreadable: nothing can be answered (503)."""

    def __init__(self, detail: str, note: str = "") -> None:
        super().__init__(503, detail, note=note)


#: The record's key for :attr:`Release.property_kinds`.
PROPERTY_KINDS = "property_kinds"


@dataclass(frozen=True)
class Release:
    path: Path
    info: dict[str, Any]

    @property
    def id(self) -> str:
        return self.info["id"]

    @property
    def base(self) -> str:
        return self.info["base"]

    @property
    def built(self) -> str:
        return self.info["built"]

    @property
    def triples(self) -> int:
        return self.info["triples"]

    @property
    def version(self) -> str:
        return self.info.get("version", "")

    @property
    def store_path(self) -> Path:
        return self.path / "store"

    @property
    def dumps_path(self) -> Path:
        return self.path / "dumps"

    @property
    def description_path(self) -> Path:
        return self.path / "description.ttl"

    @property
    def dumps(self) -> list[dict[str, Any]]:
        return self.info["dumps"]

    @property
    def property_kinds(self) -> list[tuple[str, str]] | None:
        """(property IRI, kind of value) pairs of the data, the JSON-LD context's input,
        learnt by the build; None for a release published before it recorded them."""
        found = self.info.get(PROPERTY_KINDS)
        return None if found is None else [(p, k) for p, k in found]

    @property
    def sequence(self) -> int:
        """1 for the first release, then one more than the release it revises."""
        return int(self.info.get("sequence", 0))

    @property
    def previous(self) -> str | None:
        return self.info.get("previous")

    @property
    def changes_path(self) -> Path:
        return self.path / "changes.trig"


def current_link(var: Path) -> Path:
    return var / "current"


def releases_dir(var: Path) -> Path:
    return var / "releases"


def read_release(path: Path) -> Release:
    try:
        info = json.loads((path / RELEASE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NoRelease("the published release is missing or unreadable",
                        f"{path}: {exc}") from None
    for key in ("id", "base", "built", "triples", "dumps"):
        if key not in info:
            raise NoRelease("the published release is incomplete",
                            f"{path} lacks {key!r} in {RELEASE_FILE}")
    if not (path / "store").is_dir():
        raise NoRelease("the published release is incomplete", f"{path} has no store")
    return Release(path=path, info=info)


def current_release(var: Path) -> Release:
    """The live release, resolved through the ``current`` symlink."""
    link = current_link(var)
    if not link.is_symlink() and not link.exists():
        raise NoRelease("no release is published yet (run `citynet build`)", f"nothing under {var}")
    return read_release(link.resolve())


def list_releases(var: Path) -> list[Release]:
    """Every complete release kept under ``var``, newest first (one per id: the newest)."""
    root = releases_dir(var)
    found: dict[str, Release] = {}
    entries = sorted(root.iterdir(), key=_stamp, reverse=True) if root.is_dir() else []
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        try:
            release = read_release(entry)
        except NoRelease:
            continue
        found.setdefault(release.id, release)
    return list(found.values())


def find_release(var: Path, release_id: str) -> Release:
    """The kept release with this id (the newest if it was published more than once)."""
    for release in list_releases(var):
        if release.id == release_id:
            return release
    raise NoRelease(f"no kept release {release_id!r} (see /dumps/releases/)")


def _stamp(entry: Path) -> int:
    """The publication stamp in a release folder's name (``<id>-<ns>``), for ordering."""
    tail = entry.name.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0
