"""Serialise triples and quads in any RDF format, clean: Turtle, TriG and RDF/XML declare only
the prefixes they use, Turtle never escapes a character inside a prefixed name, and JSON-LD is
compact with the dataset's context (:mod:`service.jsonld`). pyoxigraph writes everything but
JSON-LD; these functions only choose what it is given.

pyoxigraph abbreviates an IRI with the longest declared namespace it starts with and escapes
(``id:city\\/barcelona``) whatever the rest needs, so a prefix is declared only when every IRI
it would abbreviate has a local name that is valid as it is; the others are written in full.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pyoxigraph as ox

from service import jsonld, media
from service.namespaces import PREFIXES, RDF_TYPE

_BASE = ("A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
         "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff")
_U = _BASE + "_"
_CHARS = _U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
#: Turtle's PN_LOCAL without its escapes (PLX): what a prefixed name may hold as it is.
PLAIN_LOCAL = re.compile(f"^(?:[{_U}:0-9](?:[{_CHARS}.:]*[{_CHARS}:])?)?$")
#: An XML name's local part (ASCII subset), for RDF/XML property elements.
XML_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
XSD = PREFIXES["xsd"]
#: Literals Turtle writes without a datatype (``1``, ``1.5``, ``1e5``, ``true``).
NATIVE = {
    XSD + "integer": re.compile(r"^[+-]?[0-9]+$"),
    XSD + "decimal": re.compile(r"^[+-]?[0-9]*\.[0-9]+$"),
    XSD + "double": re.compile(r"^[+-]?(?:[0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+$"),
    XSD + "boolean": re.compile(r"^(?:true|false)$"),
}
_TURTLE_LIKE = {ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG}
#: Formats that write a subject's triples as one block when they come together.
_GROUPED = _TURTLE_LIKE | {ox.RdfFormat.RDF_XML}


def turtle_iris(statements: Iterable[ox.Triple | ox.Quad]) -> Iterable[str]:
    """Every IRI Turtle or TriG may write as a prefixed name."""
    for st in statements:
        for term in (st.subject, st.object):
            if isinstance(term, ox.NamedNode):
                yield term.value
            elif isinstance(term, ox.Literal) and not term.language:
                datatype = term.datatype.value
                native = NATIVE.get(datatype)
                if datatype != XSD + "string" and not (native and native.match(term.value)):
                    yield datatype
        if st.predicate.value != RDF_TYPE:
            yield st.predicate.value
        graph = getattr(st, "graph_name", None)
        if isinstance(graph, ox.NamedNode):
            yield graph.value


def used_prefixes(iris: Iterable[str], prefixes: Mapping[str, str],
                  plain: re.Pattern[str] = PLAIN_LOCAL) -> dict[str, str]:
    """The prefixes worth declaring: each abbreviates at least one of ``iris`` and every IRI
    it would abbreviate (as the longest namespace) has a local name ``plain`` accepts."""
    by_namespace = {namespace: prefix for prefix, namespace in prefixes.items()}
    # Every namespace ends in / or #, so the namespaces an IRI starts with are those of its
    # part up to its last / or #: found once per such part (most IRIs share a few).
    chains: dict[str, list[tuple[str, int]]] = {}
    # each IRI's candidate namespaces, longest first, with whether its local name is plain
    options: set[tuple[tuple[str, bool], ...]] = set()
    for iri in set(iris):
        cut = max(iri.rfind("/"), iri.rfind("#")) + 1
        folder = iri[:cut]
        chain = chains.get(folder)
        if chain is None:
            chain = chains[folder] = _namespaces(folder, by_namespace)
        options.add(tuple((prefix, bool(plain.match(iri[end:]))) for prefix, end in chain))
    dropped: set[str] = set()
    while True:
        used: set[str] = set()
        spoilt: set[str] = set()
        for choices in options:
            best = next(((p, ok) for p, ok in choices if p not in dropped), None)
            if best is not None:
                (used if best[1] else spoilt).add(best[0])
        if not spoilt:
            return {p: ns for p, ns in prefixes.items() if p in used}
        dropped |= spoilt


def _namespaces(folder: str, by_namespace: Mapping[str, str]) -> list[tuple[str, int]]:
    """(prefix, length) of every namespace ``folder`` (an IRI up to a / or #) starts with,
    longest first."""
    found = []
    end = len(folder)
    while end > 0:
        prefix = by_namespace.get(folder[:end])
        if prefix is not None:
            found.append((prefix, end))
        end = max(folder.rfind("/", 0, end - 1), folder.rfind("#", 0, end - 1)) + 1
    return found


def prefixes_for(statements: list, fmt: media.RdfMedia,
                 prefixes: Mapping[str, str]) -> dict[str, str] | None:
    """The prefixes to hand pyoxigraph for these statements in this format (None: none)."""
    if fmt.format in _TURTLE_LIKE:
        return used_prefixes(turtle_iris(statements), prefixes)
    if fmt.format == ox.RdfFormat.RDF_XML:
        return used_prefixes((st.predicate.value for st in statements), prefixes, XML_LOCAL)
    return None


def triples(items: Iterable[ox.Triple], fmt: media.RdfMedia, prefixes: Mapping[str, str],
            context: jsonld.Context | None = None) -> bytes:
    """Serialise triples; a dataset format puts them in the default graph. JSON-LD is compact
    when ``context`` is given (the dataset's), expanded otherwise."""
    items = list(items)
    if fmt.format == ox.RdfFormat.JSON_LD and context is not None:
        return jsonld.dumps(jsonld.compact_graph(items, context))
    if fmt.format in _GROUPED:  # one block per subject, as people read them
        items.sort(key=lambda t: str(t.subject))
    return ox.serialize(items, format=fmt.format, prefixes=prefixes_for(items, fmt, prefixes))


def quads(items: Iterable[ox.Quad], fmt: media.RdfMedia, prefixes: Mapping[str, str],
          context: jsonld.Context | None = None) -> bytes:
    """Serialise quads: dataset formats keep the graph names, graph formats drop them."""
    items = list(items)
    if not fmt.datasets:
        return triples(sorted({q.triple for q in items}, key=str), fmt, prefixes, context)
    if fmt.format == ox.RdfFormat.JSON_LD and context is not None:
        return jsonld.dumps(jsonld.compact_dataset(items, context))
    if fmt.format in _GROUPED:
        items.sort(key=lambda q: (str(q.graph_name), str(q.subject)))
    return ox.serialize(items, format=fmt.format, prefixes=prefixes_for(items, fmt, prefixes))
