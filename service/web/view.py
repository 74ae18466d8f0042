"""Turn RDF terms into what a page shows: best labels, links, grouped properties, role rows.

Pure functions over the facts from :mod:`service.web.describe`; the templates only print
the result (and Jinja escapes every string).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from service.namespaces import LABEL_PROPERTIES, PREFIXES, RDF_TYPE, VOCAB
from service.web.describe import Facts
from service.web.negotiate import language_rank


@dataclass(frozen=True)
class Link:
    """A node as a page shows it: its label, where to follow it, and its IRI."""

    label: str
    href: str | None
    iri: str
    local: bool = False


@dataclass(frozen=True)
class Value:
    """An object of a property: a link, or a literal with its language or datatype."""

    text: str
    link: Link | None = None
    note: str = ""


@dataclass
class Group:
    label: str
    iri: str
    values: list[Value] = field(default_factory=list)


@dataclass(frozen=True)
class RoleRow:
    member: Link | None
    organization: Link | None
    role: Link | None
    begin: str
    end: str
    node: str = ""  # the org:Membership IRI
    source: Link | None = None  # the document (or graph) that states the role


class Linker:
    """Maps IRIs to hrefs: the dataset's things to their /doc pages, vocabulary terms to /def."""

    def __init__(self, base: str, root: str = "/") -> None:
        self.base = base
        self.root = root if root.endswith("/") else root + "/"

    def href(self, iri: str) -> tuple[str | None, bool]:
        if iri.startswith(self.base + "id/"):
            return self.root + "doc/" + iri[len(self.base) + 3:], True
        if iri.startswith(VOCAB):
            return self.root + "def#" + iri[len(VOCAB):], True
        if iri.startswith(self.base):
            return self.root + iri[len(self.base):], True
        if iri.startswith(("http://", "https://")):
            return iri, False
        return None, False


def curie(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def humanise(iri: str) -> str:
    """A readable name from an IRI's local part: ``memberDuring`` -> ``member during``."""
    local = re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).replace("_", " ").replace("-", " ")
    return words.strip().lower() if not words.isupper() else words


def best_label(candidates: Sequence[tuple[str, ox.Literal]], languages: Sequence[str]
               ) -> str | None:
    """The label to show: preferred language first (then English), then property order."""
    if not candidates:
        return None

    def key(item: tuple[str, ox.Literal]):
        prop, literal = item
        order = LABEL_PROPERTIES.index(prop) if prop in LABEL_PROPERTIES else len(LABEL_PROPERTIES)
        return (language_rank(languages, literal.language), order, literal.value)

    return min(candidates, key=key)[1].value


class Labeller:
    def __init__(self, labels: dict, languages: Sequence[str], linker: Linker) -> None:
        self.labels = labels
        self.languages = languages
        self.linker = linker

    def label(self, node) -> str:
        found = best_label(self.labels.get(node, []), self.languages)
        if found:
            return found
        return humanise(node.value) if isinstance(node, ox.NamedNode) else str(node)

    def link(self, node) -> Link | None:
        if not isinstance(node, ox.NamedNode):
            return None
        href, local = self.linker.href(node.value)
        return Link(self.label(node), href, node.value, local)

    def value(self, term) -> Value:
        if isinstance(term, ox.NamedNode):
            link = self.link(term)
            return Value(link.label if link else term.value, link)
        if isinstance(term, ox.Literal):
            if term.language:
                return Value(term.value, note=term.language)
            datatype = term.datatype.value
            plain = datatype.endswith(("#string", "#langString"))
            return Value(term.value, note="" if plain else curie(datatype))
        return Value(str(term))


def outgoing(facts: Facts, lab: Labeller) -> tuple[list[Link], list[Group]]:
    """The types of the resource, and its other properties grouped by property."""
    types: list[Link] = []
    groups: dict[str, Group] = {}
    for t in facts.triples:
        if t.subject != facts.iri:
            continue
        if t.predicate.value == RDF_TYPE:
            link = lab.link(t.object)
            if link:
                types.append(link)
            continue
        group = groups.setdefault(t.predicate.value, Group(lab.label(t.predicate), t.predicate.value))
        group.values.append(lab.value(t.object))
    ordered = sorted(groups.values(), key=lambda g: (g.iri not in LABEL_PROPERTIES, g.label))
    for g in ordered:
        g.values.sort(key=lambda v: (v.note, v.text))
    return sorted(types, key=lambda link: link.label), ordered


def incoming(facts: Facts, lab: Labeller) -> list[Group]:
    """Links towards the resource, grouped by property."""
    groups: dict[str, Group] = {}
    for t in facts.triples:
        if t.object != facts.iri or t.subject == facts.iri:
            continue
        group = groups.setdefault(t.predicate.value, Group(lab.label(t.predicate), t.predicate.value))
        group.values.append(lab.value(t.subject))
    for g in groups.values():
        g.values.sort(key=lambda v: v.text)
    return sorted(groups.values(), key=lambda g: g.label)


def role_rows(facts: Facts, lab: Labeller) -> list[RoleRow]:
    """One row per dated (or undated) role, earliest first."""
    rows = [RoleRow(lab.link(m.member), lab.link(m.organization), lab.link(m.role),
                    m.begin.value if m.begin else "", m.end.value if m.end else "",
                    m.node.value)
            for m in facts.memberships]
    return sorted(rows, key=lambda r: (r.begin or "9999", r.role.label if r.role else "",
                                      r.member.label if r.member else ""))


def title(facts: Facts, lab: Labeller) -> str:
    return lab.label(facts.iri)
