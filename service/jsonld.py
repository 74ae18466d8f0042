"""Compact JSON-LD with the dataset's own ``@context``, as pure functions.

The context is derived from the data: every namespace of :mod:`service.namespaces` as a prefix,
and a term for every property the dataset uses, named by its local name (``prefLabel``,
``memberDuring``), with the coercion its values allow: ``@id`` when every value is an IRI, the
datatype when every value has one and the same datatype, a language map when every value has a
language tag. A local name used by two vocabularies goes to the one listed first in
``PREFIXES`` (``foaf:name`` is ``name``; ``schema:name`` stays ``schema:name``).

Documents are written straight from triples with that context: a value that fits its term's
coercion is written short (``"position": "1"``), any other one in full under the compact IRI
(``"dct:subject": {"@value": …}``), so the JSON-LD always says exactly what the triples say
(the tests expand it with two independent processors and compare). Each document carries the
part of the context it uses, inline, so every processor reads it offline; the whole context is
published at ``/context.jsonld`` and embedded in the JSON-LD dump.

Written here rather than by a general JSON-LD processor for speed: given the same context,
pyld's compaction takes 30-40 times and rdflib's JSON-LD serialiser 4-5 times as long as this
writer, which knows its context in advance (``python -m benchmarks jsonld``). pyoxigraph writes
only expanded JSON-LD.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import groupby
from operator import attrgetter
from typing import IO, Any

import pyoxigraph as ox

from service.namespaces import PREFIXES, RDF_TYPE, namespace_of

XSD_STRING = PREFIXES["xsd"] + "string"
LANG_STRING = PREFIXES["rdf"] + "langString"
#: The SPARQL query that tells, per property, which kinds of values it has (``@id``,
#: ``@language`` or a datatype IRI): the input of :func:`build_context`.
USAGE_QUERY = """SELECT DISTINCT ?p ?kind WHERE {
  GRAPH ?g { ?s ?p ?o }
  BIND (IF(isLiteral(?o), IF(LANG(?o) != "", "@language", STR(DATATYPE(?o))), "@id") AS ?kind)
}"""
_TERM = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Term:
    """One property's term: its name, IRI and how its values are written."""

    name: str
    iri: str
    coerce: str | None = None  # "@id", a datatype IRI, or None
    language_map: bool = False


@dataclass(frozen=True)
class Context:
    """The dataset's JSON-LD context: prefixes (namespace IRIs) and terms (by property IRI)."""

    prefixes: Mapping[str, str]
    terms: Mapping[str, Term] = field(default_factory=dict)

    @cached_property
    def by_namespace(self) -> dict[str, str]:
        """Namespace IRI -> prefix, for :func:`service.namespaces.namespace_of`."""
        return {namespace: prefix for prefix, namespace in self.prefixes.items()}

    def definition(self) -> dict[str, Any]:
        """The whole context as a JSON object (what ``/context.jsonld`` serves)."""
        return _definition(self, set(self.prefixes), list(self.terms.values()))


def usage_rows(solutions: Iterable[Any]) -> list[tuple[str, str]]:
    """(property IRI, kind) pairs from the solutions of :data:`USAGE_QUERY`."""
    return [(row["p"].value, row["kind"].value) for row in solutions]


def build_context(usage: Iterable[tuple[str, str]], prefixes: Mapping[str, str]) -> Context:
    """The context for a dataset whose properties have the given kinds of values."""
    kinds: dict[str, set[str]] = {}
    for prop, kind in usage:
        if prop != RDF_TYPE:
            kinds.setdefault(prop, set()).add(kind)
    order = list(prefixes)
    by_namespace = {namespace: prefix for prefix, namespace in prefixes.items()}
    chosen: dict[str, tuple[int, str]] = {}  # term name -> (prefix rank, property IRI)
    for prop in sorted(kinds):
        found = namespace_of(prop, by_namespace)
        if found is None:
            continue
        prefix, local = found
        if not _TERM.match(local) or local in prefixes:
            continue
        rank = order.index(prefix)
        if local not in chosen or rank < chosen[local][0]:
            chosen[local] = (rank, prop)
    terms = {}
    for name, (_, prop) in sorted(chosen.items()):
        values = kinds[prop]
        coerce, language_map = None, False
        if len(values) == 1:
            (kind,) = values
            if kind == "@language":
                language_map = True
            elif kind != XSD_STRING:
                coerce = kind
        terms[prop] = Term(name, prop, coerce, language_map)
    return Context(dict(prefixes), terms)


