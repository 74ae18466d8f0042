"""The label index file of a release: its name, its tables, and read-only connections to it.

One SQLite file (stdlib ``sqlite3``, FTS5 with the trigram tokenizer) written by the build
beside the release's store:

- ``label``: every (thing, label) of the dataset, folded (:func:`service.reconcile.match.fold`)
  for accent- and case-insensitive search, its rowids in the order search answers (shortest
  label first), so a search reads matches in rowid order and stops at its limit; the rowids
  are :data:`GAP` apart, so a write inserts a label between two others without renumbering
  (:mod:`service.search.index_update`; the same for ``entity`` and ``name_key``);
- ``label_fts``: a trigram index over the folded labels (substring matching);
- ``entity``, ``name_key``, ``name_fts``, ``country``: the reconcilable things, with their
  normalised names (:func:`service.reconcile.match.normalise`) and their weights, and a
  trigram index over them; what ranking and answers read (kind, country, QID, description,
  names) are columns, so a candidate is read without decoding its whole record (``data``);
- ``name_grams``: the letter pairs of each name as words, so a short misspelt name that
  shares no trigram with the right one ("tuin", "Turin") still finds it;
- ``name_fts_terms``, ``name_grams_terms``: how many names hold each trigram and letter pair,
  so a lookup can pick a query's rarest ones (counted once at build time: FTS5's own
  vocabulary tables count by reading every posting, per query);
- ``meta``: the format version and the id space the file was built for.

A web process opens the file read-only (``immutable``: a published release never changes),
one connection per thread.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from service.reconcile.match import Entity

FILE_NAME = "labels.sqlite"
VERSION = "3"
#: The distance between consecutive rowids a build gives (labels, entities, names): room for
#: this many writes' rows between two neighbours before a write rebuilds the index.
GAP = 1 << 24
#: The shortest text the trigram index can look up; shorter texts scan in rowid order.
TRIGRAM = 3

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE label(rowid INTEGER PRIMARY KEY, iri TEXT NOT NULL, value TEXT NOT NULL,
                   lang TEXT NOT NULL, key TEXT NOT NULL);
CREATE INDEX label_iri ON label(iri);
CREATE VIRTUAL TABLE label_fts USING fts5(key, content='label', content_rowid='rowid',
                                          tokenize='trigram');
CREATE TABLE entity(rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
                    name TEXT NOT NULL, country TEXT, qid TEXT, description TEXT NOT NULL,
                    data TEXT NOT NULL);
CREATE INDEX entity_country ON entity(country, kind, name, id);
CREATE INDEX entity_qid ON entity(qid);
CREATE TABLE name_key(rowid INTEGER PRIMARY KEY, entity INTEGER NOT NULL, kind TEXT NOT NULL,
                      key TEXT NOT NULL, compact TEXT NOT NULL, weight REAL NOT NULL);
CREATE INDEX name_key_key ON name_key(key);
CREATE INDEX name_key_entity ON name_key(entity);
CREATE INDEX name_key_compact ON name_key(compact);
CREATE VIRTUAL TABLE name_fts USING fts5(key, content='name_key', content_rowid='rowid',
                                         tokenize='trigram');
CREATE VIRTUAL TABLE name_grams USING fts5(grams, tokenize='unicode61');
CREATE TABLE name_fts_terms(term TEXT PRIMARY KEY, doc INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE name_grams_terms(term TEXT PRIMARY KEY, doc INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE country(key TEXT PRIMARY KEY, code TEXT NOT NULL);
"""

_local = threading.local()


def index_path(release_path: Path) -> Path:
    return release_path / FILE_NAME


def is_current(path: Path) -> bool:
    """Whether ``path`` is a label index this version reads (else search and reconciliation
    fall back to reading every name: ``citynet serve`` rebuilds such a release)."""
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return False
    try:
        version = con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
    except sqlite3.Error:
        return False
    finally:
        con.close()
    return version is not None and version[0] == VERSION


def connect(path: Path) -> sqlite3.Connection | None:
    """This thread's read-only connection to the index at ``path``; None when the release has
    no index (built before it existed, or a replica without the release folder)."""
    connections: dict[str, sqlite3.Connection] = _local.__dict__.setdefault("connections", {})
    key = str(path)
    found = connections.get(key)
    if found is not None:
        return found
    if not path.is_file():
        return None
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        version = con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
    except sqlite3.Error:
        return None
    if version is None or version[0] != VERSION:
        con.close()
        return None
    if len(connections) >= 4:  # older releases' files: close, a thread keeps a few at most
        for old in list(connections)[:-3]:
            connections.pop(old).close()
    connections[key] = con
    return con


def bigrams(key: str) -> list[str]:
    """The letter pairs inside the words of a normalised name, in order, once each."""
    return list(dict.fromkeys(w[i:i + 2] for w in key.split() for i in range(len(w) - 1)))


def phrase(text: str) -> str:
    """``text`` as one FTS5 phrase (a substring, with the trigram tokenizer)."""
    return '"' + text.replace('"', '""') + '"'


def entity_json(entity: Entity) -> str:
    """An entity as the index stores it (plain JSON: no pickles in a published file)."""
    return json.dumps({
        "id": entity.id, "kind": entity.kind, "name": entity.name, "labels": entity.labels,
        "alt_labels": entity.alt_labels, "country": entity.country, "qid": entity.qid,
        "description": entity.description, "local_name": entity.local_name,
        "links": entity.links, "keys": entity.keys}, ensure_ascii=False)


def entity_from_json(text: str) -> Entity:
    data = json.loads(text)
    data["labels"], data["alt_labels"] = tuple(data["labels"]), tuple(data["alt_labels"])
    data["links"] = tuple(tuple(pair) for pair in data["links"])
    data["keys"] = tuple((key, float(weight)) for key, weight in data["keys"])
    return Entity(**data)
