"""Name matching and candidate scoring for reconciliation: pure functions, no store, no web.

A portal's spreadsheet spells names its own way ("Munchen", "MÜNSTER", "Brighton and Hove"),
so names are compared after :func:`normalise` (accents, case and punctuation removed) against
every label of an entity (English and own-language names, alternative labels). Properties
then move a candidate up or down: a country that agrees or not, and a Wikidata QID, which is
decisive when it is equal. ``match`` is set only when one candidate is clearly the one.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

#: Letters that carry no combining mark in Unicode, so NFKD alone keeps them.
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "þ": "th", "ı": "i",
                          "ð": "d", "ħ": "h"})
_NON_WORD = re.compile(r"[\W_]+")

EXACT = 100.0
COMPACT = 97.0  # same letters, other spacing or hyphens: "Newcastle Gateshead"
MIN_SCORE = 50.0  # below this a name is letter noise, not a candidate
COUNTRY_AGREES = 10.0
COUNTRY_DIFFERS = -30.0
QID_DIFFERS = -40.0


def fold(text: str) -> str:
    """Casefolded, without accents or diacritics ("München" and "MUNCHEN" both "munchen");
    punctuation and spacing kept, so a label search can still look for "-" or "St.". """
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c)).translate(_LETTERS)


def normalise(text: str) -> str:
    """Casefolded, without accents or diacritics, punctuation collapsed to single spaces."""
    return _NON_WORD.sub(" ", fold(text).replace("&", " and ")).strip()


def name_score(query: str, label: str) -> float:
    """How well two normalised names agree, 0–100: exact 100, same letters 97, the query as
    the beginning of the label 70–90, inside it (or the label inside the query) 60–80, else
    token overlap or letter similarity scaled to at most 85 (a similarity that cannot reach
    MIN_SCORE counts as 0)."""
    return _name_score(query, label, None)


Letters = tuple[tuple[str, int], ...]


def letters_of(text: str) -> Letters:
    """Each letter of ``text`` with how often it occurs (what :func:`name_bound` compares)."""
    return tuple(Counter(text).items())


def name_bound(query: str, label: str, letters: Letters | None = None) -> float:
    """An upper bound of :func:`name_score`, without its quadratic letter comparison: the
    shared letters (``letters``: the query's, counted once per query) stand in for the
    similarity, which can never exceed them."""
    return _name_score(query, label, letters_of(query) if letters is None else letters)


def _shared(letters: Letters, label: str) -> int:
    """How many letters of ``letters`` the label holds, each at most as often as it does."""
    total = 0
    for letter, count in letters:
        held = label.count(letter)
        total += count if count < held else held
    return total


def _name_score(query: str, label: str, letters: Letters | None) -> float:
    """:func:`name_score`, or with ``letters`` given, :func:`name_bound`."""
    if not query or not label:
        return 0.0
    if query == label:
        return EXACT
    if query.replace(" ", "") == label.replace(" ", ""):
        return COMPACT
    short, long_ = sorted((query, label), key=len)
    coverage = len(short) / len(long_)
    if label.startswith(query + " "):
        return round(70 + 20 * coverage, 1)
    if f" {short} " in f" {long_} ":
        return round(60 + 20 * coverage, 1)
    q_tokens, l_tokens = set(query.split()), set(label.split())
    dice = 2 * len(q_tokens & l_tokens) / (len(q_tokens) + len(l_tokens))
    if letters is not None:  # SequenceMatcher.quick_ratio: the ratio's own upper bound
        shared = 2 * _shared(letters, label) / (len(query) + len(label))
        ratio = shared if 85 * shared >= MIN_SCORE else 0.0
        return round(85 * max(dice, ratio), 1)
    similar = SequenceMatcher(None, query, label, autojunk=False)
    # the full comparison is quadratic; skip it when even its upper bounds stay below noise
    ratio = similar.ratio() if 85 * similar.real_quick_ratio() >= MIN_SCORE \
        and 85 * similar.quick_ratio() >= MIN_SCORE else 0.0
    return round(85 * max(dice, ratio), 1)


@dataclass(frozen=True)
class Entity:
    """One thing that can be reconciled, as the index holds it (no RDF terms: plain data)."""

    id: str  # the IRI after ``{base}id/``: "city/munich"
    kind: str  # the first segment of the id: "city"
    name: str  # the name to show (English preferred)
    labels: tuple[str, ...] = ()  # every name, as written
    alt_labels: tuple[str, ...] = ()  # alternative names (skos:altLabel)
    country: str | None = None  # ISO 3166-1 alpha-2, upper case
    qid: str | None = None  # Wikidata QID, verified only
    description: str = ""
    local_name: str = ""  # the name in the city's own language, where it has one
    links: tuple[tuple[str, str], ...] = ()  # (property id, entity id): place, country, network
    keys: tuple[tuple[str, float], ...] = field(default=(), compare=False)

    @staticmethod
    def make(id: str, name: str, labels: Iterable[str], alt_labels: Iterable[str] = (),
             **facts) -> Entity:
        """An entity with its normalised names precomputed (alternative names weigh 0.95)."""
        labels, alts = tuple(dict.fromkeys(labels)), tuple(dict.fromkeys(alt_labels))
        keys: dict[str, float] = {}
        for text, weight in [(t, 1.0) for t in (name, *labels)] + [(t, 0.95) for t in alts]:
            key = normalise(text)
            if key and keys.get(key, 0) < weight:
                keys[key] = weight
        return Entity(id=id, kind=id.split("/", 1)[0], name=name, labels=labels,
                      alt_labels=alts, keys=tuple(keys.items()), **facts)


@dataclass(frozen=True)
class Conditions:
    """What a query asks besides the name: wanted kinds and property values (resolved)."""

    kinds: frozenset[str] | None = None  # None: any kind
    preferred: frozenset[str] = frozenset()  # type_strict "should": others are demoted
    countries: frozenset[str] = frozenset()  # ISO codes; empty: not asked
    qids: frozenset[str] = frozenset()  # Wikidata QIDs; empty: not asked


@dataclass(frozen=True)
class Candidate:
    entity: Entity
    score: float
    name_score: float
    country_agrees: bool | None  # None when no country was asked or the entity has none
    qid_equal: bool
    match: bool = False


def best_name_score(query: str, entity: Entity) -> float:
    """The best score of the (normalised) query against any of the entity's names."""
    return max((name_score(query, key) * weight for key, weight in entity.keys), default=0.0)


def best_name_bound(query: str, entity: Entity, letters: Letters) -> float:
    """An upper bound of :func:`best_name_score` (see :func:`name_bound`)."""
    return max((name_bound(query, key, letters) * weight for key, weight in entity.keys),
               default=0.0)


def score(query: str, entity: Entity, conditions: Conditions, names: float | None = None
          ) -> Candidate | None:
    """Score one entity for a normalised query (empty when only properties were given);
    None when it is no candidate at all. ``names`` replaces the name score (a bound of it
    gives a bound of the total: the total never falls as the name score rises)."""
    qid_equal = bool(conditions.qids) and entity.qid in conditions.qids
    if names is None:
        names = best_name_score(query, entity) if query else 0.0
    country_agrees = None
    if conditions.countries and entity.country:
        country_agrees = entity.country in conditions.countries
    if qid_equal:
        total = EXACT
    else:
        total = names if query else (50.0 if country_agrees else 0.0)
        if country_agrees is not None:
            total += COUNTRY_AGREES if country_agrees else COUNTRY_DIFFERS
        if conditions.qids and entity.qid:
            total += QID_DIFFERS
        if conditions.preferred and entity.kind not in conditions.preferred:
            total -= 10
        if names < MIN_SCORE and not (not query and country_agrees):
            return None
    total = round(min(max(total, 0.0), EXACT), 1)
    return Candidate(entity, total, names, country_agrees, qid_equal)


def _certain(c: Candidate, conditions: Conditions) -> bool:
    """Certain on its own: of a preferred kind if kinds were preferred, and then an equal QID,
    or an exact name whose country agrees if one was asked and whose QID does not contradict
    one that was given."""
    if conditions.preferred and c.entity.kind not in conditions.preferred:
        return False
    if c.qid_equal:
        return True
    if c.name_score < EXACT:
        return False
    if conditions.countries and c.country_agrees is not True:
        return False
    return not (conditions.qids and c.entity.qid)


def rank(query: str, entities: Iterable[Entity], conditions: Conditions, limit: int
         ) -> list[Candidate]:
    """The best ``limit`` candidates, best first; the first is a match only when it alone is
    certain (two exact namesakes in agreeing countries are left to the user).

    Why bounds: near-namesakes ("Vienna 12", "Vienna 13" …) all resemble a query, and the
    letter comparison is the costly part. Each entity gets a cheap upper bound of its score
    first; entities are scored best bound first, and once ``limit`` candidates score more
    than every remaining bound, the rest cannot enter the answer and are never compared.
    A certain candidate scores 100, so it is always scored: ``match`` is decided as if every
    entity had been."""
    query = normalise(query)
    letters = letters_of(query)
    bounded = []
    for n, entity in enumerate(entities):
        if conditions.kinds is not None and entity.kind not in conditions.kinds:
            continue
        names = best_name_bound(query, entity, letters) if query else 0.0
        bound = score(query, entity, conditions, names)
        if bound is not None:
            bounded.append((-bound.score, n, entity))
    bounded.sort(key=lambda item: item[:2])
    found: list[Candidate] = []
    best: list[float] = []  # the best ``limit`` scores so far, lowest first (a heap)
    for negative, _, entity in bounded:
        if best and len(best) == limit and -negative < best[0]:
            break
        candidate = score(query, entity, conditions)
        if candidate is None:
            continue
        found.append(candidate)
        if len(best) < limit:
            heapq.heappush(best, candidate.score)
        elif candidate.score > best[0]:
            heapq.heapreplace(best, candidate.score)
    found.sort(key=lambda c: (-c.score, -c.name_score, c.entity.name, c.entity.id))
    certain = [c for c in found if _certain(c, conditions)]
    if len(certain) == 1 and certain[0] is found[0]:
        found[0] = replace(found[0], match=True)
    return found[:limit]


def prefix_matches(prefix: str, entities: Sequence[Entity], limit: int) -> list[Entity]:
    """Entities for autocompletion: a name starting with the prefix first, then a word of a
    name starting with it, then the prefix anywhere; shorter names first within each."""
    wanted = normalise(prefix)
    if not wanted:
        return []
    ranked = []
    for entity in entities:
        best = None
        for key, _ in entity.keys:
            tier = 0 if key.startswith(wanted) else 1 if f" {wanted}" in f" {key}" else \
                2 if wanted in key else None
            if tier is not None and (best is None or (tier, len(key)) < best):
                best = (tier, len(key))
        if best is not None:
            ranked.append((best, entity.name, entity.id, entity))
    ranked.sort(key=lambda item: item[:3])
    return [item[3] for item in ranked[:limit]]
