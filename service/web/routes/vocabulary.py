"""The vocabulary at /def and the shapes at /shapes: HTML documentation and every RDF format.

The vocabulary's namespace is fixed (https://w3id.org/citynet/def#) in every deployment; its
terms live in the store's graph ``{base}graph/vocabulary``. The shapes are not data: they are
read from ``shapes/*.ttl`` and cached per file modification time.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request, url_for

from service import media
from service.namespaces import PREFIXES, RDF_TYPE, SHAPES, VOCAB, graph_iri
from service.problems import Problem
from service.web import negotiate, serialize, view
from service.web.common import base, languages, rdf_body, release, settings, store
from service.web.representation import ACCEPT_LANGUAGE, Representation, html

bp = Blueprint("vocabulary", __name__)

VOCAB_QUERY = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
SECTIONS = (
    ("Classes", ("owl:Class", "rdfs:Class")),
    ("Object properties", ("owl:ObjectProperty",)),
    ("Datatype properties", ("owl:DatatypeProperty", "rdf:Property", "owl:AnnotationProperty")),
    ("Concept schemes", ("skos:ConceptScheme",)),
    ("Concepts", ("skos:Concept", "org:Role")),
)
_shapes_cache: dict[tuple, list[ox.Triple]] = {}


def _expand(curie: str) -> str:
    prefix, local = curie.split(":", 1)
    return PREFIXES[prefix] + local


def _format(suffix: str | None):
    if suffix is not None:
        fmt = negotiate.by_suffix(suffix)
        if fmt is None:
            raise Problem(404, f"unknown format suffix .{suffix}; use .html .ttl .jsonld "
                               ".nt or .rdf")
        return fmt, None
    fmt = negotiate.choose(request.headers.get("Accept"), media.GRAPH_FORMATS, html=True)
    if fmt is None:
        raise Problem(406, "available as HTML, Turtle, JSON-LD, N-Triples and RDF/XML")
    return fmt, (fmt.suffix if fmt != media.HTML else "html")


def vocabulary_triples() -> list[ox.Triple]:
    g = ox.NamedNode(graph_iri(base(), "vocabulary"))
    rows = store().query(VOCAB_QUERY, substitutions={"g": g})
    return sorted({ox.Triple(r["s"], r["p"], r["o"]) for r in rows}, key=str)


def shapes_triples(folder: Path) -> list[ox.Triple]:
    files = sorted(folder.glob("*.ttl")) if folder.is_dir() else []
    key = tuple((str(p), p.stat().st_mtime_ns) for p in files)
    if key not in _shapes_cache:
        found: set[ox.Triple] = set()
        for path in files:
            found.update(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE,
                                  base_iri=SHAPES))
        _shapes_cache.clear()
        _shapes_cache[key] = sorted(found, key=str)
    return _shapes_cache[key]


def _serve(kind: str, suffix: str | None, triples_of) -> Response:
    fmt, negotiated = _format(suffix)
    location = url_for(f"vocabulary.{kind}_doc", suffix=negotiated) if negotiated else None
    rep = Representation(release(), [kind, "html" if fmt == media.HTML else fmt.name,
                                     *languages()], vary=ACCEPT_LANGUAGE, location=location)

    def render():
        triples = triples_of()
        if fmt != media.HTML:
            return rdf_body(serialize.triples(triples, fmt, base()), fmt.media_type)
        namespace = VOCAB if kind == "vocabulary" else SHAPES
        return html(render_template(
            "vocabulary.html", kind=kind, sections=_sections(triples, namespace),
            formats=media.GRAPH_FORMATS, namespace=namespace,
            title="The CityNet vocabulary" if kind == "vocabulary" else "The CityNet shapes"))

    return rep.respond(render)


def _sections(triples: list[ox.Triple], namespace: str) -> list[dict]:
    """Terms grouped by kind; each with an anchor (its local name), label and properties."""
    labels: dict = {}
    from service.namespaces import LABEL_PROPERTIES

    for t in triples:
        if t.predicate.value in LABEL_PROPERTIES and isinstance(t.object, ox.Literal):
            labels.setdefault(t.subject, []).append((t.predicate.value, t.object))
    lab = view.Labeller(labels, languages(), view.Linker(base(), url_for("home.home")))
    types: dict = {}
    for t in triples:
        if t.predicate.value == RDF_TYPE:
            types.setdefault(t.subject, set()).add(t.object.value)
    terms = [s for s in types if isinstance(s, ox.NamedNode) and s.value.startswith(namespace)]
    placed: set = set()
    sections = []
    kinds = SECTIONS if namespace == VOCAB else (("Node shapes", ("sh:NodeShape",)),)
    for heading, curies in kinds:
        wanted = {_expand(c) for c in curies}
        members = [s for s in terms if types[s] & wanted and s not in placed]
        placed.update(members)
        if members:
            sections.append({"heading": heading, "terms": [_term(s, triples, lab, namespace)
                                                          for s in sorted(members, key=str)]})
    rest = [s for s in terms if s not in placed]
    if rest:
        sections.append({"heading": "Other terms", "terms": [_term(s, triples, lab, namespace)
                                                           for s in sorted(rest, key=str)]})
    return sections


def _term(node: ox.NamedNode, triples: list[ox.Triple], lab: view.Labeller, ns: str) -> dict:
    groups: dict[str, view.Group] = {}
    for t in triples:
        if t.subject == node:
            group = groups.setdefault(t.predicate.value,
                                      view.Group(lab.label(t.predicate), t.predicate.value))
            group.values.append(lab.value(t.object))
    return {"anchor": node.value[len(ns):], "iri": node.value, "label": lab.label(node),
            "groups": sorted(groups.values(), key=lambda g: g.label)}


@bp.route("/def", methods=["GET"], defaults={"suffix": None}, endpoint="vocabulary_doc")
@bp.route("/def.<suffix>", methods=["GET"], endpoint="vocabulary_doc")
def vocabulary_doc(suffix: str | None) -> Response:
    return _serve("vocabulary", suffix, vocabulary_triples)


@bp.route("/shapes", methods=["GET"], defaults={"suffix": None}, endpoint="shapes_doc")
@bp.route("/shapes.<suffix>", methods=["GET"], endpoint="shapes_doc")
def shapes_doc(suffix: str | None) -> Response:
    return _serve("shapes", suffix, lambda: shapes_triples(settings().shapes_dir))
