"""What crosses from the web layer to a runner and back: the request, its outcome, the
limits, and bound terms in a form that crosses process boundaries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pyoxigraph as ox

from service import media
from service.media import RdfMedia, ResultsMedia


@dataclass(frozen=True)
class QueryRequest:
    query: str
    results_format: ResultsMedia | None
    rdf_format: RdfMedia | None
    default_graphs: Sequence[str] = field(default_factory=tuple)
    named_graphs: Sequence[str] = field(default_factory=tuple)
    #: variable name -> RDF term in N-Triples syntax (named-query parameters, bound as terms)
    bindings: Mapping[str, str] = field(default_factory=dict)
    #: the base relative IRIs in the query resolve against (the endpoint's own IRI)
    base_iri: str | None = None

    def to_wire(self) -> dict:
        """A picklable form (pyoxigraph format objects do not cross process boundaries)."""
        return {
            "query": self.query,
            "results": self.results_format.media_type if self.results_format else None,
            "rdf": self.rdf_format.media_type if self.rdf_format else None,
            "default_graphs": list(self.default_graphs),
            "named_graphs": list(self.named_graphs),
            "bindings": dict(self.bindings),
            "base_iri": self.base_iri,
        }

    @classmethod
    def from_wire(cls, wire: dict) -> QueryRequest:
        results = next((m for m in media.RESULTS_FORMATS if m.media_type == wire["results"]), None)
        return cls(
            query=wire["query"],
            results_format=results,
            rdf_format=media.rdf_by_media_type(wire["rdf"]) if wire["rdf"] else None,
            default_graphs=tuple(wire["default_graphs"]),
            named_graphs=tuple(wire["named_graphs"]),
            bindings=wire.get("bindings", {}),
            base_iri=wire.get("base_iri"),
        )


@dataclass(frozen=True)
class QueryOutcome:
    body: bytes
    media_type: str
    kind: str  # "solutions", "boolean" or "graph"


@dataclass(frozen=True)
class Limits:
    """Result limits: rows (solutions or triples) and serialised bytes, and the memory an
    executor process may take (applied by :mod:`service.sparql.pool`); None = unlimited."""

    max_rows: int | None = None
    max_bytes: int | None = None
    max_memory: int | None = None

    @classmethod
    def from_settings(cls, settings) -> Limits:
        return cls(max_rows=settings.max_rows, max_bytes=settings.max_result_bytes,
                   max_memory=settings.query_memory or None)


class Runner(Protocol):
    def run(self, request: QueryRequest) -> QueryOutcome: ...


def term_text(term: ox.NamedNode | ox.Literal) -> str:
    """An RDF term in N-Triples syntax (escaped by pyoxigraph), to cross process boundaries."""
    return str(term)


def parse_terms(bindings: Mapping[str, str]) -> dict[str, ox.NamedNode | ox.Literal]:
    """Variable name -> term, from N-Triples term texts (the inverse of :func:`term_text`)."""
    if not bindings:
        return {}
    names = sorted(bindings)
    lines = "".join(f"<urn:x-bind:{n}> <urn:x-bind:v> {bindings[n]} .\n" for n in names)
    triples = ox.parse(lines.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return {t.subject.value.removeprefix("urn:x-bind:"): t.object for t in triples}
