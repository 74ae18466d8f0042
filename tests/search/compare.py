"""Comparing two label index files by what their answers depend on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from service.reconcile.match import fold
from service.search.label_index import search


def index_rows(path: Path) -> dict[str, list]:
    """Every row of a label index that answers depend on, in the order lookups read them
    (rowids themselves aside: a write's are spread between a build's)."""
    con = sqlite3.connect(path)
    try:
        return {
            "label": con.execute("SELECT iri, value, lang, key FROM label ORDER BY rowid")
            .fetchall(),
            "entity": con.execute("SELECT id, kind, name, country, qid, description, data "
                                  "FROM entity ORDER BY rowid").fetchall(),
            "name_key": con.execute(
                "SELECT e.id, k.kind, k.key, k.compact, k.weight, g.grams FROM name_key k "
                "JOIN entity e ON e.rowid = k.entity JOIN name_grams g ON g.rowid = k.rowid "
                "ORDER BY k.rowid").fetchall(),
            "terms": con.execute("SELECT term, doc FROM name_fts_terms ORDER BY term").fetchall(),
            "pairs": con.execute("SELECT term, doc FROM name_grams_terms ORDER BY term")
            .fetchall(),
            "country": con.execute("SELECT key, code FROM country ORDER BY key").fetchall(),
            "meta": con.execute("SELECT key, value FROM meta ORDER BY key").fetchall(),
        }
    finally:
        con.close()


def lookups(path: Path, texts: list[str]) -> list:
    """What /search and the reconciliation's full-text lookups answer for ``texts``."""
    con = sqlite3.connect(path)
    answers = []
    try:
        for text in texts:
            answers.append(search(path, text, 20))
            phrase = '"' + fold(text).replace('"', '""') + '"'
            pairs = " OR ".join(f'"{p}"' for p in _pairs(text))
            for fts, match in (("name_fts", phrase), ("name_grams", pairs)):
                if match:
                    answers.append(con.execute(
                        f"SELECT e.id, k.key FROM {fts} JOIN name_key k ON k.rowid = {fts}.rowid "
                        f"JOIN entity e ON e.rowid = k.entity WHERE {fts} MATCH ? "
                        f"ORDER BY {fts}.rank, k.rowid LIMIT 30", (match,)).fetchall())
    finally:
        con.close()
    return answers


def _pairs(text: str) -> list[str]:
    folded = fold(text)
    return sorted({folded[i:i + 2] for i in range(len(folded) - 1) if " " not in folded[i:i + 2]})
