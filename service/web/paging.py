"""Pages of a resource's incoming links: which slice of which property a page holds, and how
a page says where the others are (counts, first/previous/next/last, in HTML and in Hydra).

Why pages: a group with tens of thousands of members has as many incoming links, and a page
that listed them all (or sorted them all to pick a few) would cost work in proportion to the
data, not to what it shows. The links are ordered by property (other links first, then the
memberships, which the roles table shows), and within a property in the store's own index
order, which is stable for a published release; each page is one bounded LIMIT/OFFSET query
per property it touches, the counts one GROUP BY over the resource's own links.

Pure functions: the route parses the page number, :mod:`service.web.describe` runs the
queries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyoxigraph as ox

from service.namespaces import PREFIXES, RDF_TYPE

ORG = PREFIXES["org"]
HYDRA = PREFIXES["hydra"]
#: Incoming links from memberships: the roles table shows them, after every other link.
MEMBERSHIP_PREDICATES = (ORG + "member", ORG + "organization")
#: The largest page number accepted (a bound on OFFSET, whatever the page size).
MAX_PAGE = 1_000_000


class BadPage(ValueError):
    """A page parameter that is not a page of this resource (the route answers 400)."""


def parse_page(value: str | None) -> int:
    """The 1-based page number of ``?page=``; 1 when absent. BadPage when not a whole number
    from 1 to MAX_PAGE."""
    if value is None:
        return 1
    text = value.strip()
    if not text.isdigit() or not text.isascii():
        raise BadPage(f"page must be a whole number from 1, not {value[:40]!r}")
    page = int(text)
    if not 1 <= page <= MAX_PAGE:
        raise BadPage(f"page must be between 1 and {MAX_PAGE}")
    return page


def ordered(counts: dict[str, int]) -> tuple[tuple[str, int], ...]:
    """(property, count) in page order: other properties by IRI, then the membership ones."""
    def key(item: tuple[str, int]) -> tuple[int, str]:
        prop = item[0]
        return (MEMBERSHIP_PREDICATES.index(prop) + 1 if prop in MEMBERSHIP_PREDICATES else 0,
                prop)
    return tuple(sorted(((p, n) for p, n in counts.items() if n > 0), key=key))


@dataclass(frozen=True)
class Slice:
    """Links of one property on a page: ``limit`` of them after skipping ``offset``."""

    predicate: str
    offset: int
    limit: int


@dataclass(frozen=True)
class Pager:
    """Page ``page`` of ``size`` incoming links, over ``counts`` (property, count) in order."""

    counts: tuple[tuple[str, int], ...]
    size: int
    page: int = 1

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size)) if self.size > 0 else 1

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None

    def count(self, predicate: str) -> int:
        return dict(self.counts).get(predicate, 0)

    @property
    def roles(self) -> int:
        """How many memberships link here (the rows of the roles table, on every page)."""
        return sum(self.count(p) for p in MEMBERSHIP_PREDICATES)

    def check(self) -> Pager:
        """This pager, or BadPage when the page lies beyond the last one."""
        if self.page > self.pages:
            raise BadPage(f"page {self.page} does not exist: the incoming links fill "
                          f"{self.pages} page{'s' if self.pages > 1 else ''} of {self.size}")
        return self

    def slices(self) -> list[Slice]:
        """The (property, offset, limit) runs that make up this page, in page order."""
        if self.size <= 0:
            return []
        start, end = (self.page - 1) * self.size, self.page * self.size
        runs, before = [], 0
        for predicate, n in self.counts:
            lo, hi = max(start, before), min(end, before + n)
            if lo < hi:
                runs.append(Slice(predicate, lo - before, hi - lo))
            before += n
            if before >= end:
                break
        return runs


def hydra_triples(collection: str, view: str, pager: Pager) -> list[ox.Triple]:
    """The paging controls of an RDF document, as Linked Data Fragments write them: the
    document (``collection``) is a hydra:Collection of ``total`` incoming links and this page
    (``view``, whose URL takes ``?page=N``) a hydra:PartialCollectionView with first, last,
    previous and next pages. Nothing for a resource whose links fit on one page."""
    if pager.pages <= 1:
        return []
    doc, here = ox.NamedNode(collection), ox.NamedNode(f"{view}?page={pager.page}")

    def page(n: int) -> ox.NamedNode:
        return ox.NamedNode(f"{view}?page={n}")

    def h(term: str) -> ox.NamedNode:
        return ox.NamedNode(HYDRA + term)

    integer = ox.NamedNode(PREFIXES["xsd"] + "integer")
    triples = [
        ox.Triple(doc, ox.NamedNode(RDF_TYPE), h("Collection")),
        ox.Triple(doc, h("totalItems"), ox.Literal(str(pager.total), datatype=integer)),
        ox.Triple(doc, h("view"), here),
        ox.Triple(here, ox.NamedNode(RDF_TYPE), h("PartialCollectionView")),
        ox.Triple(here, h("first"), page(1)),
        ox.Triple(here, h("last"), page(pager.pages)),
    ]
    if pager.previous is not None:
        triples.append(ox.Triple(here, h("previous"), page(pager.previous)))
    if pager.next is not None:
        triples.append(ox.Triple(here, h("next"), page(pager.next)))
    return triples