def _definition(context: Context, prefixes: set[str], terms: list[Term]) -> dict[str, Any]:
    out: dict[str, Any] = {p: iri for p, iri in context.prefixes.items() if p in prefixes}
    for term in sorted(terms, key=lambda t: t.name):
        out[term.name] = _term_definition(term, context.by_namespace)
    return out


def _term_definition(term: Term, by_namespace: Mapping[str, str]) -> dict[str, str]:
    definition = {"@id": _curie(term.iri, by_namespace) or term.iri}
    if term.coerce == "@id":
        definition["@type"] = "@id"
    elif term.coerce is not None:
        definition["@type"] = _curie(term.coerce, by_namespace) or term.coerce
    if term.language_map:
        definition["@container"] = "@language"
    return definition


def _curie(iri: str, by_namespace: Mapping[str, str]) -> str | None:
    """``prefix:local``, unless no namespace fits or the result would read as an IRI."""
    found = namespace_of(iri, by_namespace)
    if found is None or found[1].startswith("//"):
        return None
    return f"{found[0]}:{found[1]}"


def _prefix_of(text: str) -> str | None:
    head, colon, _ = text.partition(":")
    return head if colon else None


#: Where a pair goes in a node object (see :meth:`_Writer.node`).
_TYPE, _MAP, _PROPERTY = range(3)
#: Placements of (predicate, IRI) pairs a writer remembers, at most (memory stays bounded).
PAIR_CACHE = 200_000


