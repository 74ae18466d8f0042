"""The entity index reconciliation searches, read from the store once per release.

Why an index and not a query per request: matching compares every label of every candidate
after accent folding and letter similarity, which SPARQL cannot do, and the reconcilable part
of the dataset is small (a few hundred things). So two bounded queries read labels and facts
of everything under ``{base}id/`` (the id space bound as a literal, never spliced), the result
is kept per release id, and a build, which changes the id, makes the next request reload it.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import pyoxigraph as ox

from service.namespaces import PREFIXES, sparql_prefix_block
from service.reconcile.match import Conditions, Entity, normalise, prefix_matches
from service.reconcile.schema import KIND_BY_ID
from service.store.base import Store
from service.store.release import Release

ROW_LIMIT = 50_000
#: What a reconciliation query asks of an index: its text, its conditions, how many answers.
Asked = tuple[str, Conditions, int]
WIKIDATA = "http://www.wikidata.org/entity/"
#: EU institutions write Greece and the United Kingdom as EL and UK; the data uses ISO (GR, GB).
EU_CODES = {"el": "GR", "uk": "GB"}
_SKOS, _RDFS, _FOAF = PREFIXES["skos"], PREFIXES["rdfs"], PREFIXES["foaf"]
#: Label properties, best first for the shown name; alternative labels match but never show.
NAME_PROPERTIES = (_SKOS + "prefLabel", _RDFS + "label", _FOAF + "name",
                   PREFIXES["schema"] + "name", PREFIXES["dct"] + "title")
ALT_LABEL = _SKOS + "altLabel"


def _limit(rows: int | None) -> str:
    return "" if rows is None else f" LIMIT {int(rows)}"


def labels_query(rows: int | None = ROW_LIMIT) -> str:
    """Names of the things under ?space (at most ``rows``; all of them at build time)."""
    props = ", ".join(f"<{p}>" for p in (*NAME_PROPERTIES, ALT_LABEL))
    return f"""SELECT ?space ?x ?p ?l WHERE {{
  ?x ?p ?l FILTER(?p IN ({props}) && isIRI(?x) && isLITERAL(?l) && STRSTARTS(STR(?x), ?space))
}}{_limit(rows)}"""


def facts_query(rows: int | None = ROW_LIMIT) -> str:
    """Place, country, ISO code, Wikidata item and network of each thing, tagged by ?k.

    ?space is projected because pyoxigraph binds substitutions only to projected variables."""
    return sparql_prefix_block() + f"""SELECT ?space ?x ?k ?o WHERE {{
  {{ ?x dct:spatial ?o BIND("place" AS ?k) }}
  UNION {{ ?x schema:containedInPlace ?o BIND("country" AS ?k) }}
  UNION {{ ?x a schema:Country ; skos:notation ?o BIND("notation" AS ?k) }}
  UNION {{ ?x schema:sameAs|owl:sameAs ?o BIND("wikidata" AS ?k)
           FILTER(isIRI(?o) && STRSTARTS(STR(?o), "{WIKIDATA}")) }}
  UNION {{ ?x org:unitOf ?o BIND("network" AS ?k) }}
  FILTER(isIRI(?x) && STRSTARTS(STR(?x), ?space))
}}{_limit(rows)}"""


@dataclass(frozen=True)
class Index:
    """The reconcilable entities of one release, with lookups by id, QID and country."""

    release_id: str
    id_space: str  # "{base}id/"
    entities: dict[str, Entity]
    countries: dict[str, str]  # normalised code, name, id or IRI of a country -> ISO code

    def of_kinds(self, kinds: Iterable[str]) -> list[Entity]:
        wanted = set(kinds)
        return [e for e in self.entities.values() if e.kind in wanted]

    def entity_id(self, given: str) -> str:
        """An entity id from an id or a full IRI."""
        return given[len(self.id_space):] if given.startswith(self.id_space) else given

    def country_code(self, value: str) -> str | None:
        """The ISO code a query's country value names (code, id, IRI or name), if any."""
        key = normalise(self.entity_id(value.strip()))
        return self.countries.get(key) or self.countries.get(normalise(EU_CODES.get(key, "")))

    def name_of(self, entity_id: str) -> str:
        entity = self.entities.get(entity_id)
        return entity.name if entity else entity_id

    def entity(self, entity_id: str) -> Entity | None:
        return self.entities.get(entity_id)

    def pools(self, asked: Sequence[Asked]) -> list[Iterable[Entity]]:
        """The entities :func:`service.reconcile.match.rank` scores: all of the wanted kinds."""
        return [self.entities.values() if conditions.kinds is None
                else self.of_kinds(conditions.kinds) for _, conditions, _ in asked]

    def suggestions(self, prefix: str, kinds: Iterable[str], most: int) -> list[Entity]:
        return prefix_matches(prefix, self.of_kinds(kinds), most)


def _name(labels: list[tuple[str, ox.Literal]]) -> str:
    """The label to show: a name property in property order, English first, then untagged."""
    def key(item: tuple[str, ox.Literal]):
        prop, lit = item
        lang = lit.language or ""
        return (NAME_PROPERTIES.index(prop), 0 if lang.startswith("en") else 1 if not lang else 2,
                lit.value)
    return min(labels, key=key)[1].value


