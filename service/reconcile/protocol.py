"""The Reconciliation Service API 0.2 payloads: parse and check what clients send, shape what
the service answers. Pure functions over the :class:`~service.reconcile.index.Index`; the
route only moves bytes, so every rule here is testable without HTTP.

Every malformed input raises :class:`BadInput` with a message the client can act on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from service.problems import Problem
from service.reconcile.index import WIKIDATA, EntityIndex
from service.reconcile.match import Candidate, Conditions, rank
from service.reconcile.schema import (
    ENTITY_VALUED,
    KIND_BY_ID,
    KINDS,
    PROPERTIES,
    PROPERTY_BY_ID,
    UNTYPED_KINDS,
    kinds_of,
)

MAX_QUERIES = 100
MAX_LIMIT = 100
DEFAULT_LIMIT = 10
MAX_TEXT = 200  # longer than any name; bounds the letter comparisons per query
MAX_VALUES = 50
MAX_EXTEND_IDS = 500
_QID = re.compile(r"Q[1-9][0-9]{0,11}")


class BadInput(Problem):
    """The request cannot be answered as sent; the detail says why (400)."""

    def __init__(self, detail: str) -> None:
        super().__init__(400, detail)


@dataclass(frozen=True)
class Query:
    text: str
    types: tuple[str, ...] = ()
    type_strict: str = "any"
    limit: int = DEFAULT_LIMIT
    properties: tuple[tuple[str, tuple[Any, ...]], ...] = ()


def load_json(raw: str | Any, what: str) -> Any:
    """Parse JSON text; a body Flask already parsed passes through."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise BadInput(f"{what} is not valid JSON: {exc}") from None


def parse_limit(value: Any, where: str = "limit") -> int:
    """A positive whole number up to MAX_LIMIT (a whole float such as 3.0 is accepted)."""
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not 1 <= value <= MAX_LIMIT or value != int(value):
        raise BadInput(f"{where} must be a whole number from 1 to {MAX_LIMIT}, not {value!r}")
    return int(value)


def parse_query(key: str, body: Any) -> Query:
    """One query of a batch: ``query`` text and/or ``properties``, optional type, limit."""
    if isinstance(body, str):  # spec 0.1: a bare string is the query text
        body = {"query": body}
    if not isinstance(body, dict):
        raise BadInput(f"query {key!r} must be a JSON object")
    text = body.get("query", "")
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise BadInput(f"query {key!r}: 'query' must be a string of at most {MAX_TEXT} characters")
    types = body.get("type") or ()
    types = (types,) if isinstance(types, str) else types
    if not isinstance(types, list | tuple) or not all(isinstance(t, str) for t in types) \
            or len(types) > MAX_VALUES:
        raise BadInput(f"query {key!r}: 'type' must be a type id or a list of type ids")
    strict = body.get("type_strict", "any")
    if strict not in ("any", "should", "all"):
        raise BadInput(f"query {key!r}: 'type_strict' must be 'any', 'should' or 'all'")
    limit = parse_limit(body["limit"], f"query {key!r}: 'limit'") if "limit" in body \
        else DEFAULT_LIMIT
    props = body.get("properties") or []
    if not isinstance(props, list) or len(props) > MAX_VALUES:
        raise BadInput(f"query {key!r}: 'properties' must be a list of {{pid, v}} objects")
    parsed = []
    for prop in props:
        if not isinstance(prop, dict) or not isinstance(prop.get("pid"), str) or "v" not in prop:
            raise BadInput(f"query {key!r}: each property needs a 'pid' (string) and a 'v'")
        values = prop["v"] if isinstance(prop["v"], list) else [prop["v"]]
        if len(values) > MAX_VALUES or not all(_is_value(v) for v in values):
            raise BadInput(f"query {key!r}: property {prop['pid']!r} has a value that is not a "
                           "string, number, boolean or {id, name} object")
        parsed.append((prop["pid"], tuple(values)))
    if not text.strip() and not parsed:
        raise BadInput(f"query {key!r}: give a 'query' text or some 'properties'")
    return Query(text.strip(), tuple(types), strict, limit, tuple(parsed))


def _is_value(v: Any) -> bool:
    if isinstance(v, dict):
        return isinstance(v.get("id"), str)
    return isinstance(v, str | int | float | bool)


