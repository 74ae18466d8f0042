"""The reconciliation index read from a release's label index file, a few rows per query
(it answers as :class:`service.reconcile.index.EntityIndex` asks).

Why: the in-memory :class:`service.reconcile.index.Index` reads every name of the dataset into
each worker and scores every entity of a kind per query, so its memory and time grow with the
data. This one answers the same questions from the file the build wrote
(:mod:`service.search.label_index`): it narrows each query to a bounded pool of candidates
(same normalised name, same name without spaces, a name that is a run of the query's words,
names sharing the query's letter trigrams, best first, names containing the query, and for a
short query names sharing its letter pairs, best first), and
:func:`service.reconcile.match.rank` scores that pool exactly as it scores all entities.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from service.reconcile.index import EU_CODES
from service.reconcile.match import Conditions, Entity, normalise, prefix_matches
from service.search.index_file import TRIGRAM, bigrams, connect, entity_from_json, phrase

#: Names read per way of finding candidates (each pool is scored in full).
POOL = 100
#: Queries this short also look for names sharing letter pairs (a typo in a short name can
#: leave no trigram in common).
SHORT = 8
#: Words of a query whose runs are looked up as whole names ("Brighton and Hove City").
MAX_WORDS = 12


def trigrams(key: str) -> list[str]:
    return list(dict.fromkeys(key[i:i + TRIGRAM] for i in range(len(key) - TRIGRAM + 1)))


def word_runs(key: str) -> list[str]:
    """Every run of consecutive words of a normalised query (a name inside the query)."""
    words = key.split()[:MAX_WORDS]
    return [" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)]


def _in(column: str, values: Iterable[str]) -> tuple[str, list[str]]:
    items = sorted(values)
    return f"{column} IN ({','.join('?' * len(items))})", items


@dataclass(frozen=True)
class StoredIndex:
    """The reconcilable entities of one release, in its label index file at ``path``;
    ``countries`` (normalised code, name or id of a country -> ISO code: a few hundred rows)
    is read once."""

    release_id: str
    id_space: str
    path: Path
    countries: dict[str, str]

    @staticmethod
    def open(release_id: str, id_space: str, path: Path) -> StoredIndex | None:
        """The index at ``path`` if it exists and was built for ``id_space``."""
        con = connect(path)
        if con is None:
            return None
        row = con.execute("SELECT value FROM meta WHERE key = 'id_space'").fetchone()
        if row is None or row[0] != id_space:
            return None
        return StoredIndex(release_id, id_space, path,
                           dict(con.execute("SELECT key, code FROM country")))

    @property
    def con(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections belong to one thread)."""
        con = connect(self.path)
        if con is None:
            raise FileNotFoundError(f"the label index {self.path} has gone")
        return con

    def entity_id(self, given: str) -> str:
        return given[len(self.id_space):] if given.startswith(self.id_space) else given

    def country_code(self, value: str) -> str | None:
        key = normalise(self.entity_id(value.strip()))
        return self.countries.get(key) or self.countries.get(normalise(EU_CODES.get(key, "")))

    def entity(self, entity_id: str) -> Entity | None:
        row = self.con.execute("SELECT data FROM entity WHERE id = ?", (entity_id,)).fetchone()
        return entity_from_json(row[0]) if row else None

    def name_of(self, entity_id: str) -> str:
        row = self.con.execute("SELECT name FROM entity WHERE id = ?", (entity_id,)).fetchone()
        return row[0] if row else entity_id

    def _entities(self, rowids: Iterable[int]) -> list[Entity]:
        ids = sorted(set(rowids))
        if not ids:
            return []
        where, args = _in("rowid", (str(i) for i in ids))
        return [entity_from_json(r[0])
                for r in self.con.execute(f"SELECT data FROM entity WHERE {where}", args)]

    def _keys(self, where: str, args: list, kinds: frozenset[str] | None, order: str,
              most: int, fts: str | None = None) -> list[int]:
        """Entity rowids of the names matching ``where`` (of ``kinds``), ``most`` at most."""
        kind_sql, kind_args = _in("k.kind", kinds) if kinds is not None else ("1", [])
        source = f"{fts} JOIN name_key k ON k.rowid = {fts}.rowid" if fts else "name_key k"
        sql = (f"SELECT k.entity FROM {source} WHERE {where} AND {kind_sql} "
               f"ORDER BY {order} LIMIT ?")
        return [r[0] for r in self.con.execute(sql, [*args, *kind_args, most])]

    def candidates(self, text: str, conditions: Conditions) -> list[Entity]:
        """A bounded pool holding every entity that can score well for ``text``."""
        kinds, key = conditions.kinds, normalise(text)
        found: list[int] = []
        if conditions.qids:
            where, args = _in("qid", conditions.qids)
            found += [r[0] for r in self.con.execute(
                f"SELECT rowid FROM entity WHERE {where} LIMIT ?", [*args, POOL])]
        if key:
            where, args = _in("k.key", word_runs(key))
            found += self._keys(where, args, kinds, "k.rowid", POOL)
            found += self._keys("k.compact = ?", [key.replace(" ", "")], kinds, "k.rowid", POOL)
            if len(key) >= TRIGRAM:
                grams = " OR ".join(phrase(t) for t in trigrams(key))
                found += self._keys("name_fts MATCH ?", [grams], kinds, "name_fts.rank", POOL,
                                    fts="name_fts")
                found += self._keys("name_fts MATCH ?", [phrase(key)], kinds, "k.rowid", POOL,
                                    fts="name_fts")
            else:
                found += self._keys("instr(k.key, ?) > 0", [key], kinds, "k.rowid", POOL)
            if len(key) <= SHORT and (pairs := bigrams(key)):
                found += self._keys("name_grams MATCH ?", [" OR ".join(phrase(p) for p in pairs)],
                                    kinds, "name_grams.rank", POOL, fts="name_grams")
        elif conditions.countries:  # properties only: things of the country, by name
            where, args = _in("country", conditions.countries)
            for wanted in (kinds, conditions.preferred or None):
                kind_sql, kind_args = _in("kind", wanted) if wanted is not None else ("1", [])
                found += [r[0] for r in self.con.execute(
                    f"SELECT rowid FROM entity WHERE {where} AND {kind_sql} "
                    f"ORDER BY name, id LIMIT ?", [*args, *kind_args, POOL])]
        return self._entities(found)

    def suggestions(self, prefix: str, kinds: Iterable[str], most: int) -> list[Entity]:
        """Autocompletion: the shortest names starting with, having a word starting with, or
        containing the prefix, ranked by :func:`service.reconcile.match.prefix_matches`."""
        key, wanted, pool = normalise(prefix), frozenset(kinds), most + 50
        if not key:
            return []
        found = self._keys("k.key >= ? AND k.key < ?", [key, key + "\U0010ffff"], wanted,
                           "k.rowid", pool)
        for text in (key, " " + key):
            if len(text) >= TRIGRAM:
                found += self._keys("name_fts MATCH ?", [phrase(text)], wanted, "k.rowid", pool,
                                    fts="name_fts")
            else:
                found += self._keys("instr(' ' || k.key, ?) > 0", [text], wanted, "k.rowid",
                                    pool)
        return prefix_matches(prefix, self._entities(found), most)
