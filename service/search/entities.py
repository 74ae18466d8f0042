"""The reconciliation index read from a release's label index file, a few rows per query
(it answers as :class:`service.reconcile.index.EntityIndex` asks).

Why: the in-memory :class:`service.reconcile.index.Index` reads every name of the dataset into
each worker and scores every entity of a kind per query, so its memory and time grow with the
data. This one answers the same questions from the file the build wrote
(:mod:`service.search.label_index`): it narrows each query to a pool of candidates bounded
by the answer asked for, not by the data (same normalised name, same name without spaces, a
name that is a run of the query's words, names sharing the query's rarest letter trigrams,
best first, names containing the query or its longest word, shortest first, and for a short
query names sharing its rarest letter pairs, best first; each a few names per candidate asked),
and :func:`service.reconcile.match.rank` scores that pool exactly as it scores all entities.
Where a name has more close namesakes than the pool holds, the last places of an answer may
hold other namesakes than scoring every entity would (its first place and its match do not
change: tests/reconcile/test_namesakes.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from service.reconcile.index import EU_CODES, Asked
from service.reconcile.match import Conditions, Entity, normalise, prefix_matches
from service.search.index_file import TRIGRAM, bigrams, connect, entity_from_json, phrase

#: Names read per way of finding candidates, per candidate asked for (and at least MIN_POOL).
POOL_PER_RESULT = 3
MIN_POOL = 10
#: Names a fuzzy lookup (shared trigrams or letter pairs) ranks at most, beyond its rarest term.
POSTINGS = 600
#: Queries this short also look for names sharing letter pairs (a typo in a short name can
#: leave no trigram in common).
SHORT = 8
#: Words of a query whose runs are looked up as whole names ("Brighton and Hove City").
MAX_WORDS = 12


def pool_size(limit: int) -> int:
    """How many names each way of finding candidates reads for a query asking ``limit``."""
    return max(MIN_POOL, POOL_PER_RESULT * limit)


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

    def _entities(self, rowids: Iterable[int]) -> dict[int, Entity]:
        """The entities at ``rowids`` as ranking and answers read them: id, kind, name,
        country, QID, description and weighted names, from columns (one query; the full
        record, labels and links, is :meth:`entity`'s)."""
        ids = sorted(set(rowids))
        if not ids:
            return {}
        where, args = _in("e.rowid", (str(i) for i in ids))
        rows = self.con.execute(
            "SELECT e.rowid, e.id, e.kind, e.name, e.country, e.qid, e.description, k.key, "
            f"k.weight FROM entity e LEFT JOIN name_key k ON k.entity = e.rowid WHERE {where} "
            "ORDER BY e.rowid, k.rowid", args)
        found: dict[int, tuple[tuple, list[tuple[str, float]]]] = {}
        for rowid, *facts, key, weight in rows:
            names = found.setdefault(rowid, (tuple(facts), []))[1]
            if key is not None:
                names.append((key, weight))
        return {rowid: Entity(id=id_, kind=kind, name=name, country=country, qid=qid,
                              description=description, keys=tuple(names))
                for rowid, ((id_, kind, name, country, qid, description), names)
                in found.items()}

    def _rarest(self, vocabulary: str, terms: list[str]) -> str:
        """An FTS5 query for the names holding any of the rarest ``terms`` (trigrams or letter
        pairs): the rarest first, then more while the names holding them add up to at most
        POSTINGS. Why: ranking every name that shares a common trigram ("na ", " 12") costs
        in proportion to the data, while the rare ones find the same close names."""
        if not terms:
            return ""
        where, args = _in("term", terms)
        counts = sorted((doc, term) for term, doc in self.con.execute(
            f"SELECT term, doc FROM {vocabulary} WHERE {where}", args))
        chosen, total = [], 0
        for doc, term in counts:
            if chosen and total + doc > POSTINGS:
                break
            chosen.append(phrase(term))
            total += doc
        return " OR ".join(chosen)

    def _keys(self, where: str, args: list, kinds: frozenset[str] | None, order: str,
              most: int, fts: str | None = None) -> list[int]:
        """Entity rowids of the names matching ``where`` (of ``kinds``), ``most`` at most."""
        kind_sql, kind_args = _in("k.kind", kinds) if kinds is not None else ("1", [])
        source = f"{fts} JOIN name_key k ON k.rowid = {fts}.rowid" if fts else "name_key k"
        sql = (f"SELECT k.entity FROM {source} WHERE {where} AND {kind_sql} "
               f"ORDER BY {order} LIMIT ?")
        return [r[0] for r in self.con.execute(sql, [*args, *kind_args, most])]

    def pools(self, asked: Sequence[Asked]) -> list[list[Entity]]:
        """For each (text, conditions, limit) asked, a pool holding the entities that can
        score best: each way of finding them reads the best few (:func:`pool_size` of the
        limit) in SQLite's order (same name, shortest names first, best trigram rank first),
        so the pools and the scoring after them stay the same size whatever the size of the
        data. The entities of every pool are read in one query."""
        found = [self._found(*one) for one in asked]
        entities = self._entities(rowid for rowids in found for rowid in rowids)
        return [[entities[rowid] for rowid in dict.fromkeys(rowids) if rowid in entities]
                for rowids in found]

    def _found(self, text: str, conditions: Conditions, limit: int) -> list[int]:
        """The entity rowids of one pool (see :meth:`pools`)."""
        kinds, key, most = conditions.kinds, normalise(text), pool_size(limit)
        found: list[int] = []
        if conditions.qids:
            where, args = _in("qid", conditions.qids)
            found += [r[0] for r in self.con.execute(
                f"SELECT rowid FROM entity WHERE {where} LIMIT ?", [*args, most])]
        if key:
            where, args = _in("k.key", word_runs(key))
            found += self._keys(f"({where} OR k.compact = ?)", [*args, key.replace(" ", "")],
                                kinds, "k.rowid", 2 * most)
            if len(key) >= TRIGRAM and (grams := self._rarest("name_fts_terms", trigrams(key))):
                found += self._keys("name_fts MATCH ?", [grams], kinds, "name_fts.rank", most,
                                    fts="name_fts")
                found += self._keys("name_fts MATCH ?", [phrase(key)], kinds, "k.rowid", most,
                                    fts="name_fts")
                word = max(key.split(), key=len)
                if word != key and len(word) >= TRIGRAM:  # namesakes: "Vienna" of "Vienna 12"
                    found += self._keys("name_fts MATCH ?", [phrase(word)], kinds, "k.rowid",
                                        most, fts="name_fts")
            else:
                found += self._keys("instr(k.key, ?) > 0", [key], kinds, "k.rowid", most)
            if len(key) <= SHORT and (pairs := self._rarest("name_grams_terms", bigrams(key))):
                found += self._keys("name_grams MATCH ?", [pairs], kinds, "name_grams.rank",
                                    most, fts="name_grams")
        elif conditions.countries:  # properties only: things of the country, by name
            where, args = _in("country", conditions.countries)
            for wanted in (kinds, conditions.preferred or None):
                kind_sql, kind_args = _in("kind", wanted) if wanted is not None else ("1", [])
                found += [r[0] for r in self.con.execute(
                    f"SELECT rowid FROM entity WHERE {where} AND {kind_sql} "
                    f"ORDER BY name, id LIMIT ?", [*args, *kind_args, most])]
        return found

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
        return prefix_matches(prefix, list(self._entities(found).values()), most)
