"""A write's label index: the live release's, copied and updated for the things it changed.

Writing the index whole reads every label and every reconcilable thing of the store; a write
changes a few things, so :func:`update_label_index` copies the live release's file and
replaces only the rows of what changed, answering /search and reconciliation exactly as an
index written whole from the same store would:

- labels: the labels of the changed things, read again from the store;
- entities: the changed things, and the things whose entity reads them (a thing's place,
  country and network give its country code, QID and description), read again with exactly
  what their entities need, and assembled by the same :func:`build_index`;
- the trigram and letter-pair counts of the names that came or went, and the countries.

Search reads labels and names in rowid order (shortest first). The build leaves
:data:`~service.search.index_file.GAP` between consecutive rowids, so a new row takes the
middle of the gap between its neighbours in that order, found by a binary search over the
rowids; when a gap is used up, the update gives up and the caller writes the index whole.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox

from service.reconcile.index import build_index, facts_query, labels_query
from service.reconcile.match import Entity, fold
from service.search.index_file import GAP, bigrams, entity_json, index_path, is_current
from service.search.label_index import ALL_LABELS

#: IRIs per VALUES block of a query.
BATCH = 400
#: A row's place in search order, from the columns :func:`_slot` reads.
SortKey = Callable[[tuple], tuple]


class NoRoom(Exception):
    """No rowid is left between a new row's neighbours: the index is written whole."""


def update_label_index(store: ox.Store, previous: Path, release_dir: Path, id_space: str,
                       things: Iterable[str]) -> bool:
    """Write the label index of ``store`` into ``release_dir`` from the one of the release at
    ``previous``, changed for ``things`` (IRIs whose statements changed); False when it
    cannot be (no usable index there, or no room left: then nothing is written)."""
    old, path = index_path(previous), index_path(release_dir)
    if not is_current(old):
        return False
    path.unlink(missing_ok=True)
    shutil.copyfile(old, path)
    con = sqlite3.connect(path)
    try:
        usable = con.execute("SELECT value FROM meta WHERE key = 'id_space'").fetchone() == (
            id_space,) and con.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'label_iri'").fetchone() is not None
        if usable:
            changed = sorted(set(things))
            _update_labels(con, store, changed)
            _update_entities(con, store, id_space, changed)
            con.commit()
    except NoRoom:
        usable = False
    finally:
        con.close()
    if not usable:
        path.unlink()
    return usable


def _values(iris: Iterable[str]) -> Iterable[str]:
    """VALUES blocks of ``?x`` for ``iris``, BATCH at a time."""
    items = sorted(iris)
    for start in range(0, len(items), BATCH):
        yield "VALUES ?x { " + " ".join(f"<{i}>" for i in items[start:start + BATCH]) + " }"


def _restricted(query: str, values: str) -> str:
    """``query`` (one ``WHERE {``) evaluated for the things in ``values`` only."""
    return query.replace("WHERE {", "WHERE { " + values, 1)


def _slot(con: sqlite3.Connection, table: str, columns: str, key: SortKey,
          target: tuple) -> int | None:
    """The rowid a new row of ``table`` whose sort key is ``target`` takes, between its
    neighbours in rowid order; None when a row with that key is there already."""
    first = f"SELECT rowid, {columns} FROM {table} WHERE rowid >= ? ORDER BY rowid LIMIT 1"
    last = con.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0]
    low, high = 0, (last or 0) + 1
    while low < high:  # the first rowid whose row sorts at or after the target
        middle = (low + high) // 2
        row = con.execute(first, (middle,)).fetchone()
        if row is None or key(row[1:]) >= target:
            high = middle
        else:
            low = row[0] + 1
    after = con.execute(first, (low,)).fetchone()
    if after is not None and key(after[1:]) == target:
        return None
    before = con.execute(f"SELECT max(rowid) FROM {table} WHERE rowid < ?", (low,)).fetchone()[0]
    before = before or 0
    slot = (before + after[0]) // 2 if after is not None else before + GAP
    if slot <= before:
        raise NoRoom(table)
    return slot


