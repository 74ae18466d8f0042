"""What the dumps learn from the named graphs' N-Triples as they are written, graph by graph:
the prefixes the Turtle dump declares (:class:`TurtlePrefixes`) and the kinds of values of
each property, the JSON-LD context's input (:class:`PropertyKinds`).

Both are unions over the graphs of what each graph's N-Triples show, so what one graph shows
is kept in the dumps' layout (:mod:`service.build.dump_parts`) and a write, which reads only
the graphs it changed, finds the whole dataset's by adding up the graphs' (:meth:`state`,
:meth:`restore`).
"""

from __future__ import annotations

import re

from service import jsonld, rdfout
from service.namespaces import RDF_TYPE


class TurtlePrefixes:
    """Which prefixes the Turtle dump declares (see :func:`service.rdfout.used_prefixes`),
    learnt from its triples as N-Triples, block by block, in constant memory.

    What ``used_prefixes`` decides depends, for each IRI Turtle may abbreviate, only on the
    part up to its last ``/`` or ``#`` and, when that part is a declared namespace, on whether
    the rest is a plain local name; so one IRI of each kind stands for all of them, and the
    IRIs are found by regular expressions over the bytes (``rdf:type`` as a predicate and the
    datatypes of literals Turtle writes bare are taken out first, as ``turtle_iris`` does)."""

    def __init__(self, prefixes: dict[str, str], _like: TurtlePrefixes | None = None) -> None:
        self.prefixes = prefixes
        if _like is not None:  # a graph's own learner: the same patterns, compiled once
            self.declared, self.in_declared = _like.declared, _like.in_declared
        else:
            namespaces = sorted({ns.encode() for ns in prefixes.values()}, key=len, reverse=True)
            self.declared = set(namespaces)
            self.in_declared = re.compile(
                rb"<(" + b"|".join(re.escape(ns) for ns in namespaces) + rb")([^<>/#]*)>")
        self.folders: set[bytes] = set()
        self.examples: dict[tuple[bytes, bool], bytes] = {}

    def fresh(self) -> TurtlePrefixes:
        """An empty learner for the same prefixes (one per graph)."""
        return TurtlePrefixes(self.prefixes, self)

    def add(self, other: TurtlePrefixes) -> None:
        """Learn what ``other`` learnt (the union of two graphs')."""
        self.folders |= other.folders
        for key, example in other.examples.items():
            self._example(key, example)

    def _example(self, key: tuple[bytes, bool], iri: bytes) -> None:
        """Keep the least IRI of each kind: any one decides the same, the least is the same
        whatever the order the IRIs came in (so the layout that records it is too)."""
        known = self.examples.get(key)
        if known is None or iri < known:
            self.examples[key] = iri

    def state(self) -> dict:
        """What was learnt, as JSON (the used prefixes depend on nothing else)."""
        return {"folders": sorted(f.decode() for f in self.folders),
                "examples": sorted([ns.decode(), plain, iri.decode()]
                                   for (ns, plain), iri in self.examples.items())}

    def restore(self, state: dict) -> TurtlePrefixes:
        """A learner for the same prefixes that learnt ``state`` (:meth:`state`)."""
        learnt = self.fresh()
        learnt.folders = {f.encode() for f in state["folders"]}
        learnt.examples = {(ns.encode(), plain): iri.encode()
                           for ns, plain, iri in state["examples"]}
        return learnt

    def __call__(self, block: bytes) -> None:
        block = _NATIVE.sub(b"0", block.replace(_TYPE_PREDICATE, b"> a "))
        # a block repeats its IRIs (a subject per line of its description): each once
        for iri in set(_IRI.findall(block)):
            end = max(iri.rfind(b"/"), iri.rfind(b"#"))
            if end >= 0:
                self.folders.add(iri[:end + 1])
            found = self.in_declared.fullmatch(b"<" + iri + b">")
            if found is not None:
                namespace, local = found.groups()
                plain = bool(rdfout.PLAIN_LOCAL.match(local.decode("utf-8", "replace")))
                self._example((namespace, plain), namespace + local)

    def used(self, prefixes: dict[str, str]) -> dict[str, str]:
        examples = [e.decode() for e in self.examples.values()]
        examples += [f.decode() + "x" for f in self.folders if f not in self.declared]
        return rdfout.used_prefixes(examples, prefixes)


_TYPE_PREDICATE = f"> <{RDF_TYPE}> ".encode()
#: Every IRI (what is between ``<`` and ``>``).
_IRI = re.compile(rb"<([^<>]*)>")
#: Typed literals Turtle writes without their datatype (``1``, ``1.5``, ``true`` …).
_NATIVE = re.compile(b"|".join(
    b'"(?:' + pattern.pattern[1:-1].encode() + rb')"\^\^<' + re.escape(datatype.encode()) + b">"
    for datatype, pattern in rdfout.NATIVE.items()))


class PropertyKinds:
    """Which kinds of values each property has in the named graphs (what
    :data:`service.jsonld.USAGE_QUERY` selects, the input of the JSON-LD context), learnt
    from their N-Triples blocks as the N-Quads dump is written, instead of by another pass
    over the store: ``@id`` for an IRI or blank node, ``@language`` for a language-tagged
    literal, else the datatype (``xsd:string`` when N-Triples writes none)."""

    def __init__(self) -> None:
        self.found: set[tuple[bytes, bytes, bytes, bytes]] = set()

    def __call__(self, block: bytes) -> None:
        self.found.update(_STATEMENT.findall(block))

    def add(self, other: PropertyKinds) -> None:
        self.found |= other.found

    def rows(self) -> list[tuple[str, str]]:
        """(property IRI, kind) pairs, as :func:`service.jsonld.usage_rows` reads the query's."""
        kinds = set()
        for predicate, tagged, datatype, node in self.found:
            kind = "@id" if node else "@language" if tagged else (
                datatype.decode() if datatype else jsonld.XSD_STRING)
            kinds.add((predicate.decode(), kind))
        return sorted(kinds)


#: One N-Triples line up to its object's kind: predicate, ``@`` of a language tag, datatype,
#: or the start of an IRI or blank node (a literal's escapes never hide its closing quote).
_STATEMENT = re.compile(rb'^\S+ <([^>]*)> (?:"(?:[^"\\\n]|\\.)*"(?:(@)|\^\^<([^>]*)>)?|(<|_:))',
                        re.MULTILINE)


