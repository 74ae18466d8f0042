"""Matching a spreadsheet's names to the IRIs the sources already have, for ``citynet import``.

The reconciliation matcher (:mod:`service.reconcile.match`) decides; the index is built from
the sources as they are now, not from the live release, so an import sees unpublished edits.
Roles live in the vocabulary, outside the id space the index covers, so they are matched as
entities of their own (``role/chair``).
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Namespace, URIRef
from rdflib.namespace import ORG, SKOS

from service.build.sources import VOCABULARY_GRAPH, Sources
from service.namespaces import VOCAB, graph_iri
from service.reconcile.index import Index, build_index, facts_query, labels_query
from service.reconcile.match import Conditions, Entity, rank

CN = Namespace(VOCAB)

#: The memberships already in the data, as member|organization|role|period keys.
MEMBERSHIPS_QUERY = f"""PREFIX org: <{ORG}>
SELECT DISTINCT ?member ?organization ?role ?period WHERE {{
  ?m a org:Membership ; org:member ?member ; org:organization ?organization ; org:role ?role
  OPTIONAL {{ ?m org:memberDuring ?period }} }}"""


def source_index(store: ox.Store, base: str) -> Index:
    """The reconciliation index of the sources as they are now (not of the live release)."""
    space = {ox.Variable("space"): ox.Literal(base + "id/")}
    return build_index("sources", base + "id/",
                       store.query(labels_query(), substitutions=space,
                                   use_default_graph_as_union=True),
                       store.query(facts_query(), substitutions=space,
                                   use_default_graph_as_union=True))


def role_entities(sources: Sources, base: str) -> list[Entity]:
    """The role concepts of ``cn:roles`` (in the vocabulary) as matchable entities."""
    vocabulary = sources.dataset.graph(URIRef(graph_iri(base, VOCABULARY_GRAPH)))
    roles = []
    for role in sorted(set(vocabulary.subjects(SKOS.inScheme, CN.roles))):
        local = str(role)[len(VOCAB):]
        labels = [str(v) for v in vocabulary.objects(role, SKOS.prefLabel)]
        alts = [str(v) for v in vocabulary.objects(role, SKOS.altLabel)]
        roles.append(Entity.make(f"role/{local}", labels[0] if labels else local,
                                 [*labels, local], alts))
    return roles


def resolve(value: str, entities: list[Entity], kinds: frozenset[str], what: str,
             country: str | None = None) -> tuple[str | None, str | None]:
    """(entity id, None) for an id or a certain match of ``value``, else (None, the reason)."""
    by_id = {e.id: e for e in entities}
    if value in by_id and by_id[value].kind in kinds:
        return value, None
    bare = [f"{k}/{value}" for k in sorted(kinds) if f"{k}/{value}" in by_id]
    if len(bare) == 1:
        return bare[0], None
    conditions = Conditions(kinds=kinds, countries=frozenset({country}) if country else frozenset())
    found = rank(value, entities, conditions, limit=3)
    if found and found[0].match:
        return found[0].entity.id, None
    if not found:
        return None, f"{what} {value!r} matches nothing in the data"
    options = ", ".join(f"{c.entity.id} ({c.entity.name})" for c in found)
    return None, f"{what} {value!r} has no certain match (candidates: {options}); " \
                 "write the id of the one meant"


def as_id(value: str, base: str, column: str) -> str:
    """An IRI or prefixed name reduced to the entity id the index uses."""
    if value.startswith(base + "id/"):
        return value[len(base) + 3:]
    if column == "role":
        for prefix in (VOCAB, "cn:"):
            if value.startswith(prefix):
                return "role/" + value[len(prefix):]
    return value
