"""Static checks on user SPARQL before it reaches the store: what a query may make us fetch.

pyoxigraph follows ``SERVICE <iri>`` and ``LOAD <iri>`` with real HTTP requests, so a public
endpoint must refuse them before execution. The check is a SPARQL *lexer*, not a parser: it is
linear in the query size (an attacker cannot make it slow), it removes strings, comments and
IRIs before looking for keywords (so ``"SERVICE"`` in a literal is harmless), and it is
conservative: any ``SERVICE`` keyword token is an outbound call unless its endpoint is on the
allow-list. When an allow-listed call is about to be permitted, rdflib's full SPARQL parser
confirms every SERVICE endpoint independently (see :func:`parsed_service_endpoints`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
QUERY_KEYWORDS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*(?:\\[uU][0-9A-Fa-f]{4,8}[^<>"{}|^`\\\x00-\x20]*)*>)
  | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\U000effff]+)
  | (?P<pname>(?:[A-Za-z\u00c0-\U000effff][\w.\-\u00b7\u00c0-\U000effff]*)?:
              (?:[\w\-:\u00b7\u00c0-\U000effff]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?\#@%]
                 |\.(?=[\w\-:%\\\u00b7\u00c0-\U000effff]))*)
  | (?P<bnode>_:[\w.\-\u00b7\u00c0-\U000effff]*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class GuardError(Exception):
    """A query or update the public service refuses; ``status`` is the HTTP status to send."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


@dataclass(frozen=True)
class Scan:
    """What the lexer found: the operation's form and every IRI it could dereference."""

    form: str  # "query", "update" or "unknown"
    services: tuple[str, ...]  # endpoint IRIs; "?var" for a variable endpoint
    datasets: tuple[str, ...]  # FROM / FROM NAMED graph IRIs
    loads: tuple[str, ...]  # LOAD source IRIs


def _unescape(text: str) -> str:
    return _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def tokens(text: str) -> Iterator[Token]:
    """Significant tokens of a SPARQL text (no whitespace, comments or string contents)."""
    for token, _ in positioned_tokens(text):
        yield token


def positioned_tokens(text: str) -> Iterator[tuple[Token, int]]:
    """Significant tokens with their start offsets, for code that rewrites a query's text."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("ws", "comment"):
            yield Token(kind, match.group()), match.start()


def _resolve(token: Token, prefixes: dict[str, str], base: str) -> str:
    """The absolute IRI a token names, or a marker the allow-list never matches."""
    if token.kind == "iri":
        iri = _unescape(token.text[1:-1])
        return urljoin(base, iri) if base else iri
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix not in prefixes:
            return f"(undeclared prefix {prefix}:)"
        return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    if token.kind == "var":
        return token.text
    return f"({token.text or 'nothing'})"


def scan(text: str) -> Scan:
    """Lex ``text`` and collect its form, SERVICE endpoints, FROM graphs and LOAD sources."""
    toks = list(tokens(text))
    prefixes: dict[str, str] = {}
    base = ""
    form = "unknown"
    services: list[str] = []
    datasets: list[str] = []
    loads: list[str] = []
    for i, tok in enumerate(toks):
        word = tok.text.upper() if tok.kind == "word" else ""
        nxt = toks[i + 1] if i + 1 < len(toks) else Token("end", "")
        if word == "PREFIX" and nxt.kind == "pname" and i + 2 < len(toks):
            iri = toks[i + 2]
            if iri.kind == "iri":
                prefixes[nxt.text.rstrip(":")] = _resolve(iri, {}, base)
        elif word == "BASE" and nxt.kind == "iri":
            base = _resolve(nxt, {}, base)
        elif form == "unknown" and word in QUERY_KEYWORDS:
            form = "query"
        elif form == "unknown" and word in UPDATE_KEYWORDS:
            form = "update"
        if word == "SERVICE":
            target = toks[i + 2] if nxt.text.upper() == "SILENT" and i + 2 < len(toks) else nxt
            services.append(_resolve(target, prefixes, base))
        elif word == "FROM":
            target = toks[i + 2] if nxt.text.upper() == "NAMED" and i + 2 < len(toks) else nxt
            datasets.append(_resolve(target, prefixes, base))
        elif word == "LOAD":
            target = toks[i + 2] if nxt.text.upper() == "SILENT" and i + 2 < len(toks) else nxt
            loads.append(_resolve(target, prefixes, base))
    return Scan(form, tuple(services), tuple(datasets), tuple(loads))


def parsed_service_endpoints(text: str, update: bool = False) -> set[str]:
    """Every SERVICE endpoint in rdflib's algebra of ``text`` (GuardError if unparsable).

    Used as a second, independent opinion before an allow-listed outbound call is permitted.
    """
    from rdflib.plugins.sparql import algebra, parser
    from rdflib.term import URIRef, Variable

    try:
        if update:
            tree: object = algebra.translateUpdate(parser.parseUpdate(text)).algebra
        else:
            tree = algebra.translateQuery(parser.parseQuery(text)).algebra
    except Exception:
        raise GuardError(
            400, "SERVICE queries must parse with a strict SPARQL 1.1 parser; this one does not"
        ) from None
    found: set[str] = set()
    stack: list[object] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            continue
        if getattr(node, "name", None) == "ServiceGraphPattern":
            term = node.get("term")  # type: ignore[attr-defined]
            found.add(f"?{term}" if isinstance(term, Variable)
                      else str(term) if isinstance(term, URIRef) else f"({term})")
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple | set):
            stack.extend(node)
    return found


def check_services(found: Scan, allowlist: Collection[str], text: str, update: bool) -> None:
    """Refuse any SERVICE to an endpoint that is not allow-listed (variables: always)."""
    for endpoint in found.services:
        if endpoint.startswith(("?", "$")):
            raise GuardError(403, f"SERVICE with a variable endpoint ({endpoint}) is refused")
        if endpoint not in allowlist:
            raise GuardError(
                403, f"federated SERVICE <{endpoint}> is refused: not on the service allow-list"
            )
    if found.services:
        for endpoint in parsed_service_endpoints(text, update):
            if endpoint not in allowlist:
                raise GuardError(403, f"federated SERVICE {endpoint} is refused")


def check_query(
    text: str,
    *,
    allowlist: Collection[str] = (),
    max_bytes: int | None = None,
) -> Scan:
    """Everything the read-only endpoint refuses, before the store sees the query.

    FROM / FROM NAMED are allowed: the store evaluates a graph the dataset lacks as an empty
    graph and never fetches it (SPARQL leaves dereferencing to the service; this one does not).
    """
    if max_bytes is not None and len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise GuardError(413, f"query too large: the limit is {max_bytes} bytes")
    found = scan(text)
    if found.form == "update" or found.loads:
        raise GuardError(
            403, "updates are not accepted here: updates need the /update endpoint and a token"
        )
    check_services(found, allowlist, text, update=False)
    return found


def check_update(text: str, *, allowlist: Collection[str] = (), max_bytes: int | None = None) -> Scan:
    """What the publisher's update endpoint refuses: LOAD (an outbound fetch) and SERVICE."""
    if max_bytes is not None and len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise GuardError(413, f"update too large: the limit is {max_bytes} bytes")
    found = scan(text)
    if found.form == "query":
        raise GuardError(400, "this is a query, not an update: send it to /sparql")
    if found.loads:
        raise GuardError(403, f"LOAD <{found.loads[0]}> is refused: the service fetches nothing")
    check_services(found, allowlist, text, update=True)
    return found
