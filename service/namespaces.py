"""Every namespace the project uses, in one place.

The CityNet vocabulary has a fixed namespace, the same in every deployment, so that queries and
shapes never depend on the configured base IRI. Everything the dataset mints lives under the
base IRI instead: things at ``{base}id/{kind}/{slug}``, graphs at ``{base}graph/{name}``.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox

VOCAB = "https://w3id.org/citynet/def#"
VOCAB_ONTOLOGY = "https://w3id.org/citynet/def"
SHAPES = "https://w3id.org/citynet/shapes#"
#: IANA's media-type register: ``{IANA_MEDIA_TYPES}text/turtle`` names a media type as an IRI
#: (for ``dct:format``, ``dcat:mediaType``, ``dcat:compressFormat``). Not a prefix: a prefixed
#: name could not hold the slash of ``type/subtype`` unescaped.
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"

PREFIXES: dict[str, str] = {
    "cn": VOCAB,
    "cnsh": SHAPES,
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "http://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "time": "http://www.w3.org/2006/time#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcatap": "http://data.europa.eu/r5r/",
    "void": "http://rdfs.org/ns/void#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "cv": "http://data.europa.eu/m8g/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
    "spdx": "http://spdx.org/rdf/terms#",
    "wd": "http://www.wikidata.org/entity/",
    "hydra": "http://www.w3.org/ns/hydra/core#",
}

RDF_TYPE = PREFIXES["rdf"] + "type"
LABEL_PROPERTIES = (
    PREFIXES["skos"] + "prefLabel",
    PREFIXES["rdfs"] + "label",
    PREFIXES["foaf"] + "name",
    PREFIXES["schema"] + "name",
    PREFIXES["dct"] + "title",
)


def term(prefix: str, local: str) -> ox.NamedNode:
    """The IRI ``prefix:local`` of a vocabulary this service uses, as an RDF term."""
    return ox.NamedNode(PREFIXES[prefix] + local)


def data_prefixes(base: str) -> dict[str, str]:
    """Prefixes for serialisations: the standard ones plus the base's own id and graph spaces."""
    return {**PREFIXES, "id": base + "id/", "graph": base + "graph/"}


def namespace_of(iri: str, by_namespace: Mapping[str, str]) -> tuple[str, str] | None:
    """(prefix, local name) for the longest namespace of ``by_namespace`` (namespace IRI ->
    prefix) that ``iri`` starts with, or None. Every namespace ends in ``/`` or ``#``, so only
    the IRI's beginnings up to one of those are looked up."""
    end = len(iri)
    while end > 0:
        end = max(iri.rfind("/", 0, end), iri.rfind("#", 0, end))
        if end < 0:
            return None
        prefix = by_namespace.get(iri[:end + 1])
        if prefix is not None:
            return prefix, iri[end + 1:]
    return None


def graph_iri(base: str, name: str) -> str:
    return f"{base}graph/{name}"


#: Predicates of the release records a remote store holds (private to the service, never
#: published in a dump): the record's JSON and when it was published (ns since the epoch).
RECORD = "urn:citynet:release-record#"


def releases_graph(base: str) -> str:
    """The remote store's graph of release records: which release is live (the latest)."""
    return f"{base}release/"


def release_graph(base: str, name: str) -> str:
    """The remote store's graph holding one release's default graph (the merge, a set)."""
    return f"{base}release/{name}"


def thing_iri(base: str, kind: str, slug: str) -> str:
    return f"{base}id/{kind}/{slug}"


def sparql_prefix_block(prefixes: dict[str, str] | None = None) -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or PREFIXES).items())
