"""Serialise triples and quads with pyoxigraph (fast), with the project's prefixes where the
format has them, and JSON-LD made safe to embed in an HTML ``<script>`` element."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from service import media
from service.namespaces import data_prefixes

_PREFIXED = {ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML}


def triples(items: Iterable[ox.Triple], fmt: media.RdfMedia, base: str) -> bytes:
    """Serialise triples; a dataset format puts them in the default graph."""
    prefixes = data_prefixes(base) if fmt.format in _PREFIXED else None
    return ox.serialize(list(items), format=fmt.format, prefixes=prefixes)


def quads(items: Iterable[ox.Quad], fmt: media.RdfMedia, base: str) -> bytes:
    """Serialise quads: dataset formats keep the graph names, graph formats drop them."""
    items = list(items)
    if not fmt.datasets:
        return triples(sorted({q.triple for q in items}, key=str), fmt, base)
    prefixes = data_prefixes(base) if fmt.format in _PREFIXED else None
    return ox.serialize(items, format=fmt.format, prefixes=prefixes)


def embeddable_jsonld(items: Iterable[ox.Triple], base: str) -> str:
    """JSON-LD for ``<script type="application/ld+json">``: ``</`` cannot end the element."""
    text = triples(items, media.JSON_LD, base).decode("utf-8")
    return text.replace("</", "<\\/").replace("<!--", "\\u003c!--")


def content_type(media_type: str) -> str:
    """The Content-Type header value: text formats say their charset."""
    if media_type.startswith("text/") or media_type.endswith(("+json", "+xml", "/json",
                                                               "n-triples", "n-quads", "trig")):
        return f"{media_type}; charset=utf-8"
    return media_type
