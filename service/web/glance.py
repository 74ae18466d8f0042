"""What makes a page answer at a glance: the kind of thing an IRI names, a city's country and
Wikidata link (held by its place), roles in the order a reader looks for them (chair, then
vice-chair, then members) with the source of each, and the charts of the page.

Queries bind the resource as ``?s`` (never spliced); the rest are pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import pyoxigraph as ox

from service.namespaces import sparql_prefix_block
from service.store.base import Store
from service.store.release import Release
from service.web import charts, describe, view

PREFIXES = sparql_prefix_block()

#: The kinds of things (the segment after ``id/``), as a person names them.
KIND_NAMES = {
    "city": "City", "place": "Place", "country": "Country", "network": "Network",
    "forum": "Forum", "community": "Impact community", "group": "Working group",
    "person": "Person", "post": "Post", "membership": "Membership", "period": "Period",
    "charter": "Charter", "workplan": "Workplan", "objective": "Objective",
    "output": "Expected output", "action": "Action", "statistic": "Declared statistic",
    "project": "Project", "event": "Event", "source": "Source document", "node": "Node",
}


def kind_of(iri: str, base: str) -> str:
    """The kind segment of one of the dataset's IRIs (``city``), or "" for any other IRI."""
    if not iri.startswith(base + "id/"):
        return ""
    return iri[len(base) + 3:].split("/", 1)[0]


def kind_name(iri: str, base: str) -> str:
    kind = kind_of(iri, base)
    return KIND_NAMES.get(kind, kind.replace("-", " ").capitalize())


def place_query() -> str:
    """The place a city governs (or ?s itself when it is a place): country and Wikidata."""
    return PREFIXES + """SELECT ?s ?place ?country ?countryLabel ?code ?wikidata WHERE {
  { ?s dct:spatial ?place } UNION { ?s a dct:Location BIND(?s AS ?place) }
  OPTIONAL { ?place schema:containedInPlace ?country .
    OPTIONAL { ?country rdfs:label|skos:prefLabel ?countryLabel
               FILTER(LANG(?countryLabel) IN ("en", "")) }
    OPTIONAL { ?country skos:notation ?code } }
  OPTIONAL { ?place schema:sameAs ?wikidata
             FILTER(STRSTARTS(STR(?wikidata), "http://www.wikidata.org/entity/")) }
} LIMIT 20"""


def membership_sources_query(nodes: Iterable[ox.NamedNode]) -> str:
    """The graph (source) that states each given membership's role."""
    return PREFIXES + f"""SELECT ?m ?g ?doc ?title WHERE {{ {describe.values("m", nodes)}
  GRAPH ?g {{ ?m org:role ?role }}
  OPTIONAL {{ ?g prov:wasDerivedFrom ?doc OPTIONAL {{ ?doc dct:title ?title }} }}
}}"""


@dataclass(frozen=True)
class Place:
    place: view.Link | None
    country: str
    code: str
    country_href: str | None
    wikidata: str


def place(store: Store, iri: str, linker: view.Linker) -> Place | None:
    for row in store.query(place_query(), substitutions={"s": ox.NamedNode(iri)}):
        href, local = linker.href(row["place"].value)
        country = row["country"]
        return Place(
            view.Link(view.humanise(row["place"].value), href, row["place"].value, local),
            row["countryLabel"].value if row["countryLabel"] else "",
            row["code"].value if row["code"] else "",
            linker.href(country.value)[0] if country is not None else None,
            row["wikidata"].value if row["wikidata"] else "")
    return None


def role_rank(role: view.Link | None) -> int:
    """0 chair, 1 vice-chair, 2 member, 3 anything else (staff contact, officer …)."""
    if role is None:
        return 3
    return {"chair": 0, "vice-chair": 1, "member": 2}.get(charts.category(role.iri), 3)


def sorted_roles(rows: Sequence[view.RoleRow]) -> list[view.RoleRow]:
    """Chair first, then vice-chair, then members, then other roles; earliest first within."""
    return sorted(rows, key=lambda r: (role_rank(r.role), r.begin or "9999",
                                       r.member.label if r.member else ""))


def with_sources(store: Store, rows: Sequence[view.RoleRow], lab: view.Labeller
                 ) -> list[view.RoleRow]:
    """Each row with the source document (or graph) its role is stated in (one query for the
    rows of the page)."""
    found: dict[str, view.Link] = {}
    nodes = [ox.NamedNode(r.node) for r in rows if r.node]
    for row in store.query(membership_sources_query(nodes)) if nodes else ():
        key = row["m"].value
        if row["doc"] is not None:
            link = lab.link(row["doc"])
            title = row["title"].value if row["title"] is not None else link.label
            found[key] = view.Link(title, link.href, link.iri, link.local)
        else:
            found.setdefault(key, view.Link(view.humanise(row["g"].value), None, row["g"].value))
    return [replace(r, source=found.get(r.node)) for r in rows]


def without_memberships(incoming: Sequence[view.Group], memberships: Sequence
                        ) -> list[view.Group]:
    """Incoming links minus the memberships the roles table already shows."""
    shown = {m.node.value for m in memberships}
    kept = []
    for group in incoming:
        values = [v for v in group.values if not (v.link and v.link.iri in shown)]
        if values:
            kept.append(view.Group(group.label, group.iri, values))
    return kept


#: Charts read every membership they draw, so a page draws them only up to these sizes (a
#: group's or city's own memberships; the whole dataset for a network's charts and the home
#: page's); past them the page says so and links the named query instead.
CHART_MEMBERSHIPS = 2_000
CHART_TRIPLES = 250_000


@dataclass(frozen=True)
class Omitted:
    """A chart the page leaves out because drawing it would read too much."""

    query: str
    params: dict
    reason: str


def page_charts(store: Store, release: Release, iri: str, base: str, label: str,
                memberships: int) -> list:
    """The charts of a resource's page (cached per release): a group's roles per year, a
    network's structure and members per country, a city's groups over time; an
    :class:`Omitted` in their place past CHART_MEMBERSHIPS (``memberships``: how many link
    to the resource) or CHART_TRIPLES (for a network's)."""
    kind = kind_of(iri, base)
    too_many = f"more than {CHART_MEMBERSHIPS:,} memberships: not drawn on the page"
    if kind == "group":
        if memberships > CHART_MEMBERSHIPS:
            return [Omitted("chairs-over-time", {"group": iri}, too_many)]
        made = charts.cached(release.id, ("group", iri, label),
                             lambda: charts.for_group(store, iri, label))
        return [made] if made else []
    if kind == "network":
        if release.triples > CHART_TRIPLES:
            return [Omitted("network-structure", {"network": iri}, network_reason())]
        return charts.cached(release.id, ("network", iri, label),
                             lambda: charts.for_networks(store, iri, label))
    if kind == "city":
        if memberships > CHART_MEMBERSHIPS:
            return [Omitted("groups-of-city", {"city": iri}, too_many)]
        made = charts.cached(release.id, ("city", iri, label),
                             lambda: charts.for_city(store, iri, label))
        return [made] if made else []
    return []


def network_reason() -> str:
    return (f"the dataset has more than {CHART_TRIPLES:,} triples: the network charts are not "
            "drawn on the page")


def home_charts(store: Store, release: Release) -> list:
    """The home page's charts (every network), within the same bound as a network's page."""
    if release.triples > CHART_TRIPLES:
        return [Omitted("network-structure", {}, network_reason())]
    return charts.cached(release.id, ("home",),
                         lambda: charts.for_networks(store, None, "every network"))
