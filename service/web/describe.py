"""What the service says about one resource: bounded queries, with the resource bound as ?s.

The RDF description of a resource is its own triples, the labels of everything it links to,
and one page of its incoming links (``describe_incoming_limit`` of them, see
:mod:`service.web.paging`) with their subjects' labels. The HTML page adds the graphs (sources)
of its triples, the dated roles of the page's memberships and the labels of the properties.
Query text is fixed: the resource is bound through ``substitutions``, never spliced in; the
nodes of a page (IRIs the store returned) are bound by a VALUES block.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from service.namespaces import LABEL_PROPERTIES, sparql_prefix_block
from service.store.base import Store
from service.web.paging import MEMBERSHIP_PREDICATES, Pager, ordered

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
    """The first page of the description of ?s as one CONSTRUCT (what an RDF client would send
    a SPARQL endpoint for it; the benchmarks send it to Oxigraph's own server)."""
    limit = max(0, int(incoming_limit))
    return f"""CONSTRUCT {{ ?s ?p ?o . ?o ?lp ?l . ?x ?ip ?s . ?x ?xlp ?xl . }}
WHERE {{
  {{ ?s ?p ?o OPTIONAL {{ ?o ?lp ?l FILTER(?lp IN ({_LABELS})) }} }}
  UNION
  {{ {{ SELECT ?s ?x ?ip WHERE {{ ?x ?ip ?s }} LIMIT {limit} }}
     OPTIONAL {{ ?x ?xlp ?xl FILTER(?xlp IN ({_LABELS})) }} }}
}}"""


def outgoing_query() -> str:
    """CONSTRUCT the triples of ?s and the labels of the nodes it links to."""
    return f"""CONSTRUCT {{ ?s ?p ?o . ?o ?lp ?l . }}
WHERE {{ ?s ?p ?o OPTIONAL {{ ?o ?lp ?l FILTER(?lp IN ({_LABELS})) }} }}"""


def incoming_counts_query() -> str:
    """How many links towards ?s each property makes (one pass over the links of ?s)."""
    return "SELECT ?s ?ip (COUNT(?x) AS ?n) WHERE { ?x ?ip ?s } GROUP BY ?s ?ip"


def incoming_slice_query(offset: int, limit: int) -> str:
    """``limit`` subjects linking to ?s through ?ip after ``offset``, in the store's order (no
    ORDER BY: sorting would read every link to pick a few)."""
    return (f"SELECT ?s ?ip ?x WHERE {{ ?x ?ip ?s }} "
            f"OFFSET {max(0, int(offset))} LIMIT {max(0, int(limit))}")


def values(var: str, nodes: Iterable[ox.NamedNode]) -> str:
    """A VALUES block binding ?var to IRIs the store returned (N-Triples syntax, escaped by
    pyoxigraph); blank nodes cannot be bound and are left out."""
    terms = " ".join(dict.fromkeys(str(n) for n in nodes if isinstance(n, ox.NamedNode)))
    return f"VALUES ?{var} {{ {terms} }}"


def labels_query(nodes: Iterable[ox.NamedNode]) -> str:
    """The labels of the given nodes."""
    return f"""SELECT ?x ?lp ?l WHERE {{ {values("x", nodes)}
  ?x ?lp ?l FILTER(?lp IN ({_LABELS})) }}"""


def graphs_query() -> str:
    """The named graphs holding triples about ?s, with the documents they were derived from."""
    return PREFIXES + """SELECT DISTINCT ?s ?g ?doc ?title WHERE {
  { SELECT DISTINCT ?s ?g WHERE { GRAPH ?g { ?s ?p ?o } } }
  OPTIONAL { ?g prov:wasDerivedFrom ?doc OPTIONAL { ?doc dct:title ?title } }
} ORDER BY ?g ?doc"""


def memberships_query(nodes: Iterable[ox.NamedNode]) -> str:
    """The given org:Membership nodes with their member, organisation, role and period."""
    return PREFIXES + f"""SELECT ?m ?member ?org ?role ?begin ?end WHERE {{ {values("m", nodes)}
  ?m a org:Membership .
  OPTIONAL {{ ?m org:member ?member }}
  OPTIONAL {{ ?m org:organization ?org }}
  OPTIONAL {{ ?m org:role ?role }}
  OPTIONAL {{ ?m org:memberDuring ?period .
    OPTIONAL {{ ?period time:hasBeginning ?b . ?b ?bp ?begin FILTER(?bp IN ({_DATES})) }}
    OPTIONAL {{ ?period time:hasEnd ?e . ?e ?ep ?end FILTER(?ep IN ({_DATES})) }} }}
}}"""


def membership_labels_query(nodes: Iterable[ox.NamedNode]) -> str:
    """Labels of the members, organisations and roles of the given memberships."""
    return PREFIXES + f"""SELECT DISTINCT ?x ?lp ?l WHERE {{ {values("m", nodes)}
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
class Document:
    """One page of the description of a resource: its triples and where the page lies."""

    triples: list[ox.Triple]
    pager: Pager
    incoming: list[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode]]  # (subject, property)


@dataclass
class Facts:
    """Everything the HTML page of a resource shows, as RDF terms (labels chosen later)."""

    iri: ox.NamedNode
    triples: list[ox.Triple]
    graphs: list[tuple[ox.NamedNode, ox.NamedNode | None, ox.Literal | None]]
    labels: dict[ox.NamedNode, list[tuple[str, ox.Literal]]] = field(default_factory=dict)
    memberships: list[Membership] = field(default_factory=list)
    pager: Pager = field(default_factory=lambda: Pager((), 0))


def _subst(iri: str) -> dict[str, ox.NamedNode]:
    return {"s": ox.NamedNode(iri)}


def exists(store: Store, iri: str) -> bool:
    return bool(store.query(exists_query(), substitutions=_subst(iri)))


#: Counts of the resources with many incoming links, per (release, IRI): every page of a big
#: group needs them, and counting reads all of its links.
_COUNTS: OrderedDict[tuple[str, str], tuple[tuple[str, int], ...]] = OrderedDict()
_COUNTS_LOCK = threading.Lock()
_COUNTS_KEPT = 1024
_COUNTS_WORTH = 1000


def incoming_counts(store: Store, iri: str) -> tuple[tuple[str, int], ...]:
    """(property, count) of the links towards ``iri``, in page order."""
    key = (store.release().id, iri)
    with _COUNTS_LOCK:
        if key in _COUNTS:
            _COUNTS.move_to_end(key)
            return _COUNTS[key]
    counts = ordered({row["ip"].value: int(row["n"].value)
                      for row in store.query(incoming_counts_query(), substitutions=_subst(iri))})
    if sum(n for _, n in counts) >= _COUNTS_WORTH:
        with _COUNTS_LOCK:
            _COUNTS[key] = counts
            while len(_COUNTS) > _COUNTS_KEPT:
                _COUNTS.popitem(last=False)
    return counts


def pager(store: Store, iri: str, size: int, page: int = 1) -> Pager:
    """The pager over the incoming links of ``iri`` (BadPage past the last page)."""
    return Pager(incoming_counts(store, iri), max(0, int(size)), page).check()


def document(store: Store, iri: str, size: int, page: int = 1) -> Document:
    """Page ``page`` of the description of ``iri``: its own triples, the labels of what it
    links to, ``size`` incoming links (the page's slice) and their subjects' labels."""
    subject = ox.NamedNode(iri)
    found = set(store.query(outgoing_query(), substitutions=_subst(iri)))
    paged = pager(store, iri, size, page)
    links: list[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode]] = []
    for run in paged.slices():
        prop = ox.NamedNode(run.predicate)
        rows = store.query(incoming_slice_query(run.offset, run.limit),
                           substitutions={"s": subject, "ip": prop})
        links.extend((row["x"], prop) for row in rows)
    found.update(ox.Triple(x, p, subject) for x, p in links)
    subjects = [x for x, _ in links if isinstance(x, ox.NamedNode)]
    if subjects:
        for row in store.query(labels_query(subjects)):
            found.add(ox.Triple(row["x"], row["lp"], row["l"]))
    return Document(sorted(found, key=str), paged, links)


def describe(store: Store, iri: str, incoming_limit: int, page: int = 1) -> list[ox.Triple]:
    """The description triples of ``iri`` (page ``page`` of its incoming links), without
    duplicates, in a stable order."""
    return document(store, iri, incoming_limit, page).triples


def _add_label(labels: dict, node, prop, literal) -> None:
    if isinstance(literal, ox.Literal):
        labels.setdefault(node, [])
        if (prop.value, literal) not in labels[node]:
            labels[node].append((prop.value, literal))


def facts(store: Store, iri: str, incoming_limit: int, page: int = 1) -> Facts:
    """Gather the HTML page's facts: description, sources, dated roles, labels; every query
    bounded by what the page shows (its own triples and one page of incoming links)."""
    doc = document(store, iri, incoming_limit, page)
    subject = ox.NamedNode(iri)
    labels: dict = {}
    for t in doc.triples:
        if t.predicate.value in LABEL_PROPERTIES and isinstance(t.object, ox.Literal):
            _add_label(labels, t.subject, t.predicate, t.object)
    predicates = {t.predicate for t in doc.triples}
    for row in store.query(labels_query(predicates)):
        _add_label(labels, row["x"], ox.NamedNode(LABEL_PROPERTIES[1]), row["l"])
    nodes = [x for x, p in doc.incoming
             if p.value in MEMBERSHIP_PREDICATES and isinstance(x, ox.NamedNode)]
    nodes.append(subject)  # the resource may itself be a membership
    for row in store.query(membership_labels_query(nodes)):
        _add_label(labels, row["x"], row["lp"], row["l"])
    graphs = [(row["g"], row["doc"], row["title"])
              for row in store.query(graphs_query(), substitutions=_subst(iri))]
    rows: dict[ox.NamedNode, Membership] = {}
    for row in store.query(memberships_query(nodes)):
        m = rows.setdefault(row["m"], Membership(row["m"]))
        m.member = m.member or row["member"]
        m.organization = m.organization or row["org"]
        m.role = m.role or row["role"]
        m.begin = m.begin or row["begin"]
        m.end = m.end or row["end"]
    return Facts(subject, doc.triples, graphs, labels, list(rows.values()), doc.pager)


def search(store: Store, text: str, limit: int = 50) -> list[tuple[ox.NamedNode, ox.Literal]]:
    rows = store.query(search_query(limit), substitutions={"q": ox.Literal(text)})
    return [(row["x"], row["l"]) for row in rows]
