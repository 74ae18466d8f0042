"""The remote store: any SPARQL 1.1 server (Oxigraph server, Fuseki, GraphDB, Virtuoso) reached
through the SPARQL 1.1 Protocol, returning pyoxigraph results so callers cannot tell it from the
embedded store.

Four things differ from the embedded store and are handled here, explicitly:

- the *release record* lives in the server (:mod:`service.build.remote_load` publishes it):
  the latest record names the live release, its counts, base IRI, dumps folder and the graph
  holding its default graph. It is read again every ``remote_release_ttl`` seconds, so any
  number of web processes (replicas, each with its own ``var/`` or none) serve the same release
  with the same ETags, and a new release reaches all of them without a restart;
- the *dataset*: a query that names no graphs (no FROM, no ``default-graph-uri``) is sent with
  the release's default graph (the merge of its named graphs, a set) as ``default-graph-uri``
  and its named graphs as ``named-graph-uri``, so a reader sees exactly one release, and never
  a server's own graphs (Virtuoso's system graphs) nor its union default graph (a bag in
  Oxigraph server). When a query's default graph is made of several graphs (FROM,
  ``default-graph-uri``), the server computes it: Fuseki merges them into a set, Oxigraph
  server and Virtuoso repeat a triple per graph;
- *substitutions*: the protocol has no such parameter, so each variable is bound by a ``VALUES``
  block at the start of every WHERE group (:func:`bind_values`), never by splicing text;
- *dialects*: Virtuoso answers ASK in JSON as a one-column table (``__ASK_RETVAL``), which
  :func:`parse_response` turns into a boolean; its ``typed-literal`` JSON terms and lower-cased
  language tags are read by pyoxigraph as the same terms Oxigraph gives.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox
import requests

from service.lexer import QUERY_KEYWORDS, Token, positioned_tokens, tokens
from service.namespaces import RECORD, releases_graph
from service.store.base import QueryResult
from service.store.dataset import dataset_clauses
from service.store.release import NoRelease, Release

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"


class RemoteUnavailable(NoRelease):
    """The remote SPARQL server is unreachable, too slow or failing (the web layer answers 503)."""


class UpdateRefused(Exception):
    """The remote SPARQL server answered an update with an error: nothing of it may be assumed
    applied (see :mod:`service.build.remote_load` for how a publication stays whole)."""


def query_form(sparql: str) -> str:
    """SELECT, CONSTRUCT, DESCRIBE or ASK: the first query keyword (strings and IRIs skipped)."""
    for token in tokens(sparql):
        if token.kind == "word" and token.text.upper() in QUERY_KEYWORDS:
            return token.text.upper()
    return "SELECT"  # let the server report what is wrong with it


def _term(name: str, term: ox.NamedNode | ox.Literal) -> str:
    if not isinstance(term, ox.NamedNode | ox.Literal):
        raise ValueError(f"?{name}: only IRIs and literals can be bound, not {term!r}")
    return str(term)  # N-Triples syntax, escaped by pyoxigraph, valid SPARQL


def _group_after(toks: list[tuple[Token, int]], start: int) -> int | None:
    """Index of the ``{`` opening the WHERE clause of the form keyword at ``start`` when the
    keyword WHERE is left out (``ASK { … }``, ``SELECT * { … }``); None otherwise."""
    depth = 0
    for j in range(start + 1, len(toks)):
        tok = toks[j][0]
        if tok.text == "(":
            depth += 1
        elif tok.text == ")":
            depth -= 1
        elif depth == 0 and (tok.text == "}" or tok.text.upper() == "WHERE" and tok.kind == "word"):
            return None
        elif depth == 0 and tok.text == "{":
            return j
    return None


def _opening_brace(toks: list[tuple[Token, int]], closing: int) -> int | None:
    """Index of the ``{`` matching the ``}`` at ``closing`` (None if it is not one)."""
    if closing < 0 or toks[closing][0].text != "}":
        return None
    depth = 0
    for j in range(closing, -1, -1):
        text = toks[j][0].text
        if text == "}":
            depth += 1
        elif text == "{":
            depth -= 1
            if depth == 0:
                return j
    return None


def bind_values(query: str, substitutions: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """``query`` with each variable bound to its term by ``VALUES ?var { term }`` inserted right
    after the opening brace of every WHERE group (top level and sub-selects; the first group of
    an ASK, SELECT or DESCRIBE without the WHERE keyword) and of every branch of a UNION. The
    answers are those of the bound variable; the branches carry the binding because engines
    (Oxigraph) evaluate a branch whole before joining it with the group's VALUES, which for a
    branch like ``{ ?s ?p ?o }`` means reading every triple.

    A SPARQL lexer (:mod:`service.lexer`) finds the braces, so ``{`` or ``WHERE`` inside
    strings, IRIs and comments are never touched. Raises ValueError for a blank node or a
    ``CONSTRUCT WHERE { … }`` short form (whose pattern is also its template).
    """
    if not substitutions:
        return query
    block = " " + " ".join(
        f"VALUES ?{name.lstrip('?$')} {{ {_term(name, term)} }}"
        for name, term in sorted(substitutions.items())
    ) + " "
    toks = list(positioned_tokens(query))
    offsets: set[int] = set()
    for i, (tok, _) in enumerate(toks):
        word = tok.text.upper() if tok.kind == "word" else ""
        if word == "WHERE":
            prev = toks[i - 1][0] if i else None
            if prev is not None and prev.kind == "word" and prev.text.upper() == "CONSTRUCT":
                raise ValueError("cannot bind variables in a CONSTRUCT WHERE short form; "
                                 "write CONSTRUCT { template } WHERE { pattern }")
            if i + 1 < len(toks) and toks[i + 1][0].text == "{":
                offsets.add(toks[i + 1][1] + 1)
        elif word in ("SELECT", "ASK", "DESCRIBE"):
            j = _group_after(toks, i)
            if j is not None:
                offsets.add(toks[j][1] + 1)
        elif word == "UNION":  # each branch too: engines evaluate a branch before the join
            if i + 1 < len(toks) and toks[i + 1][0].text == "{":
                offsets.add(toks[i + 1][1] + 1)
            opening = _opening_brace(toks, i - 1)
            if opening is not None:
                offsets.add(toks[opening][1] + 1)
    for offset in sorted(offsets, reverse=True):
        query = query[:offset] + block + query[offset:]
    return query


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0][:300] if lines else "(no message)"


XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_BOOLEAN_TEXT = {"1": "true", "0": "false"}


def canonical_booleans_json(body: bytes) -> bytes:
    """JSON results with xsd:boolean in canonical form: Virtuoso stores ``true`` and answers
    ``"1"^^xsd:boolean``, a different RDF term from the ``"true"^^xsd:boolean`` it was sent."""
    if XSD_BOOLEAN.encode() not in body:
        return body
    data = json.loads(body)
    for row in data.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("datatype") == XSD_BOOLEAN and term.get("value") in _BOOLEAN_TEXT:
                term["value"] = _BOOLEAN_TEXT[term["value"]]
    return json.dumps(data).encode()


def canonical_booleans_triples(triples: list[ox.Triple]) -> list[ox.Triple]:
    """The triples with xsd:boolean objects in canonical form (see canonical_booleans_json)."""
    def fix(term):
        if (isinstance(term, ox.Literal) and term.datatype.value == XSD_BOOLEAN
                and term.value in _BOOLEAN_TEXT):
            return ox.Literal(_BOOLEAN_TEXT[term.value], datatype=term.datatype)
        return term
    return [ox.Triple(t.subject, t.predicate, fix(t.object)) for t in triples]


def parse_response(body: bytes, content_type: str, form: str) -> QueryResult:
    """pyoxigraph results from a server's answer: solutions or a boolean for SELECT/ASK, an
    iterator of triples for CONSTRUCT/DESCRIBE (whatever RDF format the server chose), with
    Virtuoso's answers normalised (see the module doc)."""
    media_type = content_type.split(";")[0].strip().lower()
    if form in ("CONSTRUCT", "DESCRIBE"):
        fmt = ox.RdfFormat.from_media_type(media_type) or ox.RdfFormat.N_TRIPLES
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt)]
        # parsed eagerly, so a bad answer fails here and not mid-response
        return iter(canonical_booleans_triples(triples))
    fmt = ox.QueryResultsFormat.from_media_type(media_type) or ox.QueryResultsFormat.JSON
    if fmt == ox.QueryResultsFormat.JSON:
        body = canonical_booleans_json(body)
    result = ox.parse_query_results(body, format=fmt)
    if form == "ASK" and isinstance(result, ox.QuerySolutions):  # Virtuoso: a table, not a boolean
        truth = any(term is not None and term.value not in ("0", "false")
                    for row in result for term in row)
        return ox.parse_query_results(b'{"head":{},"boolean":%s}' % (b"true" if truth else b"false"),
                                      format=ox.QueryResultsFormat.JSON)
    return result