def _label_key(row: tuple) -> tuple:
    value, lang, iri = row
    return (len(value), value, lang, iri)


def _update_labels(con: sqlite3.Connection, store: ox.Store, things: list[str]) -> None:
    """The labels of ``things`` as the store has them now."""
    wanted: set[tuple[str, str, str]] = set()
    for values in _values(things):
        wanted |= {(row["x"].value, row["l"].value, row["l"].language or "")
                   for row in store.query(_restricted(ALL_LABELS, values))}
    held: dict[tuple[str, str, str], tuple[int, str]] = {}
    for start in range(0, len(things), BATCH):
        chunk = things[start:start + BATCH]
        held |= {(iri, value, lang): (rowid, key) for rowid, iri, value, lang, key in con.execute(
            f"SELECT rowid, iri, value, lang, key FROM label WHERE iri IN "
            f"({','.join('?' * len(chunk))})", chunk)}
    for gone in sorted(held.keys() - wanted):
        rowid, key = held[gone]
        con.execute("INSERT INTO label_fts(label_fts, rowid, key) VALUES ('delete', ?, ?)",
                    (rowid, key))
        con.execute("DELETE FROM label WHERE rowid = ?", (rowid,))
    for iri, value, lang in sorted(wanted - held.keys()):
        rowid = _slot(con, "label", "value, lang, iri", _label_key,
                      (len(value), value, lang, iri))
        if rowid is None:
            continue
        key = fold(value)
        con.execute("INSERT INTO label(rowid, iri, value, lang, key) VALUES (?, ?, ?, ?, ?)",
                    (rowid, iri, value, lang, key))
        con.execute("INSERT INTO label_fts(rowid, key) VALUES (?, ?)", (rowid, key))


_FACTS = ("PREFIX dct: <http://purl.org/dc/terms/> PREFIX org: <http://www.w3.org/ns/org#> "
          "PREFIX schema: <http://schema.org/> ")
#: The things whose entities read one of ``?x``'s: through their place, country or network.
READERS = _FACTS + """SELECT DISTINCT ?r WHERE {
  { ?r dct:spatial|org:unitOf|schema:containedInPlace ?x }
  UNION { ?r dct:spatial ?p . ?p schema:containedInPlace ?x } }"""
#: What an entity of ``?x`` reads of other things: its place, and their countries and networks.
READS = _FACTS + """SELECT DISTINCT ?o WHERE {
  { ?x dct:spatial|org:unitOf|schema:containedInPlace ?o }
  UNION { ?x dct:spatial ?p . ?p schema:containedInPlace ?o } }"""
COUNTRIES = ("PREFIX schema: <http://schema.org/> PREFIX skos: "
             "<http://www.w3.org/2004/02/skos/core#> "
             "SELECT DISTINCT ?x WHERE { ?x a schema:Country ; skos:notation ?n }")


def _select(store: ox.Store, query: str, iris: Iterable[str], var: str) -> set[str]:
    found: set[str] = set()
    for values in _values(iris):
        found |= {row[var].value for row in store.query(_restricted(query, values))
                  if isinstance(row[var], ox.NamedNode)}
    return found


def _entities(store: ox.Store, id_space: str, iris: set[str]):
    """The index :func:`build_index` assembles from the rows of ``iris`` only."""
    space = {ox.Variable("space"): ox.Literal(id_space)}
    labels, facts = [], []
    for values in _values(iris):
        labels += store.query(_restricted(labels_query(None), values), substitutions=space)
        facts += store.query(_restricted(facts_query(None), values), substitutions=space)
    return build_index("", id_space, labels, facts)


