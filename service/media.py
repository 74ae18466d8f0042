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
#: ``application/json`` is JSON-LD too for a graph (a document, a CONSTRUCT result); for
#: SELECT and ASK it is SPARQL JSON results (see SPARQL_JSON).
JSON_LD = RdfMedia("application/ld+json", RdfFormat.JSON_LD, "jsonld", "jsonld",
                   ("application/json",))
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
#: RFC 9457 problem details: the body of every error the web service answers.
PROBLEM_JSON = "application/problem+json"
TEXT = "text/plain"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
FORM = "application/x-www-form-urlencoded"
ATOM = "application/atom+xml"
GZIP = "application/gzip"
#: The static assets the pages load, by file suffix (the stylesheet, the query editor).
ASSET_TYPES: dict[str, str] = {"css": "text/css", "js": "text/javascript", "map": JSON,
                               "svg": "image/svg+xml", "png": "image/png", "ico": "image/x-icon"}


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


#: ``format`` / ``output`` parameter values for a SELECT or ASK result, as clients send them
#: (SPARQLWrapper, Virtuoso and Fuseki conventions). A value naming the XML or JSON family of
#: an RDF format (``rdf+xml``, ``json-ld``) asks for the results format of that family.
_RESULTS_PARAMS: dict[str, ResultsMedia] = {
    **{m.name: m for m in RESULTS_FORMATS},
    **{m.media_type: m for m in RESULTS_FORMATS},
    **{alias: m for m in RESULTS_FORMATS for alias in m.aliases},
    "srj": SPARQL_JSON, "srx": SPARQL_XML,
    "rdf": SPARQL_XML, "rdf+xml": SPARQL_XML, "rdfxml": SPARQL_XML, RDF_XML.media_type: SPARQL_XML,
    "json-ld": SPARQL_JSON, "jsonld": SPARQL_JSON, JSON_LD.media_type: SPARQL_JSON,
}

#: ``format`` / ``output`` parameter values for a CONSTRUCT or DESCRIBE result. For a graph,
#: ``xml`` is RDF/XML and ``json`` JSON-LD (as Fuseki reads them); ``n3`` is answered in Turtle
#: (a subset of N3 every N3 reader accepts).
_GRAPH_PARAMS: dict[str, RdfMedia] = {
    **{m.name: m for m in RDF_FORMATS},
    **{m.suffix: m for m in RDF_FORMATS},
    **{m.media_type: m for m in RDF_FORMATS},
    **{alias: m for m in RDF_FORMATS for alias in m.aliases},
    "xml": RDF_XML, "rdf+xml": RDF_XML, "application/xml": RDF_XML,
    "json-ld": JSON_LD, "json": JSON_LD, JSON: JSON_LD,
    "n3": TURTLE, "text/n3": TURTLE, "text/rdf+n3": TURTLE, "application/n3": TURTLE,
    "n-triples": N_TRIPLES, "n-quads": N_QUADS,
}


def results_by_param(value: str) -> ResultsMedia | None:
    """The SELECT/ASK format a ``format`` or ``output`` parameter value names, if any."""
    return _RESULTS_PARAMS.get(value.split(";", 1)[0].strip().lower())


def rdf_by_param(value: str) -> RdfMedia | None:
    """The CONSTRUCT/DESCRIBE format a ``format`` or ``output`` parameter value names, if any."""
    return _GRAPH_PARAMS.get(value.split(";", 1)[0].strip().lower())


def format_param_values() -> list[str]:
    """Every short ``format``/``output`` value understood for some query form (for messages)."""
    return sorted({v for v in (*_RESULTS_PARAMS, *_GRAPH_PARAMS) if "/" not in v})


def content_type(media_type: str) -> str:
    """The Content-Type header value: text formats say their charset."""
    if media_type.startswith("text/") or media_type.endswith(("+json", "+xml", "/json",
                                                               "n-triples", "n-quads", "trig")):
        return f"{media_type}; charset=utf-8"
    return media_type