def dataset_params(sparql: str, default_graphs: Sequence[str] | None,
                   named_graphs: Sequence[str] | None, release: Release) -> list[tuple[str, str]]:
    """The protocol's dataset parameters for a query: the caller's graphs; for a query without
    FROM clauses, the release's default graph and named graphs for what the caller left out
    (so a reader sees one release, as the embedded store does)."""
    params = [("default-graph-uri", g) for g in default_graphs or ()]
    params += [("named-graph-uri", g) for g in named_graphs or ()]
    clauses = dataset_clauses(sparql)
    if clauses.default or clauses.named:
        if default_graphs or named_graphs:  # the protocol overrides all the query's clauses
            params += [("default-graph-uri", g) for g in clauses.default if not default_graphs]
            params += [("named-graph-uri", g) for g in clauses.named if not named_graphs]
        return params
    merge_graph = release.info.get("merge_graph")
    if not default_graphs and merge_graph:
        params.append(("default-graph-uri", merge_graph))
    if not named_graphs:
        params += [("named-graph-uri", g) for g in release.info.get("graphs", {})]
    return params


def record_query(base: str) -> str:
    """The latest release record in the server: the live release."""
    return (f"SELECT ?json WHERE {{ GRAPH <{releases_graph(base)}> {{ ?r <{RECORD}json> ?json ; "
            f"<{RECORD}published> ?t }} }} ORDER BY DESC(?t) LIMIT 1")


