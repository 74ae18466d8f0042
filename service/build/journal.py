"""The write journal: accepted writes as part of the sources, so a build never discards them.

``data/writes.jsonl`` is append-only, one JSON object per accepted write: when, who (the
token's public id), the live release it was applied to (``before``), the release it produced
(``release``), the per-graph counts, and the exact quads removed and added (N-Quads, the PROV
record included). An entry is written with one ``write(2)`` and ``fsync``ed before the write
is published or answered, and every build replays the journal, in order, after the files.

A line cut short by a kill (no final newline, or a checksum that does not match) was never
acknowledged: readers skip it and the next append truncates it first. Anything else that does
not parse is a damaged source, reported like a broken source file.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

JOURNAL_NAME = "writes.jsonl"


class JournalError(Exception):
    """A damaged journal line (not a torn last line): the build stops and names it."""


@dataclass(frozen=True)
class Entry:
    record: dict

    @property
    def before(self) -> str:
        return self.record["before"]

    @property
    def release(self) -> str:
        return self.record["release"]

    @property
    def base(self) -> str:
        return self.record["base"]

    def quads(self, key: str, base: str) -> str:
        """The removed or added quads as N-Quads, moved to ``base`` if it changed since."""
        text = self.record[key]
        return text.replace(f"<{self.base}", f"<{base}") if base != self.base else text


def journal_path(data_dir: Path) -> Path:
    return data_dir / JOURNAL_NAME


def _checksum(record: dict) -> str:
    body = json.dumps({k: v for k, v in record.items() if k != "sha256"}, sort_keys=True)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def encode(record: dict) -> bytes:
    """One journal line: the record with its checksum, newline-terminated."""
    return (json.dumps({**record, "sha256": _checksum(record)}, sort_keys=True) + "\n").encode()


def _scan(data: bytes, path: Path) -> tuple[list[Entry], int]:
    """The complete entries and the byte length they span (a torn tail is left out)."""
    entries: list[Entry] = []
    good = 0
    for number, line in enumerate(data.splitlines(keepends=True), start=1):
        last = good + len(line) == len(data)
        try:
            record = json.loads(line)
            whole = line.endswith(b"\n") and record.get("sha256") == _checksum(record)
        except (ValueError, AttributeError):
            whole = False
        if not whole:
            if last:
                break  # cut short by a kill before it was acknowledged
            raise JournalError(f"{path}: line {number} is damaged (not a complete write "
                               "record); restore it from a backup or remove it")
        entries.append(Entry(record))
        good += len(line)
    return entries, good


def read(data_dir: Path) -> list[Entry]:
    """Every acknowledged write, oldest first."""
    path = journal_path(data_dir)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    return _scan(data, path)[0]


def since(data_dir: Path, seen: list[Entry]) -> list[Entry]:
    """The entries appended after ``seen`` (what a build read at its start); a JournalError
    when the journal no longer starts with them (edited, or removed, meanwhile)."""
    entries = read(data_dir)
    if entries[: len(seen)] != seen:
        raise JournalError(f"{journal_path(data_dir)} was changed other than by appending "
                           "writes while the build ran")
    return entries[len(seen):]


def append(data_dir: Path, record: dict) -> int:
    """Make one write durable: drop a torn tail, append the line, fsync file and folder; the
    length of the journal before it (for :func:`truncate`).

    Callers hold the release lock, so appends never interleave, and a build that reads the
    journal under it never sees an entry that :func:`truncate` takes back.
    """
    path = journal_path(data_dir)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _entries, good = _scan(os.pread(fd, os.fstat(fd).st_size, 0), path)
        os.ftruncate(fd, good)
        os.pwrite(fd, encode(record), good)
        os.fsync(fd)
    finally:
        os.close(fd)
    folder = os.open(data_dir, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return good


def truncate(data_dir: Path, length: int) -> None:
    """Take back the last append (its publication failed and the client is told so)."""
    fd = os.open(journal_path(data_dir), os.O_RDWR)
    try:
        os.ftruncate(fd, length)
        os.fsync(fd)
    finally:
        os.close(fd)


def pending(entries: list[Entry], live_id: str) -> list[Entry]:
    """Entries recorded but not yet live: a write killed between its journal entry and the
    release swap. They were applied to the live release (``before``) and none produced it."""
    tail: list[Entry] = []
    for entry in reversed(entries):
        if entry.release == live_id or entry.before != live_id:
            break
        tail.append(entry)
    return list(reversed(tail))


def replay(dataset, entries: list[Entry], base: str) -> set[str]:
    """Apply the entries, in order, to an rdflib Dataset of the parsed sources (removals, then
    additions, per entry); the names of the graphs they touched."""
    from rdflib import Dataset

    touched: set[str] = set()
    for entry in entries:
        for key, apply in (("remove", dataset.remove), ("add", dataset.add)):
            quads = Dataset()
            quads.parse(data=entry.quads(key, base), format="nquads")
            for quad in quads.quads((None, None, None, None)):
                apply(quad)
                touched.add(str(quad[3]))
    return touched