def parse_batch(raw: str | Any) -> dict[str, Query]:
    """A query batch: a JSON object of named queries, at most MAX_QUERIES of them."""
    batch = load_json(raw, "queries")
    if not isinstance(batch, dict):
        raise BadInput('queries must be a JSON object of named queries, e.g. {"q0": {"query": '
                       '"Munich"}}')
    if len(batch) > MAX_QUERIES:
        raise BadInput(f"a batch holds at most {MAX_QUERIES} queries, not {len(batch)}")
    return {key: parse_query(key, body) for key, body in batch.items()}


def _strings(values: tuple[Any, ...]) -> list[str]:
    return [v["id"] if isinstance(v, dict) else str(v) for v in values]


def conditions(query: Query, index: EntityIndex) -> Conditions:
    """Resolve a query's types and properties against the index (unknown pids are ignored,
    as the API allows; an unknown type selects nothing)."""
    kinds: frozenset[str] | None = frozenset(UNTYPED_KINDS)
    preferred: frozenset[str] = frozenset()
    if query.types:
        sets = [kinds_of(t) for t in query.types]
        if query.type_strict == "should":
            preferred = frozenset().union(*sets)
            kinds = UNTYPED_KINDS | preferred
        elif query.type_strict == "all":
            kinds = frozenset.intersection(*sets)
        else:
            kinds = frozenset().union(*sets)
    countries, qids = set(), set()
    for pid, values in query.properties:
        for value in _strings(values):
            if pid == "country":
                code = index.country_code(value)
                countries.add(code or f"?{value}")  # unknown: agrees with nothing
            elif pid == "wikidata":
                qid = value.strip().removeprefix(WIKIDATA).upper()
                qids.add(qid if _QID.fullmatch(qid) else f"?{value}")
    return Conditions(kinds, preferred, frozenset(countries), frozenset(qids))


def candidate_json(c: Candidate) -> dict[str, Any]:
    kind = KIND_BY_ID[c.entity.kind]
    return {"id": c.entity.id, "name": c.entity.name, "description": c.entity.description,
            "type": [{"id": kind.id, "name": kind.name}], "score": c.score, "match": c.match}


def reconcile(query: Query, index: EntityIndex) -> dict[str, Any]:
    return reconcile_batch({"q": query}, index)["q"]


def reconcile_batch(batch: dict[str, Query], index: EntityIndex) -> dict[str, Any]:
    """Every query's candidates, their pools read from the index together."""
    asked = [(query.text, conditions(query, index), query.limit) for query in batch.values()]
    answers = {}
    for key, (text, cond, limit), pool in zip(batch, asked, index.pools(asked), strict=True):
        answers[key] = {"result": [candidate_json(c) for c in rank(text, pool, cond, limit)]}
    return answers


def type_json(kind_id: str) -> dict[str, str]:
    kind = KIND_BY_ID[kind_id]
    return {"id": kind.id, "name": kind.name, "description": kind.description}


def manifest(name: str, id_space: str, schema_space: str, view: str, service_url: str,
             version: str = "") -> dict[str, Any]:
    """The service manifest (spec 0.2): ``view`` is the IRI template ``{base}id/{{id}}``."""
    def service(path: str) -> dict[str, str]:
        return {"service_url": service_url, "service_path": path}
    document: dict[str, Any] = {
        "versions": ["0.1", "0.2"], "name": name, "identifierSpace": id_space,
        "schemaSpace": schema_space,
        "view": {"url": view},
        "defaultTypes": [{"id": k.id, "name": k.name} for k in KINDS],
        "preview": {"url": service_url + "/preview?id={{id}}", "width": 420, "height": 140},
        "suggest": {"entity": service("/suggest/entity"), "type": service("/suggest/type"),
                    "property": service("/suggest/property")},
        "extend": {"propose_properties": service("/propose_properties"),
                   "property_settings": [{"name": "limit", "label": "Limit", "type": "number",
                                          "default": 0, "help_text": "Most values per cell "
                                          "(0: all)"}]},
    }
    if version:
        document["serviceVersion"] = version
    return document


def suggest_entities(index: EntityIndex, prefix: str, types: tuple[str, ...], cursor: int,
                     limit: int) -> dict[str, Any]:
    kinds = frozenset().union(*(kinds_of(t) for t in types)) if types else UNTYPED_KINDS
    found = index.suggestions(prefix, kinds, cursor + limit)[cursor:]
    return {"result": [{"id": e.id, "name": e.name, "description": e.description,
                        "notable": [{"id": e.kind, "name": KIND_BY_ID[e.kind].name}]}
                       for e in found]}