class RemoteStore:
    """The Store interface over the SPARQL 1.1 Protocol (POST, form-encoded)."""

    def __init__(self, settings) -> None:
        if not settings.remote_query_url:
            raise ValueError("backend remote needs remote_query_url (CITYNET_REMOTE_QUERY_URL)")
        self._settings = settings
        self._url: str = settings.remote_query_url
        self._timeout: float = settings.remote_timeout
        self._base: str = settings.base_iri
        self._ttl: float = settings.remote_release_ttl
        self._local = threading.local()  # one HTTP session (connection pool) per thread
        self._lock = threading.Lock()
        self._record: tuple[float, Release] | None = None
        self._engine = ""  # the server's Server header, once seen

    def __getstate__(self) -> dict:
        """Pickled as its settings: another process reconnects (sessions are per process)."""
        return {"settings": self._settings}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["settings"])

    def release(self) -> Release:
        """The live release, from the server's latest release record (kept ``ttl`` seconds)."""
        now = time.monotonic()
        with self._lock:
            if self._record is not None and now - self._record[0] < self._ttl:
                return self._record[1]
        response = self._post([("query", record_query(self._base))], RESULTS_JSON)
        try:
            rows = list(ox.parse_query_results(response.content,
                                               format=ox.QueryResultsFormat.JSON))
            info = json.loads(rows[0]["json"].value) if rows else None
        except (SyntaxError, ValueError, TypeError, AttributeError) as exc:
            raise RemoteUnavailable(f"remote store sent an unreadable release record: {exc}"
                                    ) from None
        if info is None:
            raise NoRelease(f"no release published in the remote store for {self._base} "
                            "(run `citynet build`)", f"remote store {self._url}")
        release = Release(path=Path(info.get("location", "")), info=info)
        with self._lock:
            self._record = (now, release)
        return release

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
    ) -> QueryResult:
        form = query_form(sparql)
        try:
            text = bind_values(sparql, substitutions or {})
        except ValueError as exc:
            raise SyntaxError(str(exc)) from None
        data = [("query", text), *dataset_params(sparql, default_graphs, named_graphs,
                                                    self.release())]
        accept = N_TRIPLES if form in ("CONSTRUCT", "DESCRIBE") else RESULTS_JSON
        response = self._post(data, accept)
        try:
            return parse_response(response.content, response.headers.get("Content-Type", ""), form)
        except (SyntaxError, ValueError) as exc:
            raise RemoteUnavailable(f"remote store sent an unreadable answer: {exc}") from None

    def select_all(self, sparql: str) -> list[ox.QuerySolution]:
        """A SELECT over everything the server holds, not one release's dataset: what
        publishing needs to see (its own graphs, the release records, their counts)."""
        response = self._post([("query", sparql)], RESULTS_JSON)
        self._engine = response.headers.get("Server", "")
        try:
            return list(ox.parse_query_results(response.content,
                                               format=ox.QueryResultsFormat.JSON))
        except (SyntaxError, ValueError) as exc:
            raise RemoteUnavailable(f"remote store sent an unreadable answer: {exc}") from None

    def is_virtuoso(self) -> bool:
        """Whether the server is Virtuoso (its ``Server`` header, seen by the last
        :meth:`select_all`): its updates are neither transactional nor unbounded."""
        return self._engine.startswith("Virtuoso")

    def update(self, operations: Sequence[str]) -> None:
        """Run SPARQL Update ``operations`` in one request (one transaction on servers that have
        them). RemoteUnavailable when the server cannot be reached; UpdateRefused otherwise."""
        if not operations:
            return
        url = self._settings.remote_update_url
        if not url:
            raise UpdateRefused("backend remote needs remote_update_url "
                                "(CITYNET_REMOTE_UPDATE_URL)")
        body = (" ;\n".join(operations) + "\n").encode("utf-8")
        response = self._send(url, body, {"Content-Type": "application/sparql-update; "
                                                          "charset=utf-8"})
        if response.status_code not in (200, 204):
            raise UpdateRefused(f"remote store refused the update ({response.status_code}): "
                                f"{_first_line(response.text)}")

    def _send(self, url: str, data: bytes | list[tuple[str, str]],
              headers: dict[str, str]) -> requests.Response:
        try:
            return self._session().post(url, data=data, headers=headers, timeout=self._timeout)
        except requests.Timeout:
            raise RemoteUnavailable(f"remote store did not answer within {self._timeout:g} s: "
                                    f"{url}") from None
        except requests.RequestException as exc:
            raise RemoteUnavailable(f"remote store unreachable: {url}: "
                                    f"{type(exc).__name__}") from None

    def _post(self, data: list[tuple[str, str]], accept: str) -> requests.Response:
        """One protocol request; SyntaxError for a 400, RemoteUnavailable for any failure."""
        response = self._send(self._url, data, {"Accept": accept})
        if response.status_code == 400:
            raise SyntaxError(_first_line(response.text))
        if response.status_code != 200:
            raise RemoteUnavailable(f"remote store answered {response.status_code}: "
                                    f"{_first_line(response.text)}")
        return response
