"""Run one user query and serialise its result, in the format the client negotiated.

The web layer hands a query here and gets bytes back; it never touches the store for user
queries. The query form (SELECT/ASK vs CONSTRUCT/DESCRIBE) is only known once the query is
parsed, so the caller offers one results format and one RDF format and the runner picks.

Every path goes through :func:`service.sparql.guard.check_query` first (size, updates, SERVICE,
FROM), and :func:`execute` enforces the result limits. The time limit needs a process that can
be killed: see :mod:`service.sparql.pool`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pyoxigraph as ox

from service import media
from service.media import RdfMedia, ResultsMedia
from service.sparql.guard import GuardError, check_query
from service.store.base import Store
from service.store.release import NoRelease


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
    """Result limits: rows (solutions or triples) and serialised bytes; None = unlimited."""

    max_rows: int | None = None
    max_bytes: int | None = None

    @classmethod
    def from_settings(cls, settings) -> Limits:
        return cls(max_rows=settings.max_rows, max_bytes=settings.max_result_bytes)


class Runner(Protocol):
    def run(self, request: QueryRequest) -> QueryOutcome: ...


RESULT_LIMIT_STATUS = 400


class _LimitHit(Exception):
    pass


class _BoundedBuffer:
    """A write-only buffer that refuses to grow past ``limit`` bytes (stops serialisation)."""

    def __init__(self, limit: int | None) -> None:
        self._chunks: list[bytes] = []
        self._size = 0
        self._limit = limit

    def write(self, data: bytes) -> int:
        self._size += len(data)
        if self._limit is not None and self._size > self._limit:
            raise _LimitHit(f"result limit of {self._limit} bytes exceeded")
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self._chunks)


def _rows_limited(triples: Iterable[ox.Triple], max_rows: int | None) -> Iterator[ox.Triple]:
    for count, triple in enumerate(triples, start=1):
        if max_rows is not None and count > max_rows:
            raise _LimitHit(f"result limit of {max_rows} rows exceeded")
        yield triple


#: Per results format, a byte pattern whose count bounds the rows from above: literals are
#: escaped in XML (``&lt;``) and TSV (``\n``), so those counts are exact; a JSON or CSV literal
#: may contain the pattern, which only over-counts.
_ROW_MARKS = {media.SPARQL_JSON: (b"},{", 1), media.SPARQL_XML: (b"<result>", 0),
              media.SPARQL_TSV: (b"\n", -1), media.SPARQL_CSV: (b"\n", -1)}


def _rows_at_most(body: bytes, fmt: media.ResultsMedia) -> int:
    """An upper bound of the rows of a serialised SELECT result, without parsing it."""
    mark, offset = _ROW_MARKS[fmt]
    return body.count(mark) + offset


def _count_solutions(body: bytes, fmt: media.ResultsMedia) -> int:
    """Rows of a serialised SELECT result. pyoxigraph cannot read CSV results back (the
    format is lossy), so CSV rows are counted with a CSV reader (quoted newlines included)."""
    if fmt is media.SPARQL_CSV:
        return max(0, sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8")))) - 1)
    return sum(1 for _ in ox.parse_query_results(body, fmt.format))


def _over_row_limit(body: bytes, fmt: media.ResultsMedia, max_rows: int) -> bool:
    """Parse the result to count its rows only when the cheap upper bound exceeds the limit."""
    return _rows_at_most(body, fmt) > max_rows and _count_solutions(body, fmt) > max_rows


def _too_big(message: str) -> QueryRejected:
    return QueryRejected(
        RESULT_LIMIT_STATUS, f"{message}; add LIMIT or narrow the query (or use the dumps)"
    )


_ERROR_AT = re.compile(r"\berror at (\d+):(\d+)")


def with_base(query: str, base_iri: str | None) -> str:
    """``query`` with ``base_iri`` declared first, on the same line, so relative IRIs resolve
    (the SPARQL Protocol leaves the base to the service). A ``BASE`` in the query still wins,
    resolved against this one."""
    return f"BASE <{base_iri}> {query}" if base_iri else query


def _syntax_message(exc: SyntaxError, query: str, base_iri: str | None) -> str:
    """The parser's message with positions in the client's own text (without the BASE)."""
    shift = len(with_base("", base_iri))

    def back(match: re.Match) -> str:
        line, column = int(match.group(1)), int(match.group(2))
        return f"error at {line}:{column - shift if line == 1 else column}"

    return _ERROR_AT.sub(back, str(exc)) if shift else str(exc)


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


def execute(store: Store, request: QueryRequest, limits: Limits | None = None) -> QueryOutcome:
    """Run and serialise in this process (the executor processes call this too).

    Graphs named by ``default-graph-uri``/``named-graph-uri`` or ``FROM`` that the dataset
    lacks are empty graphs: the store evaluates them without fetching anything.
    """
    limits = limits or Limits()
    try:
        result = store.query(
            with_base(request.query, request.base_iri),
            default_graphs=list(request.default_graphs) or None,
            named_graphs=list(request.named_graphs) or None,
            substitutions=parse_terms(request.bindings) or None,
        )
    except SyntaxError as exc:
        raise QueryRejected(
            400, f"malformed query: {_syntax_message(exc, request.query, request.base_iri)}"
        ) from None
    buffer = _BoundedBuffer(limits.max_bytes)
    try:
        if not isinstance(result, ox.QuerySolutions | ox.QueryBoolean):  # triples, any iterator
            if request.rdf_format is None:
                raise QueryRejected(406, "a CONSTRUCT or DESCRIBE query needs an RDF format")
            ox.serialize(_rows_limited(result, limits.max_rows), buffer,
                         format=request.rdf_format.format)
            return QueryOutcome(buffer.getvalue(), request.rdf_format.media_type, "graph")
        if request.results_format is None:
            raise QueryRejected(406, "a SELECT or ASK query needs a SPARQL results format")
        kind = "boolean" if isinstance(result, ox.QueryBoolean) else "solutions"
        result.serialize(buffer, format=request.results_format.format)
        body = buffer.getvalue()
        if (kind == "solutions" and limits.max_rows is not None
                and _over_row_limit(body, request.results_format, limits.max_rows)):
            raise _LimitHit(f"result limit of {limits.max_rows} rows exceeded")
        return QueryOutcome(body, request.results_format.media_type, kind)
    except _LimitHit as exc:
        raise _too_big(str(exc)) from None


def guard(request: QueryRequest, settings, store: Store | None) -> None:
    """The static checks every query passes before execution (raises QueryRejected).

    Graph names are not checked against the dataset: one it lacks is an empty graph."""
    if store is not None:
        try:
            store.release()
        except NoRelease as exc:
            raise QueryRejected(503, f"no dataset is published: {exc}") from None
    try:
        check_query(request.query, allowlist=settings.service_allowlist,
                    max_bytes=settings.max_query_bytes)
    except GuardError as exc:
        raise QueryRejected(exc.status, exc.message) from None


class InProcessRunner:
    """Runs queries in the calling thread: guarded and result-limited, but no time limit
    (used by the CLI, unit tests and the remote backend, whose server bounds its own time)."""

    def __init__(self, store: Store, settings=None) -> None:
        self._store = store
        self._settings = settings

    def run(self, request: QueryRequest) -> QueryOutcome:
        if self._settings is None:
            return execute(self._store, request)
        guard(request, self._settings, self._store)
        return execute(self._store, request, Limits.from_settings(self._settings))


def make_runner(settings, store: Store) -> Runner:
    """The runner the web application uses for user queries: killable processes when the
    store is embedded, in-process (guarded, result-limited) for a remote store."""
    if settings.backend == "embedded":
        from service.sparql.pool import ProcessRunner

        return ProcessRunner(settings, store)
    return InProcessRunner(store, settings)