def _prefixed(prefix: str, items: list[tuple[str, str, dict]]) -> list[dict]:
    wanted = prefix.strip().casefold()
    starts = [d for i, n, d in items if i.casefold().startswith(wanted)
              or n.casefold().startswith(wanted)]
    inside = [d for i, n, d in items if d not in starts and wanted in n.casefold()]
    return starts + inside


def suggest_types(prefix: str) -> dict[str, Any]:
    return {"result": _prefixed(prefix, [(k.id, k.name, type_json(k.id)) for k in KINDS])}


def property_json(pid: str) -> dict[str, str]:
    prop = PROPERTY_BY_ID[pid]
    return {"id": prop.id, "name": prop.name, "description": prop.description}


def suggest_properties(prefix: str) -> dict[str, Any]:
    return {"result": _prefixed(prefix, [(p.id, p.name, property_json(p.id)) for p in PROPERTIES])}


def propose_properties(type_id: str, limit: int) -> dict[str, Any]:
    """Properties for data extension of a type (all of them when no type is given)."""
    kinds = kinds_of(type_id) if type_id else frozenset(KIND_BY_ID)
    props = [property_json(p.id) for p in PROPERTIES if p.kinds & kinds][:limit]
    return {"type": type_id, "limit": limit, "properties": props}


def parse_extend(raw: str | Any) -> tuple[list[str], list[tuple[str, int]]]:
    """A data extension query: entity ids and (property id, value limit) pairs."""
    body = load_json(raw, "extend")
    if not isinstance(body, dict) or not isinstance(body.get("ids"), list) \
            or not isinstance(body.get("properties"), list):
        raise BadInput('extend must be a JSON object {"ids": [...], "properties": [{"id": ...}]}')
    ids, props = body["ids"], body["properties"]
    if not all(isinstance(i, str) for i in ids) or len(ids) > MAX_EXTEND_IDS:
        raise BadInput(f"extend: 'ids' must be at most {MAX_EXTEND_IDS} entity ids (strings)")
    if len(props) > len(PROPERTIES):
        raise BadInput(f"extend: at most {len(PROPERTIES)} properties per request")
    parsed = []
    for prop in props:
        pid = prop.get("id") if isinstance(prop, dict) else None
        if pid not in PROPERTY_BY_ID:
            known = ", ".join(PROPERTY_BY_ID)
            raise BadInput(f"extend: unknown property {pid!r}; the properties are {known}")
        settings = prop.get("settings") or {}
        limit = settings.get("limit", 0) if isinstance(settings, dict) else 0
        try:
            limit = max(0, int(limit))
        except (TypeError, ValueError, OverflowError):
            raise BadInput(f"extend: the limit setting of {pid!r} must be a number") from None
        parsed.append((pid, limit))
    return ids, parsed


def values_of(index: EntityIndex, entity_id: str, pid: str) -> list[dict[str, Any]]:
    """The values of one property of one entity, as data extension cells."""
    entity = index.entity(entity_id)
    if entity is None or entity.kind not in PROPERTY_BY_ID[pid].kinds:
        return []
    if pid in ENTITY_VALUED:
        target = dict(entity.links).get(pid)
        return [{"id": target, "name": index.name_of(target)}] if target else []
    value = {"country": entity.country, "wikidata": entity.qid, "name_en": entity.name,
             "name_local": entity.local_name, "iri": index.id_space + entity.id}[pid]
    return [{"str": value}] if value else []


def extend(index: EntityIndex, ids: list[str], props: list[tuple[str, int]]) -> dict[str, Any]:
    meta = []
    for pid, _ in props:
        item: dict[str, Any] = {"id": pid, "name": PROPERTY_BY_ID[pid].name}
        if pid in ENTITY_VALUED:
            item["type"] = {"id": {"country_entity": "country"}.get(pid, pid)}
            item["type"]["name"] = KIND_BY_ID[item["type"]["id"]].name
        meta.append(item)
    rows: dict[str, Any] = {}
    for given in ids:
        entity_id = index.entity_id(given)
        rows[given] = {pid: values_of(index, entity_id, pid)[:limit or None] for pid, limit in props}
    return {"meta": meta, "rows": rows}
