"""A query's answer as a table a person reads: one page of rows, IRIs as labelled links,
literals with their language or datatype, CONSTRUCT/DESCRIBE as subject-predicate-object rows.

The runner hands back serialised bytes (SPARQL JSON for solutions, N-Triples for graphs), so
the page shows exactly what a download of the same query holds. These functions are pure
except :func:`labels_for`, which asks the store for the labels of the IRIs on the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from service import media
from service.namespaces import LABEL_PROPERTIES, data_prefixes
from service.store.base import Store
from service.web import view

#: Rows shown on one page of results.
PAGE_SIZE = 100
#: Where pyoxigraph's parser says a syntax error is: ``error at 3:9: …`` (1-based).
_POSITION = re.compile(r"error at (\d+):(\d+)")


@dataclass(frozen=True)
class Cell:
    """One RDF term as shown: text, where it links to, and a note (language, datatype, kind)."""

    text: str
    href: str | None = None
    iri: str | None = None
    note: str = ""
    kind: str = "literal"  # "iri", "literal", "bnode", "triple" or "" (unbound)


@dataclass
class Table:
    """One page of an answer: column names, rows of cells, and where the page sits."""

    kind: str  # "solutions", "boolean" or "graph"
    columns: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    boolean: bool | None = None

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.page - 1) * PAGE_SIZE + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * PAGE_SIZE)


@dataclass(frozen=True)
class ErrorPosition:
    """The line and column (1-based) a syntax error points at, and the line's text."""

    line: int
    column: int
    text: str


def error_position(message: str, query: str) -> ErrorPosition | None:
    """Where in ``query`` a parser message points, when it says (None otherwise)."""
    found = _POSITION.search(message)
    if not found:
        return None
    line, column = int(found.group(1)), int(found.group(2))
    lines = query.splitlines() or [""]
    if not 1 <= line <= len(lines) + 1:
        return None
    return ErrorPosition(line, column, lines[line - 1] if line <= len(lines) else "")


def read_answer(body: bytes, media_type: str) -> tuple[str, list[str], list[list]]:
    """(kind, columns, rows of terms) from a runner's serialised outcome."""
    if media_type == media.SPARQL_JSON.media_type:
        result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if isinstance(result, ox.QueryBoolean):
            return "boolean", [], [[bool(result)]]
        columns = [v.value for v in result.variables]
        return "solutions", columns, [[s[c] for c in columns] for s in result]
    fmt = media.rdf_by_media_type(media_type)
    if fmt is None:
        raise ValueError(f"cannot tabulate {media_type}")
    rows = [[t.subject, t.predicate, t.object] for t in ox.parse(body, format=fmt.format)]
    return "graph", ["subject", "predicate", "object"], rows


def page_of(rows: Sequence, page: int) -> tuple[int, int, Sequence]:
    """(page, pages, rows of that page); a page past the end shows the last one."""
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(1, page), pages)
    return page, pages, rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]


def iris_in(rows: Iterable[Sequence]) -> list[str]:
    """Every IRI in the rows, once, in order of appearance."""
    seen: dict[str, None] = {}
    for row in rows:
        for term in row:
            if isinstance(term, ox.NamedNode):
                seen.setdefault(term.value, None)
    return list(seen)


def labels_query(iris: Sequence[str]) -> str:
    """Labels of the given IRIs (bound by VALUES, each IRI escaped by pyoxigraph)."""
    values = " ".join(str(ox.NamedNode(i)) for i in iris)
    props = ", ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    return (f"SELECT ?x ?lp ?l WHERE {{ VALUES ?x {{ {values} }} ?x ?lp ?l "
            f"FILTER(?lp IN ({props}) && isLiteral(?l)) }}")


def labels_for(store: Store, iris: Sequence[str]) -> dict[ox.NamedNode, list]:
    """(property, literal) label candidates of each IRI, as :class:`view.Labeller` reads them."""
    labels: dict[ox.NamedNode, list] = {}
    if not iris:
        return labels
    for row in store.query(labels_query(iris)):
        labels.setdefault(row["x"], []).append((row["lp"].value, row["l"]))
    return labels


def short(iri: str, base: str) -> str:
    """A prefixed name for an IRI (the dataset's own as ``id:city/riga``), else the IRI."""
    for prefix, ns in data_prefixes(base).items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def cell(term, lab: view.Labeller) -> Cell:
    """How one term (or an unbound value) is shown."""
    if term is None:
        return Cell("", kind="")
    if isinstance(term, ox.NamedNode):
        href, _ = lab.linker.href(term.value)
        has_label = bool(lab.labels.get(term))
        name = short(term.value, lab.linker.base)
        return Cell(lab.label(term) if has_label else name, href, term.value,
                    name if has_label else "", "iri")
    if isinstance(term, ox.Literal):
        if term.language:
            return Cell(term.value, note="@" + term.language)
        return Cell(term.value, note=lab.value(term).note)
    if isinstance(term, ox.BlankNode):
        return Cell(f"_:{term.value}", kind="bnode")
    if isinstance(term, bool):
        return Cell("true" if term else "false", note="xsd:boolean")
    return Cell(str(term), kind="triple")


def tabulate(body: bytes, media_type: str, page: int, store: Store, linker: view.Linker,
             languages: Sequence[str]) -> Table:
    """The table for one page of a serialised answer, with the labels of its IRIs."""
    kind, columns, rows = read_answer(body, media_type)
    if kind == "boolean":
        return Table("boolean", total=1, boolean=rows[0][0])
    page, pages, shown = page_of(rows, page)
    lab = view.Labeller(labels_for(store, iris_in(shown)), languages, linker)
    return Table(kind, columns, [[cell(t, lab) for t in row] for row in shown], len(rows),
                 page, pages)
