"""Which graphs a SPARQL Update can change, read from its algebra before it runs.

A write applies an update to an on-disk copy of the release and then compares, graph by graph,
what the update can have changed: the graphs its templates, ``WITH``, ``CLEAR``/``DROP`` and
``ADD``/``MOVE``/``COPY`` name. Reading only those keeps a write's cost proportional to the
graphs it touches, not to the dataset. A template with a variable graph, ``CLEAR NAMED`` or
``DROP NAMED`` can touch any named graph. Writing the default graph (the merge of the named
graphs, kept by the service) is refused before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.problems import Problem

DEFAULT_REFUSED = ("writes to the default graph are refused: every fact lives in a named "
                   "source graph (use GRAPH <…> or ?graph=…)")


@dataclass(frozen=True)
class Scope:
    """The named graphs an update can change; ``graphs`` is None when it can change any."""

    graphs: frozenset[str] | None


def _part(node, key: str):
    """A part of an rdflib algebra node, None if absent (its own ``get`` answers the key)."""
    return dict.get(node, key)


def _template_graphs(template, with_graph) -> tuple[set[str], bool, bool]:
    """(graph IRIs, any named graph?, default graph?) written by one template."""
    from rdflib.term import URIRef

    graphs: set[str] = set()
    any_graph = default = False
    if template is None:
        return graphs, any_graph, default
    for graph, triples in (dict.get(template, "quads") or {}).items():
        if not triples:
            continue
        if isinstance(graph, URIRef):
            graphs.add(str(graph))
        else:
            any_graph = True
    if dict.get(template, "triples"):
        if isinstance(with_graph, URIRef):
            graphs.add(str(with_graph))
        else:
            default = True
    return graphs, any_graph, default


def update_scope(text: str) -> Scope:
    """The graphs ``text`` can change (a 400 Problem if it does not parse, or if it would
    write the default graph)."""
    from rdflib.plugins.sparql import algebra, parser
    from rdflib.term import URIRef

    try:
        operations = algebra.translateUpdate(parser.parseUpdate(text)).algebra
    except Exception as exc:  # pyparsing and rdflib raise many kinds
        message = " ".join(str(exc).split())[:200]
        raise Problem(400, f"malformed update: {message}") from None
    graphs: set[str] = set()
    any_graph = False
    for op in operations:
        name = op.name
        if name in ("InsertData", "DeleteData", "DeleteWhere"):
            found, anywhere, default = _template_graphs(op, None)
        elif name == "Modify":
            found, anywhere, default = set(), False, False
            for template in (_part(op, "delete"), _part(op, "insert")):
                g, a, d = _template_graphs(template, _part(op, "withClause"))
                found |= g
                anywhere |= a
                default |= d
        elif name in ("Clear", "Drop"):
            target = _part(op, "graphiri")
            found = {str(target)} if isinstance(target, URIRef) else set()
            anywhere = target == "NAMED"
            default = target in ("DEFAULT", "ALL")
        elif name in ("Add", "Copy", "Move"):
            source, target = _part(op, "graph")
            written = [target] + ([source] if name == "Move" else [])
            found = {str(g) for g in written if isinstance(g, URIRef)}
            anywhere = False
            default = "DEFAULT" in written
        elif name == "Create":  # an empty graph, dropped again: read to find it
            target = _part(op, "graphiri")
            found, anywhere, default = {str(target)}, False, False
        else:  # LOAD is refused by the guard before this is reached
            raise Problem(400, f"{name} is not supported in a write")
        if default:
            raise Problem(400, DEFAULT_REFUSED)
        graphs |= found
        any_graph |= anywhere
    return Scope(None if any_graph else frozenset(graphs))
