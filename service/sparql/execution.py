"""Execution: run one user query and serialise its result, in the format the client negotiated.

The web layer hands a query here and gets bytes back; it never touches the store for user
queries. The query form (SELECT/ASK vs CONSTRUCT/DESCRIBE) is only known once the query is
parsed, so the caller offers one results format and one RDF format and the runner picks.

Every runner passes a query through :func:`service.sparql.guard.admit` first (size, updates,
SERVICE, FROM), and :func:`execute` enforces the result limits. The time limit needs a process that can
be killed: see :mod:`service.sparql.pool`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from service import media, rdfout
from service.media import RdfMedia
from service.namespaces import data_prefixes
from service.problems import Problem, limit
from service.sparql.request import Limits, QueryOutcome, QueryRequest, parse_terms
from service.store.base import Store
from service.store.context import release_context

RESULT_LIMIT_STATUS = 400


class _LimitHit(Exception):
    """Serialisation stopped at a result limit (``setting``, ``value``, ``unit``)."""

    def __init__(self, setting: str, value: int, unit: str) -> None:
        super().__init__(f"result limit of {value} {unit} exceeded")
        self.limit = limit(setting, value, unit)


class _BoundedBuffer:
    """A write-only buffer that refuses to grow past ``limit`` bytes (stops serialisation)."""

    def __init__(self, limit: int | None) -> None:
        self._chunks: list[bytes] = []
        self._size = 0
        self._limit = limit

    def write(self, data: bytes) -> int:
        self._size += len(data)
        if self._limit is not None and self._size > self._limit:
            raise _LimitHit("max_result_bytes", self._limit, "bytes")
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self._chunks)


def _rows_limited(triples: Iterable[ox.Triple], max_rows: int | None) -> Iterator[ox.Triple]:
    for count, triple in enumerate(triples, start=1):
        if max_rows is not None and count > max_rows:
            raise _LimitHit("max_rows", max_rows, "rows")
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


def _too_big(hit: _LimitHit) -> Problem:
    return Problem(RESULT_LIMIT_STATUS,
                   f"{hit}; add LIMIT or narrow the query (or use the dumps)", limit=hit.limit)


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


def graph_bytes(store: Store, triples: list[ox.Triple], fmt: RdfMedia) -> bytes:
    """A graph result in ``fmt``: Turtle with only the prefixes it uses, compact JSON-LD with
    the dataset's context (under the base the release was built for)."""
    base = store.release().base
    context = release_context(store, base) if fmt is media.JSON_LD else None
    return rdfout.triples(triples, fmt, data_prefixes(base), context)


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
        raise Problem(
            400, f"malformed query: {_syntax_message(exc, request.query, request.base_iri)}"
        ) from None
    buffer = _BoundedBuffer(limits.max_bytes)
    try:
        if not isinstance(result, ox.QuerySolutions | ox.QueryBoolean):  # triples, any iterator
            if request.rdf_format is None:
                raise Problem(406, "a CONSTRUCT or DESCRIBE query needs an RDF format")
            body = graph_bytes(store, list(_rows_limited(result, limits.max_rows)),
                               request.rdf_format)
            buffer.write(body)  # raises past the byte limit
            return QueryOutcome(body, request.rdf_format.media_type, "graph")
        if request.results_format is None:
            raise Problem(406, "a SELECT or ASK query needs a SPARQL results format")
        kind = "boolean" if isinstance(result, ox.QueryBoolean) else "solutions"
        result.serialize(buffer, format=request.results_format.format)
        body = buffer.getvalue()
        if (kind == "solutions" and limits.max_rows is not None
                and _over_row_limit(body, request.results_format, limits.max_rows)):
            raise _LimitHit("max_rows", limits.max_rows, "rows")
        return QueryOutcome(body, request.results_format.media_type, kind)
    except _LimitHit as exc:
        raise _too_big(exc) from None
