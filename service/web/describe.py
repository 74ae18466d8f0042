"""What the service says about one resource: bounded queries, with the resource bound as ?s.

The RDF description of a resource is its own triples, the labels of everything it links to,
and its incoming links (at most ``describe_incoming_limit``, in a stable order) with their
subjects' labels. The HTML page adds the graphs (sources) of its triples, its dated roles and
the labels of the properties. Query text is fixed: the resource is bound through
``substitutions``, never spliced in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from service.namespaces import LABEL_PROPERTIES, sparql_prefix_block
from service.store.base import Store

PREFIXES = sparql_prefix_block()
_LABELS = ", ".join(f"<{p}>" for p in LABEL_PROPERTIES)
#: Date properties of a time:Instant, most precise first.
DATE_PROPERTIES = ("time:inXSDDate", "time:inXSDDateTimeStamp", "time:inXSDgYearMonth",
                   "time:inXSDgYear")
_DATES = ", ".join(DATE_PROPERTIES)


def exists_query() -> str:
    """ASK whether ?s occurs as subject or object anywhere."""
    return "ASK { { ?s ?p ?o } UNION { ?x ?p ?s } }"


def description_query(incoming_limit: int) -> str:
    """CONSTRUCT the description of ?s (own triples, labels of linked nodes, incoming links)."""
    limit = max(0, int(incoming_limit))
    return f"""CONSTRUCT {{ ?s ?p ?o . ?o ?lp ?l . ?x ?ip ?s . ?x ?xlp ?xl . }}
