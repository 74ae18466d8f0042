"""Write a release's label index at build time, and search its labels.

Why at build time: label search and reconciliation look at every label of the dataset, and
doing that per request (a scan in SPARQL, or every label loaded into each worker) costs work
and memory in proportion to the data. The build reads the labels and the reconcilable things
once from the release's pyoxigraph store, and the web process answers from the file
(:mod:`service.search.index_file`) with lookups whose cost follows the answer.

Search semantics: a label matches when its folded form (case, accents and letters like "ø"
folded, :func:`service.reconcile.match.fold`) contains the folded text; the shortest labels
come first, then by label, language and thing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from service.namespaces import LABEL_PROPERTIES
from service.reconcile.index import build_index, facts_query, labels_query
from service.reconcile.match import fold
from service.search.index_file import (
    GAP,
    SCHEMA,
    TRIGRAM,
    VERSION,
    bigrams,
    connect,
    entity_json,
    index_path,
    phrase,
)

_LABELS = ", ".join(f"<{p}>" for p in LABEL_PROPERTIES)
#: Every label of a thing named by an IRI (what /search looks through).
ALL_LABELS = f"""SELECT DISTINCT ?x ?l WHERE {{
  ?x ?lp ?l FILTER(?lp IN ({_LABELS}) && isIRI(?x) && isLITERAL(?l)) }}"""


def _labels(store: ox.Store) -> list[tuple[str, str, str]]:
    """(iri, label, language) of every label, in search order: shortest label first."""
    found = {(row["x"].value, row["l"].value, row["l"].language or "")
             for row in store.query(ALL_LABELS)}
    return sorted(found, key=lambda r: (len(r[1]), r[1], r[2], r[0]))


def _write_labels(con: sqlite3.Connection, rows: Iterable[tuple[str, str, str]]) -> None:
    con.executemany("INSERT INTO label(rowid, iri, value, lang, key) VALUES (?, ?, ?, ?, ?)",
                    ((n * GAP, iri, value, lang, fold(value))
                     for n, (iri, value, lang) in enumerate(rows, 1)))
    con.execute("INSERT INTO label_fts(label_fts) VALUES ('rebuild')")


def _write_entities(con: sqlite3.Connection, store: ox.Store, id_space: str) -> None:
    space = {ox.Variable("space"): ox.Literal(id_space)}
    index = build_index("", id_space, store.query(labels_query(None), substitutions=space),
                        store.query(facts_query(None), substitutions=space))
    rowids: dict[str, int] = {}
    for n, entity in enumerate(sorted(index.entities.values(), key=lambda e: e.id), 1):
        rowids[entity.id] = n * GAP
        con.execute("INSERT INTO entity(rowid, id, kind, name, country, qid, description, data) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (n * GAP, entity.id, entity.kind, entity.name, entity.country, entity.qid,
                     entity.description, entity_json(entity)))
    keys = sorted(((key, entity.id, entity.kind, weight) for entity in index.entities.values()
                   for key, weight in entity.keys), key=lambda k: (len(k[0]), k[0], k[1]))
    con.executemany("INSERT INTO name_key(rowid, entity, kind, key, compact, weight) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    ((n * GAP, rowids[eid], kind, key, key.replace(" ", ""), weight)
                     for n, (key, eid, kind, weight) in enumerate(keys, 1)))
    con.execute("INSERT INTO name_fts(name_fts) VALUES ('rebuild')")
    con.executemany("INSERT INTO name_grams(rowid, grams) VALUES (?, ?)",
                    ((n * GAP, " ".join(bigrams(key))) for n, (key, *_) in enumerate(keys, 1)))
    con.executemany("INSERT INTO country(key, code) VALUES (?, ?)", index.countries.items())
    for fts in ("name_fts", "name_grams"):
        con.execute(f"CREATE VIRTUAL TABLE temp.{fts}_vocab USING fts5vocab(main, {fts}, row)")
        con.execute(f"INSERT INTO {fts}_terms(term, doc) SELECT term, doc FROM temp.{fts}_vocab")


def write_label_index(store: ox.Store, release_dir: Path, id_space: str) -> Path:
    """Write the label index of the release in ``store`` into its folder (entity ids relative
    to ``id_space``, ``{base}id/``). Written beside the release before it goes live, so no
    reader ever sees half of it."""
    path = index_path(release_dir)
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        con.executescript(SCHEMA)
        con.executemany("INSERT INTO meta(key, value) VALUES (?, ?)",
                        [("version", VERSION), ("id_space", id_space)])
        _write_labels(con, _labels(store))
        _write_entities(con, store, id_space)
        con.commit()
        con.execute("VACUUM")
    finally:
        con.close()
    return path


def search(path: Path, text: str, limit: int) -> list[tuple[str, str, str]] | None:
    """(iri, label, language) of the first ``limit`` labels containing ``text`` (folded),
    shortest first; None when the release has no index."""
    con = connect(path)
    if con is None:
        return None
    key = fold(text)
    if not key:
        return []
    if len(key) >= TRIGRAM:
        ids = [r[0] for r in con.execute(
            "SELECT rowid FROM label_fts WHERE label_fts MATCH ? ORDER BY rowid LIMIT ?",
            (phrase(key), limit))]
        marks = ",".join("?" * len(ids))
        return [tuple(r) for r in con.execute(
            f"SELECT iri, value, lang FROM label WHERE rowid IN ({marks}) ORDER BY rowid", ids)]
    return [tuple(r) for r in con.execute(
        "SELECT iri, value, lang FROM label WHERE instr(key, ?) > 0 ORDER BY rowid LIMIT ?",
        (key, limit))]
