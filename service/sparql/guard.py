"""The security policy on user SPARQL before it reaches the store: what a query may make us fetch.

pyoxigraph follows ``SERVICE <iri>`` and ``LOAD <iri>`` with real HTTP requests, so a public
endpoint must refuse them before execution. The check rests on a SPARQL *lexer*
(:mod:`service.lexer`), not a parser: it is linear in the query size (an attacker cannot make
it slow), it removes strings, comments and IRIs before looking for keywords (so ``"SERVICE"``
in a literal is harmless), and it is conservative: any ``SERVICE`` keyword token is an outbound
call unless its endpoint is on the allow-list. When an allow-listed call is about to be
permitted, rdflib's full SPARQL parser confirms every SERVICE endpoint independently (see
:func:`parsed_service_endpoints`).
"""

from __future__ import annotations

from collections.abc import Collection

from service import lexer
from service.lexer import Scan
from service.problems import Problem, limit
from service.settings import Settings
from service.sparql.request import QueryRequest
from service.store.base import Store


def parsed_service_endpoints(text: str, update: bool = False) -> set[str]:
    """Every SERVICE endpoint in rdflib's algebra of ``text`` (a 400 Problem if unparsable).

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
        raise Problem(
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
            raise Problem(403, f"SERVICE with a variable endpoint ({endpoint}) is refused")
        if endpoint not in allowlist:
            raise Problem(
                403, f"federated SERVICE <{endpoint}> is refused: not on the service allow-list"
            )
    if found.services:
        for endpoint in parsed_service_endpoints(text, update):
            if endpoint not in allowlist:
                raise Problem(403, f"federated SERVICE {endpoint} is refused")


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
        raise Problem(413, f"query too large: the limit is {max_bytes} bytes",
                      limit=limit("max_query_bytes", max_bytes, "bytes"))
    found = lexer.scan(text)
    if found.form == "update" or found.loads:
        raise Problem(
            403, "updates are not accepted here: updates need the /update endpoint and a token"
        )
    check_services(found, allowlist, text, update=False)
    return found


def check_update(text: str, *, allowlist: Collection[str] = (), max_bytes: int | None = None) -> Scan:
    """What the publisher's update endpoint refuses: LOAD (an outbound fetch) and SERVICE."""
    if max_bytes is not None and len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise Problem(413, f"update too large: the limit is {max_bytes} bytes",
                      limit=limit("max_query_bytes", max_bytes, "bytes"))
    found = lexer.scan(text)
    if found.form == "query":
        raise Problem(400, "this is a query, not an update: send it to /sparql")
    if found.loads:
        raise Problem(403, f"LOAD <{found.loads[0]}> is refused: the service fetches nothing")
    check_services(found, allowlist, text, update=True)
    return found


def admit(request: QueryRequest, settings: Settings, store: Store | None) -> None:
    """The static checks every query passes before execution (raises Problem; NoRelease, a
    503, when nothing is published).

    Graph names are not checked against the dataset: one it lacks is an empty graph."""
    if store is not None:
        store.release()
    check_query(request.query, allowlist=settings.service_allowlist,
                max_bytes=settings.max_query_bytes)