def _update_entities(con: sqlite3.Connection, store: ox.Store, id_space: str,
                     things: list[str]) -> None:
    """The entities of ``things`` and of the things that read them, and the countries."""
    affected = {iri for iri in set(things) | _select(store, READERS, things, "r")
                if iri.startswith(id_space)}
    read = _select(store, READS, affected, "o")
    index = _entities(store, id_space, affected | read)
    terms: set[str] = set()
    for iri in sorted(affected):
        entity_id = iri[len(id_space):]
        terms |= _replace_entity(con, entity_id, index.entities.get(entity_id))
    _recount(con, terms)
    countries = _entities(store, id_space, _select_all(store, COUNTRIES)).countries
    con.execute("DELETE FROM country")
    con.executemany("INSERT INTO country(key, code) VALUES (?, ?)", countries.items())


def _select_all(store: ox.Store, query: str) -> set[str]:
    return {row["x"].value for row in store.query(query)}


def _name_key(row: tuple) -> tuple:
    key, entity = row
    return (len(key), key, entity)


def _replace_entity(con: sqlite3.Connection, entity_id: str, entity: Entity | None) -> set[str]:
    """Put ``entity`` (None: no entity any more) in place of the one with its id; the names
    whose trigram and letter-pair counts changed."""
    row = con.execute("SELECT rowid, data FROM entity WHERE id = ?", (entity_id,)).fetchone()
    data = entity_json(entity) if entity is not None else None
    if row is not None and row[1] == data:
        return set()
    names: set[str] = set()
    if row is not None:
        rowid = row[0]
        for key_rowid, key in con.execute("SELECT rowid, key FROM name_key WHERE entity = ?",
                                          (rowid,)).fetchall():
            con.execute("INSERT INTO name_fts(name_fts, rowid, key) VALUES ('delete', ?, ?)",
                        (key_rowid, key))
            con.execute("DELETE FROM name_grams WHERE rowid = ?", (key_rowid,))
            con.execute("DELETE FROM name_key WHERE rowid = ?", (key_rowid,))
            names.add(key)
        con.execute("DELETE FROM entity WHERE rowid = ?", (rowid,))
    if entity is None:
        return names
    if row is None:
        rowid = _slot(con, "entity", "id", lambda r: r, (entity_id,))
    con.execute("INSERT INTO entity(rowid, id, kind, name, country, qid, description, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (rowid, entity.id, entity.kind, entity.name, entity.country, entity.qid,
                 entity.description, data))
    for key, weight in entity.keys:
        key_rowid = _slot(con, "name_key", "key, entity", _name_key, (len(key), key, rowid))
        if key_rowid is None:
            continue
        con.execute("INSERT INTO name_key(rowid, entity, kind, key, compact, weight) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (key_rowid, rowid, entity.kind, key, key.replace(" ", ""), weight))
        con.execute("INSERT INTO name_fts(rowid, key) VALUES (?, ?)", (key_rowid, key))
        con.execute("INSERT INTO name_grams(rowid, grams) VALUES (?, ?)",
                    (key_rowid, " ".join(bigrams(key))))
        names.add(key)
    return names


def _recount(con: sqlite3.Connection, names: set[str]) -> None:
    """Count again how many names hold each trigram and letter pair of ``names``."""
    for fts, grams in (("name_fts", _trigrams), ("name_grams", _pairs)):
        terms = sorted({t for name in names for t in grams(name)})
        if not terms:
            continue
        con.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{fts}_vocab "
                    f"USING fts5vocab(main, {fts}, row)")
        for start in range(0, len(terms), BATCH):
            chunk = terms[start:start + BATCH]
            marks = ",".join("?" * len(chunk))
            con.execute(f"DELETE FROM {fts}_terms WHERE term IN ({marks})", chunk)
            con.execute(f"INSERT INTO {fts}_terms(term, doc) SELECT term, doc FROM "
                        f"temp.{fts}_vocab WHERE term IN ({marks})", chunk)


def _trigrams(name: str) -> set[str]:
    """Every trigram the FTS5 trigram tokenizer may index for ``name`` (case folded)."""
    folded = name.lower()
    return {text[i:i + 3] for text in (name, folded) for i in range(len(text) - 2)}


def _pairs(name: str) -> set[str]:
    return {p for pair in bigrams(name) for p in (pair, pair.lower())}