WHERE {{
  {{ ?s ?p ?o OPTIONAL {{ ?o ?lp ?l FILTER(?lp IN ({_LABELS})) }} }}
  UNION
  {{ {{ SELECT ?s ?x ?ip WHERE {{ ?x ?ip ?s }} ORDER BY ?ip ?x LIMIT {limit} }}
     OPTIONAL {{ ?x ?xlp ?xl FILTER(?xlp IN ({_LABELS})) }} }}
}}"""


def graphs_query() -> str:
    """The named graphs holding triples about ?s, with the documents they were derived from."""
    return PREFIXES + """SELECT DISTINCT ?s ?g ?doc ?title WHERE {
  { SELECT DISTINCT ?s ?g WHERE { GRAPH ?g { ?s ?p ?o } } }
  OPTIONAL { ?g prov:wasDerivedFrom ?doc OPTIONAL { ?doc dct:title ?title } }
} ORDER BY ?g ?doc"""


def predicate_labels_query() -> str:
    """Labels of the properties used on or towards ?s (the vocabulary graph has most)."""
    return f"""SELECT DISTINCT ?s ?p ?l WHERE {{
  {{ SELECT DISTINCT ?s ?p WHERE {{
      {{ ?s ?p ?o }} UNION {{ ?x ?p ?s }} UNION {{ ?s ?q ?o . ?o ?p ?y }} }} }}
  ?p ?lp ?l FILTER(?lp IN ({_LABELS}))
}}"""


def memberships_query() -> str:
    """The org:Membership nodes that involve ?s (as member, organisation, or ?s itself),
    with role and period boundaries."""
    return PREFIXES + f"""SELECT ?s ?m ?member ?org ?role ?begin ?end WHERE {{
  {{ ?m org:member ?s }} UNION {{ ?m org:organization ?s }} UNION {{ ?s a org:Membership BIND(?s AS ?m) }}
  ?m a org:Membership .
  OPTIONAL {{ ?m org:member ?member }}
  OPTIONAL {{ ?m org:organization ?org }}
  OPTIONAL {{ ?m org:role ?role }}
  OPTIONAL {{ ?m org:memberDuring ?period .
    OPTIONAL {{ ?period time:hasBeginning ?b . ?b ?bp ?begin FILTER(?bp IN ({_DATES})) }}
    OPTIONAL {{ ?period time:hasEnd ?e . ?e ?ep ?end FILTER(?ep IN ({_DATES})) }} }}
}} LIMIT 2000"""


def membership_labels_query() -> str:
    """Labels of the members, organisations and roles in the memberships of ?s."""
    return PREFIXES + f"""SELECT DISTINCT ?s ?x ?lp ?l WHERE {{
  {{ ?m org:member ?s }} UNION {{ ?m org:organization ?s }} UNION {{ ?s a org:Membership BIND(?s AS ?m) }}
  ?m org:member|org:organization|org:role ?x .
  ?x ?lp ?l FILTER(?lp IN ({_LABELS}))
}}"""


def search_query(limit: int = 50) -> str:
    """Things whose label contains ?q (case-insensitive)."""
    return f"""SELECT DISTINCT ?q ?x ?l WHERE {{
  ?x ?lp ?l FILTER(?lp IN ({_LABELS}))
  FILTER(isIRI(?x) && CONTAINS(LCASE(STR(?l)), LCASE(STR(?q))))
}} ORDER BY STRLEN(STR(?l)) ?l LIMIT {int(limit)}"""


def networks_query() -> str:
    """The networks (formal organisations with units) and their units, for the home page."""
    return PREFIXES + f"""SELECT DISTINCT ?net ?unit ?nl ?ul WHERE {{
  ?net a org:FormalOrganization .
  OPTIONAL {{ ?net ?nlp ?nl FILTER(?nlp IN ({_LABELS})) }}
  OPTIONAL {{ ?unit org:unitOf ?net .
             OPTIONAL {{ ?unit ?ulp ?ul FILTER(?ulp IN ({_LABELS})) }} }}
}}"""


@dataclass
class Membership:
    node: ox.NamedNode
    member: ox.NamedNode | None = None
    organization: ox.NamedNode | None = None
    role: ox.NamedNode | None = None
    begin: ox.Literal | None = None
    end: ox.Literal | None = None


@dataclass
class Facts:
    """Everything the HTML page of a resource shows, as RDF terms (labels chosen later)."""

    iri: ox.NamedNode
    triples: list[ox.Triple]
    graphs: list[tuple[ox.NamedNode, ox.NamedNode | None, ox.Literal | None]]
    labels: dict[ox.NamedNode, list[tuple[str, ox.Literal]]] = field(default_factory=dict)
    memberships: list[Membership] = field(default_factory=list)


def _subst(iri: str) -> dict[str, ox.NamedNode]:
    return {"s": ox.NamedNode(iri)}


def exists(store: Store, iri: str) -> bool:
    return bool(store.query(exists_query(), substitutions=_subst(iri)))


def describe(store: Store, iri: str, incoming_limit: int) -> list[ox.Triple]:
    """The description triples of ``iri``, without duplicates, in a stable order."""
    result = store.query(description_query(incoming_limit), substitutions=_subst(iri))
    return sorted(set(result), key=str)


def _add_label(labels: dict, node, prop, literal) -> None:
    if isinstance(literal, ox.Literal):
        labels.setdefault(node, [])
        if (prop.value, literal) not in labels[node]:
            labels[node].append((prop.value, literal))


def facts(store: Store, iri: str, incoming_limit: int) -> Facts:
    """Gather the HTML page's facts: description, sources, dated roles, labels."""
    triples = describe(store, iri, incoming_limit)
    subject = ox.NamedNode(iri)
    labels: dict = {}
    from service.namespaces import LABEL_PROPERTIES as props

    for t in triples:
        if t.predicate.value in props and isinstance(t.object, ox.Literal):
            _add_label(labels, t.subject, t.predicate, t.object)
    for row in store.query(predicate_labels_query(), substitutions=_subst(iri)):
        _add_label(labels, row["p"], ox.NamedNode(props[1]), row["l"])
    for row in store.query(membership_labels_query(), substitutions=_subst(iri)):
        _add_label(labels, row["x"], row["lp"], row["l"])
    graphs = [(row["g"], row["doc"], row["title"])
              for row in store.query(graphs_query(), substitutions=_subst(iri))]
    rows: dict[ox.NamedNode, Membership] = {}
    for row in store.query(memberships_query(), substitutions=_subst(iri)):
        m = rows.setdefault(row["m"], Membership(row["m"]))
        m.member = m.member or row["member"]
        m.organization = m.organization or row["org"]
        m.role = m.role or row["role"]
        m.begin = m.begin or row["begin"]
        m.end = m.end or row["end"]
    return Facts(subject, triples, graphs, labels, list(rows.values()))


def search(store: Store, text: str, limit: int = 50) -> list[tuple[ox.NamedNode, ox.Literal]]:
    rows = store.query(search_query(limit), substitutions={"q": ox.Literal(text)})
    return [(row["x"], row["l"]) for row in rows]
