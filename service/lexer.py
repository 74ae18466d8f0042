"""A SPARQL lexer: significant tokens (no whitespace, comments or string contents) and what a
text could make a store dereference (SERVICE endpoints, FROM graphs, LOAD sources).

Pure and linear in the text's size (an attacker cannot make it slow). The security policy built
on it is :mod:`service.sparql.guard`; the stores use it to find a query's braces and keywords.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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
