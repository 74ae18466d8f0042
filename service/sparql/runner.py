"""Run one user query and serialise its result, in the format the client negotiated.

The web layer hands a query here and gets bytes back; it never touches the store for user
queries. The query form (SELECT/ASK vs CONSTRUCT/DESCRIBE) is only known once the query is
parsed, so the caller offers one results format and one RDF format and the runner picks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pyoxigraph as ox

from service.media import RdfMedia, ResultsMedia
from service.store.base import Store


class QueryRejected(Exception):
    """The query cannot be run: malformed (400), refused (403) or over a limit (503/413)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class QueryRequest:
    query: str
    results_format: ResultsMedia | None
    rdf_format: RdfMedia | None
    default_graphs: Sequence[str] = field(default_factory=tuple)
    named_graphs: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class QueryOutcome:
    body: bytes
    media_type: str
    kind: str  # "solutions", "boolean" or "graph"


class Runner(Protocol):
    def run(self, request: QueryRequest) -> QueryOutcome: ...


def execute(store: Store, request: QueryRequest) -> QueryOutcome:
    """Run and serialise in this process (the executor processes call this too)."""
    try:
        result = store.query(
            request.query,
            default_graphs=list(request.default_graphs) or None,
            named_graphs=list(request.named_graphs) or None,
        )
    except SyntaxError as exc:
        raise QueryRejected(400, f"malformed query: {exc}") from None
    if isinstance(result, ox.QueryTriples):
        if request.rdf_format is None:
            raise QueryRejected(406, "a CONSTRUCT or DESCRIBE query needs an RDF format")
        body = ox.serialize(result, format=request.rdf_format.format)
        return QueryOutcome(body, request.rdf_format.media_type, "graph")
    if request.results_format is None:
        raise QueryRejected(406, "a SELECT or ASK query needs a SPARQL results format")
    kind = "boolean" if isinstance(result, ox.QueryBoolean) else "solutions"
    body = result.serialize(format=request.results_format.format)
    return QueryOutcome(body, request.results_format.media_type, kind)


class InProcessRunner:
    """Runs queries in the calling thread: no time limit (used by the CLI and unit tests)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def run(self, request: QueryRequest) -> QueryOutcome:
        return execute(self._store, request)


def make_runner(settings, store: Store) -> Runner:
    """The runner the web application uses for user queries."""
    return InProcessRunner(store)
