"""Every media type the service reads or writes, with its format objects and file suffix.

This is the one place that knows media types: negotiation, serialisation, dumps and the
Graph Store Protocol all look formats up here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat


@dataclass(frozen=True)
class RdfMedia:
    """An RDF serialisation: media type, pyoxigraph format, document suffix, short name."""

    media_type: str
    format: RdfFormat
    suffix: str
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def datasets(self) -> bool:
        return self.format.supports_datasets


@dataclass(frozen=True)
class ResultsMedia:
    """A SPARQL results serialisation for SELECT and ASK."""

    media_type: str
    format: QueryResultsFormat
    name: str
    aliases: tuple[str, ...] = ()


TURTLE = RdfMedia("text/turtle", RdfFormat.TURTLE, "ttl", "turtle", ("application/x-turtle",))
JSON_LD = RdfMedia("application/ld+json", RdfFormat.JSON_LD, "jsonld", "jsonld")
N_TRIPLES = RdfMedia("application/n-triples", RdfFormat.N_TRIPLES, "nt", "ntriples", ("text/plain",))
RDF_XML = RdfMedia("application/rdf+xml", RdfFormat.RDF_XML, "rdf", "rdfxml")
N_QUADS = RdfMedia("application/n-quads", RdfFormat.N_QUADS, "nq", "nquads", ("text/x-nquads",))
TRIG = RdfMedia("application/trig", RdfFormat.TRIG, "trig", "trig")

#: Formats for a graph (a resource description, a CONSTRUCT result), Turtle first.
GRAPH_FORMATS: tuple[RdfMedia, ...] = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML)
#: Formats that can carry named graphs too.
DATASET_FORMATS: tuple[RdfMedia, ...] = (N_QUADS, TRIG)
RDF_FORMATS: tuple[RdfMedia, ...] = GRAPH_FORMATS + DATASET_FORMATS

SPARQL_JSON = ResultsMedia(
    "application/sparql-results+json", QueryResultsFormat.JSON, "json", ("application/json",)
)
SPARQL_XML = ResultsMedia(
    "application/sparql-results+xml", QueryResultsFormat.XML, "xml", ("application/xml",)
)
SPARQL_CSV = ResultsMedia("text/csv", QueryResultsFormat.CSV, "csv")
SPARQL_TSV = ResultsMedia("text/tab-separated-values", QueryResultsFormat.TSV, "tsv")
RESULTS_FORMATS: tuple[ResultsMedia, ...] = (SPARQL_JSON, SPARQL_XML, SPARQL_CSV, SPARQL_TSV)

HTML = "text/html"
JSON = "application/json"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
FORM = "application/x-www-form-urlencoded"


def rdf_by_media_type(media_type: str) -> RdfMedia | None:
    media_type = media_type.split(";", 1)[0].strip().lower()
    return next(
        (m for m in RDF_FORMATS if media_type == m.media_type or media_type in m.aliases), None
    )


def rdf_by_name(name: str) -> RdfMedia | None:
    """Look a format up by short name, suffix or media type (the ``format`` parameter)."""
    name = name.strip().lower()
    return next(
        (m for m in RDF_FORMATS if name in (m.name, m.suffix, m.media_type)), None
    ) or rdf_by_media_type(name)


def results_by_name(name: str) -> ResultsMedia | None:
    name = name.strip().lower()
    return next(
        (m for m in RESULTS_FORMATS if name in (m.name, m.media_type) or name in m.aliases), None
    )