class _Writer:
    """Turns terms into compact JSON values, remembering which prefixes and terms it used."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.used_prefixes: set[str] = set()
        self.used_terms: dict[str, Term] = {}
        self._iris: dict[str, str] = {}
        #: (predicate, IRI object) in N-Triples -> where and how the pair is written
        self._pairs: dict[tuple[str, str], tuple[int, str, Any]] = {}

    def iri(self, iri: str) -> str:
        """A compact IRI when a prefix fits, else the IRI itself."""
        compact = self._iris.get(iri)
        if compact is None:  # the prefix is recorded once: the set of used ones only grows
            compact = self._iris[iri] = _curie(iri, self.context.by_namespace) or iri
            prefix = _prefix_of(compact)
            if prefix in self.context.prefixes:
                self.used_prefixes.add(prefix)
        return compact

    def node_id(self, term: ox.NamedNode | ox.BlankNode) -> str:
        if type(term) is ox.BlankNode:
            return f"_:{term.value}"
        return self.iri(term.value)

    def full_value(self, term: Any) -> Any:
        """A value object that needs no coercion."""
        if isinstance(term, ox.NamedNode | ox.BlankNode):
            return {"@id": self.node_id(term)}
        if not isinstance(term, ox.Literal):
            raise ValueError(f"JSON-LD cannot carry the term {term}")
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value == XSD_STRING:
            return term.value
        return {"@value": term.value, "@type": self.iri(term.datatype.value)}

    def fits(self, term: Term, value: Any) -> bool:
        if term.coerce == "@id":
            return isinstance(value, ox.NamedNode | ox.BlankNode)
        if not isinstance(value, ox.Literal):
            return False
        if term.language_map:
            return bool(value.language)
        if value.language:
            return False
        return value.datatype.value == (term.coerce or XSD_STRING)

    def node(self, subject: Any, pairs: Iterable[tuple[ox.NamedNode, Any]]) -> dict[str, Any]:
        """One node object: ``@id``, ``@type``, then its properties (sorted, values sorted)."""
        if not isinstance(subject, ox.NamedNode | ox.BlankNode):
            raise ValueError(f"JSON-LD cannot carry the subject {subject}")
        node: dict[str, Any] = {"@id": self.node_id(subject)}
        types: list[str] = []
        props: dict[str, list[Any]] = {}
        maps: dict[str, dict[str, list[str]]] = {}
        keyed = sorted((predicate.value, str(value), i, predicate, value)
                       for i, (predicate, value) in enumerate(pairs))
        cache, named = self._pairs, ox.NamedNode
        for predicate_iri, text, _, predicate, value in keyed:
            # an IRI object (a type, a role, a group …) recurs: its placement is kept
            placed = cache.get((predicate_iri, text)) if type(value) is named else None
            if placed is None:
                placed = self._place(predicate_iri, predicate, value)
                if type(value) is named and len(cache) < PAIR_CACHE:
                    cache[(predicate_iri, text)] = placed
            where, key, item = placed
            if where == _TYPE:
                types.append(item)
            elif where == _MAP:
                maps.setdefault(key, {}).setdefault(value.language, []).append(item)
            else:
                props.setdefault(key, []).append(item)
        if types:
            node["@type"] = types[0] if len(types) == 1 else types
        for name, by_language in maps.items():
            props[name] = {lang: vs[0] if len(vs) == 1 else vs
                           for lang, vs in sorted(by_language.items())}
        for key in sorted(props):
            values = props[key]
            node[key] = values[0] if isinstance(values, list) and len(values) == 1 else values
        return node

    def _place(self, predicate_iri: str, predicate: ox.NamedNode,
               value: Any) -> tuple[int, str, Any]:
        """Where a (predicate, value) pair goes in its node object (a type, a language map's
        entry or a property's value), under which key, and the value as written."""
        if predicate_iri == RDF_TYPE and isinstance(value, ox.NamedNode | ox.BlankNode):
            return _TYPE, "", self.node_id(value)
        term = self.context.terms.get(predicate_iri)
        if term is not None and self.fits(term, value):
            self._use(term)
            if term.language_map:
                return _MAP, term.name, value.value
            if term.coerce == "@id":
                return _PROPERTY, term.name, self.node_id(value)
            return _PROPERTY, term.name, value.value
        return _PROPERTY, self.iri(predicate.value), self.full_value(value)

    def _use(self, term: Term) -> None:
        if term.name not in self.used_terms:
            self.used_terms[term.name] = term
            definition = _term_definition(term, self.context.by_namespace)
            for text in (definition["@id"], definition.get("@type", "")):
                prefix = _prefix_of(text)
                if prefix in self.context.prefixes:
                    self.used_prefixes.add(prefix)

    def local_context(self) -> dict[str, Any]:
        """The part of the context this writer's output needs."""
        return _definition(self.context, self.used_prefixes, list(self.used_terms.values()))


def _by_subject(triples: Iterable[ox.Triple]) -> dict[Any, list[tuple[ox.NamedNode, Any]]]:
    nodes: dict[Any, list[tuple[ox.NamedNode, Any]]] = {}
    for t in triples:
        nodes.setdefault(t.subject, []).append((t.predicate, t.object))
    return nodes


def compact_graph(triples: Iterable[ox.Triple], context: Context) -> dict[str, Any]:
    """A compact JSON-LD document of the triples, with the part of the context it uses."""
    writer = _Writer(context)
    nodes = _by_subject(triples)
    graph = [writer.node(s, nodes[s]) for s in sorted(nodes, key=str)]
    return {"@context": writer.local_context(), "@graph": graph}


def compact_dataset(quads: Iterable[ox.Quad], context: Context) -> dict[str, Any]:
    """A compact JSON-LD document of the quads: named graphs as ``{"@id", "@graph"}`` objects."""
    graphs: dict[Any, list[ox.Triple]] = {}
    for q in quads:
        graphs.setdefault(q.graph_name, []).append(q.triple)
    writer = _Writer(context)
    out: list[dict[str, Any]] = []
    for name in sorted(graphs, key=lambda g: "" if isinstance(g, ox.DefaultGraph) else str(g)):
        nodes = _by_subject(graphs[name])
        objects = [writer.node(s, nodes[s]) for s in sorted(nodes, key=str)]
        if isinstance(name, ox.DefaultGraph):
            out.extend(objects)
        else:
            out.append({"@id": writer.node_id(name), "@graph": objects})
    return {"@context": writer.local_context(), "@graph": out}


def dumps(document: dict[str, Any]) -> bytes:
    """The document as UTF-8 JSON: the context indented, then one node object per line
    (readable, and written by the fast C encoder)."""
    if "@graph" not in document:
        return json.dumps(document, ensure_ascii=False, indent=2).encode() + b"\n"
    head = json.dumps(document["@context"], ensure_ascii=False, indent=2).replace("\n", "\n  ")
    nodes = ",\n    ".join(json.dumps(node, ensure_ascii=False) for node in document["@graph"])
    return f'{{\n  "@context": {head},\n  "@graph": [\n    {nodes}\n  ]\n}}\n'.encode()


#: Between the named graphs of :func:`write_dataset`'s ``@graph`` list, and before the first.
GRAPH_SEPARATOR, FIRST_GRAPH = b",\n    ", b"\n    "
DATASET_TAIL = b"\n  ]\n}\n"


def dataset_head(context: Context) -> bytes:
    """What :func:`write_dataset` writes before its first graph: the whole context inline."""
    return (b'{\n  "@context": ' + json.dumps(context.definition(), ensure_ascii=False, indent=2)
            .replace("\n", "\n  ").encode("utf-8") + b',\n  "@graph": [')


def write_dataset(quads: Iterable[ox.Quad], out: IO[bytes],
                  context: Context) -> dict[str, tuple[int, int]]:
    """Stream a dataset as compact JSON-LD with the whole context inline, in constant memory
    (``out``: a buffered binary file, whose writes return their length);
    where each named graph's object is in the output (offset, length), so a later dataset
    that shares graphs and context can copy them (:func:`write_graph` writes one).

    ``quads`` must come grouped by graph, then by subject (a store's own order): each run of
    one subject becomes one node object, each run of one graph one ``{"@id", "@graph"}``.
    """
    writer = _Writer(context)
    at = out.write(dataset_head(context))  # where the output is: writes return their length
    first_item = True
    parts: dict[str, tuple[int, int]] = {}
    for name, subjects in _runs(quads):
        if isinstance(name, ox.DefaultGraph):
            for subject, pairs in subjects:
                at += out.write((b"" if first_item else b",") + b"\n    "
                                + _line(writer, subject, pairs))
                first_item = False
            continue
        at += out.write(FIRST_GRAPH if first_item else GRAPH_SEPARATOR)
        first_item = False
        length = _graph(writer, name, subjects, out)
        parts[name.value] = (at, length)
        at += length
    out.write(DATASET_TAIL)
    return parts


def write_graph(quads: Iterable[ox.Quad], out: IO[bytes], context: Context) -> None:
    """One named graph's object of :func:`write_dataset`'s ``@graph`` list, exactly as it
    writes it (``quads``: that graph's, grouped by subject)."""
    writer = _Writer(context)
    for name, subjects in _runs(quads):
        _graph(writer, name, subjects, out)


def _graph(writer: _Writer, name: Any, subjects: Iterable[tuple[Any, list]],
           out: IO[bytes]) -> int:
    """Write one graph's object; its length."""
    length = out.write(b'{"@id": ' + json.dumps(writer.node_id(name)).encode("utf-8")
                       + b', "@graph": [')
    first_node = True
    for subject, pairs in subjects:
        length += out.write((b"" if first_node else b",") + b"\n      "
                            + _line(writer, subject, pairs))
        first_node = False
    return length + out.write(b"\n    ]}")


def _line(writer: _Writer, subject: Any, pairs: list) -> bytes:
    return json.dumps(writer.node(subject, pairs), ensure_ascii=False).encode("utf-8")


def _runs(quads: Iterable[ox.Quad]) -> Iterator[tuple[Any, Iterator[tuple[Any, list]]]]:
    """(graph, iterator of (subject, [(predicate, object)])) for consecutive runs."""
    for graph, in_graph in groupby(quads, key=_GRAPH):
        yield graph, ((subject, [(q.predicate, q.object) for q in run])
                      for subject, run in groupby(in_graph, key=_SUBJECT))


_GRAPH, _SUBJECT = attrgetter("graph_name"), attrgetter("subject")
