"""The OpenAPI 3 description of the named-query API: one GET operation per file of queries/.

A pure function of the loaded queries, so the document always matches what /api serves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from service import media
from service.queries import NamedQuery, Parameter

SCHEMAS: dict[str, dict[str, Any]] = {
    "iri": {"type": "string", "format": "uri-reference"},
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "date": {"type": "string", "format": "date"},
    "year": {"type": "string", "pattern": "^[0-9]{4}$"},
}
FORMAT_NAMES = [f.name for f in media.RESULTS_FORMATS]


def _parameter(param: Parameter) -> dict[str, Any]:
    description = param.description
    if param.type == "iri":
        description += " (an IRI, or a path relative to the dataset's base, e.g. id/city/…)"
    return {"name": param.name, "in": "query", "required": not param.optional,
            "description": description, "schema": SCHEMAS[param.type],
            "example": param.example}


def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {media.PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}},
                        media.TEXT: {"schema": {"type": "string"}}}}


def _operation(query: NamedQuery) -> dict[str, Any]:
    results = {f.media_type: {"schema": {"type": "object"} if f is media.SPARQL_JSON
                              else {"type": "string"}}
               for f in media.RESULTS_FORMATS}
    return {"get": {
        "operationId": query.name.replace("-", "_"),
        "summary": query.title,
        "description": query.description,
        "tags": ["named queries"],
        "parameters": [_parameter(p) for p in query.parameters] + [{
            "name": "format", "in": "query", "required": False,
            "description": "Results format, instead of an Accept header.",
            "schema": {"type": "string", "enum": FORMAT_NAMES}}],
        "responses": {
            "200": {"description": "The SPARQL results of the query.", "content": results},
            "304": {"description": "Not modified since the ETag or date given."},
            "400": _error("A parameter is missing, unknown or malformed."),
            "406": _error("None of the accepted media types is offered."),
            "503": _error("The query hit its time limit or no dataset is published."),
        },
    }}


def document(queries: Iterable[NamedQuery], server_url: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.0 document for ``queries``, served from ``server_url``."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "CityNet LOD named queries",
            "version": version or "1.0.0",
            "description": "Each named SPARQL query of the dataset as a GET operation. Parameters "
                           "are bound as RDF terms; results are SPARQL results (JSON, XML, CSV, "
                           "TSV) negotiated by Accept or the format parameter.",
        },
        "servers": [{"url": server_url.rstrip("/")}],
        "paths": {f"/api/{q.name}": _operation(q) for q in queries},
        "components": {"schemas": {"Problem": {  # RFC 9457 problem details
            "type": "object",
            "required": ["type", "title", "status", "detail"],
            "properties": {"type": {"type": "string", "format": "uri-reference"},
                           "title": {"type": "string"}, "status": {"type": "integer"},
                           "detail": {"type": "string"},
                           "limit": {"type": "object", "description": "the setting that "
                                     "stopped the query, its value and unit"}},
        }}},
    }
