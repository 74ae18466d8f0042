"""The one store interface; the embedded and remote stores implement it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol

import pyoxigraph as ox

from service.store.release import Release

#: What a query returns: solutions (SELECT), triples (CONSTRUCT/DESCRIBE) or a boolean (ASK).
#: Triples are ``ox.QueryTriples`` from the embedded store, any iterator of ``ox.Triple`` from
#: the remote one: callers test for solutions and booleans, and iterate anything else.
QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | Iterator[ox.Triple]


class Store(Protocol):
    def release(self) -> Release:
        """The release being served (its id is the ETag of every response)."""
        ...

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
    ) -> QueryResult:
        """Run a SPARQL query. The default graph is the RDF merge of all named graphs (a set:
        each distinct triple once) unless ``default_graphs`` names graphs (then their merge);
        ``named_graphs`` restricts ``GRAPH`` clauses.
        Raises SyntaxError for a malformed query."""
        ...