def build_index(release_id: str, id_space: str, label_rows: Iterable, fact_rows: Iterable) -> Index:
    """Assemble the index from the rows of :func:`labels_query` and :func:`facts_query`."""
    labels: dict[str, list[tuple[str, ox.Literal]]] = defaultdict(list)
    alts: dict[str, list[str]] = defaultdict(list)
    for row in label_rows:
        iri, prop, lit = row["x"].value, row["p"].value, row["l"]
        if prop == ALT_LABEL:
            alts[iri].append(lit.value)
        else:
            labels[iri].append((prop, lit))
    facts: dict[str, dict[str, str]] = defaultdict(dict)
    for row in fact_rows:
        facts[row["x"].value].setdefault(row["k"].value, row["o"].value)

    def local(iri: str) -> str | None:
        return iri[len(id_space):] if iri and iri.startswith(id_space) else None

    codes = {iri: f["notation"].upper() for iri, f in facts.items() if "notation" in f}
    entities: dict[str, Entity] = {}
    for iri, found in labels.items():
        entity_id = local(iri)
        if not entity_id or "/" not in entity_id or entity_id.split("/", 1)[0] not in KIND_BY_ID:
            continue
        own = facts.get(iri, {})
        place = own.get("place")
        where = facts.get(place, {}) if place else own
        country_iri = where.get("country") or (iri if iri in codes else None)
        qid = where.get("wikidata", "")[len(WIKIDATA):] or None
        name = _name(found)
        others = [lit.value for _, lit in found if lit.language and not lit.language.startswith("en")]
        links = [(k, local(v)) for k, v in (("place", place), ("country_entity", country_iri),
                                           ("network", own.get("network"))) if local(v or "")]
        entities[entity_id] = Entity.make(
            entity_id, name, [lit.value for _, lit in found], alts.get(iri, ()),
            country=codes.get(country_iri or ""), qid=qid,
            local_name=min(others) if others else name, links=tuple(links))
    countries: dict[str, str] = {}
    for iri, code in codes.items():
        entity_id = local(iri) or iri
        for key in (code, entity_id, *(e.labels if (e := entities.get(entity_id)) else ())):
            countries.setdefault(normalise(key), code)
    entities = {k: _described(e, entities) for k, e in entities.items()}
    return Index(release_id, id_space, entities, countries)


def _described(entity: Entity, entities: dict[str, Entity]) -> Entity:
    """The entity with a short description telling namesakes apart (country, network)."""
    kind = KIND_BY_ID[entity.kind].name
    links = dict(entity.links)
    parts = [kind]
    if "country_entity" in links and entity.kind != "country":
        country = entities.get(links["country_entity"])
        parts.append(f"in {country.name if country else entity.country}")
    if "network" in links:
        network = entities.get(links["network"])
        parts.append(f"of {network.name if network else links['network']}")
    return replace(entity, description=" ".join(parts))


def load_index(store: Store, release_id: str, id_space: str) -> Index:
    space = {"space": ox.Literal(id_space)}
    return build_index(release_id, id_space, store.query(labels_query(), substitutions=space),
                       store.query(facts_query(), substitutions=space))


class EntityIndex(Protocol):
    """What reconciliation reads: the entities of one release, found by id or as candidates
    for a name (:class:`Index` in memory, or the release's label index file,
    :class:`service.search.entities.StoredIndex`)."""

    release_id: str
    id_space: str

    def entity_id(self, given: str) -> str: ...

    def country_code(self, value: str) -> str | None: ...

    def entity(self, entity_id: str) -> Entity | None: ...

    def name_of(self, entity_id: str) -> str: ...

    def pools(self, asked: Sequence[Asked]) -> list[Iterable[Entity]]:
        """For each (text, conditions, limit) of a batch, entities holding its best
        ``limit`` candidates (and maybe more)."""

    def suggestions(self, prefix: str, kinds: Iterable[str], most: int) -> list[Entity]: ...


#: How a cache opens the index of a release: (store, release, id space) -> index.
Opener = Callable[[Store, Release, str], EntityIndex]


def read_index(store: Store, release: Release, id_space: str) -> Index:
    """The index read from the store (every name of the release, into this process)."""
    return load_index(store, release.id, id_space)


class IndexCache:
    """One index per process, replaced when the store serves another release."""

    def __init__(self, opener: Opener = read_index) -> None:
        self._lock = threading.Lock()
        self._open = opener
        self._index: EntityIndex | None = None

    def get(self, store: Store, id_space: str) -> EntityIndex:
        release = store.release()
        index = self._index
        if index is not None and index.release_id == release.id and index.id_space == id_space:
            return index
        with self._lock:
            index = self._index
            if index is None or index.release_id != release.id or index.id_space != id_space:
                index = self._open(store, release, id_space)
                if store.release().id == release.id:  # a build swapped in mid-load: don't keep
                    self._index = index
            return index
