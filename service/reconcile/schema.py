"""What the reconciliation service offers: its types and its properties (plain data).

Type ids are the *kind* of a thing, the first segment after ``id/`` in its IRI (``city``,
``group`` …), because the dataset's classes cannot tell the kinds apart: a working group, a
forum and an impact community are all ``org:OrganizationalUnit``, and only two networks are
``org:FormalOrganization``. Class IRIs are accepted as type ids too and stand for the kinds
that carry them (:data:`CLASS_KINDS`). Entity ids are the IRI after ``id/``
(``city/barcelona``): short, independent of the base IRI, and ``{base}id/{id}`` is the IRI.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.namespaces import PREFIXES, VOCAB


@dataclass(frozen=True)
class Kind:
    id: str
    name: str
    description: str


KINDS: tuple[Kind, ...] = (
    Kind("city", "City", "A city as an agent: the municipal authority that joins networks "
         "(org:Organization, cv:PublicOrganisation)"),
    Kind("group", "Working group", "A working group of a network, under a forum, an impact "
         "community or the network itself (org:OrganizationalUnit)"),
    Kind("network", "Network", "A city network such as Eurocities or CEMR, or another network "
         "the sources name (org:Organization)"),
    Kind("forum", "Forum", "A forum of a network (org:OrganizationalUnit)"),
    Kind("community", "Impact community", "An impact community of CEMR (org:OrganizationalUnit)"),
    Kind("person", "Person", "A person the sources name (foaf:Person)"),
    Kind("country", "Country", "A country, with its ISO 3166-1 alpha-2 code (schema:Country)"),
    Kind("place", "Place", "The territory a city governs, with its country and verified "
         "Wikidata link (schema:City)"),
    Kind("project", "Project", "A project or funding scheme (org:OrganizationalCollaboration)"),
    Kind("event", "Event", "An event such as a conference (schema:Event)"),
    Kind("charter", "Charter", "A charter cities sign (cn:Charter)"),
)
KIND_BY_ID = {k.id: k for k in KINDS}

#: Kinds searched when a query names no type: a place repeats its city's names.
UNTYPED_KINDS = frozenset(k.id for k in KINDS if k.id != "place")

_org, _schema = PREFIXES["org"], PREFIXES["schema"]
CLASS_KINDS: dict[str, frozenset[str]] = {
    PREFIXES["cv"] + "PublicOrganisation": frozenset({"city"}),
    _org + "Organization": frozenset({"city", "group", "network", "forum", "community",
                                      "project"}),
    _org + "OrganizationalUnit": frozenset({"group", "forum", "community"}),
    _org + "FormalOrganization": frozenset({"network"}),
    _org + "OrganizationalCollaboration": frozenset({"project"}),
    PREFIXES["foaf"] + "Person": frozenset({"person"}),
    _schema + "Country": frozenset({"country"}),
    _schema + "City": frozenset({"place"}),
    _schema + "Event": frozenset({"event"}),
    VOCAB + "Charter": frozenset({"charter"}),
}


def kinds_of(type_id: str) -> frozenset[str]:
    """The kinds a type id stands for (empty for an unknown type)."""
    if type_id in KIND_BY_ID:
        return frozenset({type_id})
    return CLASS_KINDS.get(type_id, frozenset())


@dataclass(frozen=True)
class Property:
    id: str
    name: str
    description: str
    kinds: frozenset[str]  # the kinds that have it (for proposals and data extension)


_ALL = frozenset(k.id for k in KINDS)
_CITYLIKE = frozenset({"city", "place"})
_UNITS = frozenset({"group", "forum", "community"})

PROPERTIES: tuple[Property, ...] = (
    Property("country", "Country code", "ISO 3166-1 alpha-2 code (DE, GB, GR); in a query also "
             "a country's IRI, id or English name", _CITYLIKE | {"country"}),
    Property("wikidata", "Wikidata QID", "The Wikidata item of the city's place (verified links "
             "only); in a query a QID or a Wikidata entity IRI, decisive when equal",
             _CITYLIKE),
    Property("name_en", "Name in English", "The English name", _ALL),
    Property("name_local", "Name in own language", "The city's name in its own language "
             "(München, Göteborg)", _CITYLIKE),
    Property("country_entity", "Country", "The country, as an entity of this service",
             _CITYLIKE),
    Property("place", "Place", "The territory the city governs, as an entity of this service",
             frozenset({"city"})),
    Property("network", "Network", "The network a unit belongs to, as an entity of this service",
             _UNITS),
    Property("iri", "IRI", "The linked-data IRI of the entity", _ALL),
)
PROPERTY_BY_ID = {p.id: p for p in PROPERTIES}
#: Properties whose values are entities of this service (``{"id", "name"}``), not strings.
ENTITY_VALUED = frozenset({"country_entity", "place", "network"})
