"""The remote store: any SPARQL 1.1 server (Oxigraph server, Fuseki, GraphDB, Virtuoso) reached
through the SPARQL 1.1 Protocol, returning pyoxigraph results so callers cannot tell it from the
embedded store.

Three things differ from the embedded store and are handled here, explicitly:

- the *default graph*: the build loads the merge of the named graphs (each distinct triple
  once) as the server's real default graph, and a query sends no ``default-graph-uri`` unless
  the caller names graphs, so the server must *not* be configured with a union default graph
  (Oxigraph server's ``--union-default-graph`` is a bag, like pyoxigraph's). When a query's
  default graph is made of several graphs (FROM, ``default-graph-uri``), the server computes
  it: Fuseki merges them into a set, Oxigraph server and Virtuoso repeat a triple per graph;
- *substitutions*: the protocol has no such parameter, so each variable is bound by a ``VALUES``
  block at the start of every WHERE group (:func:`bind_values`), never by splicing text;
- the *release record* stays local: the build writes ``var/`` as for the embedded store and then
  loads the quads into the server (:mod:`service.build.remote_load`), so ETags, dumps and the
  description come from the local release.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox
import requests

from service.lexer import QUERY_KEYWORDS, Token, positioned_tokens, tokens
from service.store.base import QueryResult
from service.store.release import NoRelease, Release, current_release

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"


class RemoteUnavailable(NoRelease):
    """The remote SPARQL server is unreachable, too slow or failing (the web layer answers 503)."""


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


def bind_values(query: str, substitutions: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """``query`` with each variable bound to its term by ``VALUES ?var { term }`` inserted right
    after the opening brace of every WHERE group (top level and sub-selects; the first group of
    an ASK, SELECT or DESCRIBE without the WHERE keyword).

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
    for offset in sorted(offsets, reverse=True):
        query = query[:offset] + block + query[offset:]
    return query


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0][:300] if lines else "(no message)"


def parse_response(body: bytes, content_type: str, form: str) -> QueryResult:
    """pyoxigraph results from a server's answer: solutions or a boolean for SELECT/ASK, an
    iterator of triples for CONSTRUCT/DESCRIBE (whatever RDF format the server chose)."""
    media_type = content_type.split(";")[0].strip().lower()
    if form in ("CONSTRUCT", "DESCRIBE"):
        fmt = ox.RdfFormat.from_media_type(media_type) or ox.RdfFormat.N_TRIPLES
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt)]
        return iter(triples)  # parsed eagerly, so a bad answer fails here and not mid-response
    fmt = ox.QueryResultsFormat.from_media_type(media_type) or ox.QueryResultsFormat.JSON
    return ox.parse_query_results(body, format=fmt)


class RemoteStore:
    """The Store interface over the SPARQL 1.1 Protocol (POST, form-encoded)."""

    def __init__(self, settings) -> None:
        if not settings.remote_query_url:
            raise ValueError("backend remote needs remote_query_url (CITYNET_REMOTE_QUERY_URL)")
        self._url: str = settings.remote_query_url
        self._timeout: float = settings.remote_timeout
        self._var: Path = settings.var
        self._local = threading.local()  # one HTTP session (connection pool) per thread

    def release(self) -> Release:
        """The local release record of what the build last loaded into the server."""
        return current_release(self._var)

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
        data = [("query", text)]
        data += [("default-graph-uri", g) for g in default_graphs or ()]
        data += [("named-graph-uri", g) for g in named_graphs or ()]
        accept = N_TRIPLES if form in ("CONSTRUCT", "DESCRIBE") else RESULTS_JSON
        try:
            response = self._session().post(self._url, data=data, headers={"Accept": accept},
                                            timeout=self._timeout)
        except requests.Timeout:
            raise RemoteUnavailable(f"remote store did not answer within {self._timeout:g} s: "
                                    f"{self._url}") from None
        except requests.RequestException as exc:
            raise RemoteUnavailable(f"remote store unreachable: {self._url}: "
                                    f"{type(exc).__name__}") from None
        if response.status_code == 400:
            raise SyntaxError(_first_line(response.text))
        if response.status_code != 200:
            raise RemoteUnavailable(f"remote store answered {response.status_code}: "
                                    f"{_first_line(response.text)}")
        try:
            return parse_response(response.content, response.headers.get("Content-Type", ""), form)
        except (SyntaxError, ValueError) as exc:
            raise RemoteUnavailable(f"remote store sent an unreadable answer: {exc}") from None
