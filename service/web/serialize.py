"""Serialise what a route answers: clean Turtle and compact JSON-LD (:mod:`service.rdfout`)
with the deployment's prefixes and the dataset's JSON-LD context, and JSON-LD made safe to
embed in an HTML ``<script>`` element."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from service import media, rdfout
from service.namespaces import data_prefixes
from service.web.common import jsonld_context


def triples(items: Iterable[ox.Triple], fmt: media.RdfMedia, base: str) -> bytes:
    """Serialise triples; a dataset format puts them in the default graph."""
    return rdfout.triples(items, fmt, data_prefixes(base), _context(fmt))


def quads(items: Iterable[ox.Quad], fmt: media.RdfMedia, base: str) -> bytes:
    """Serialise quads: dataset formats keep the graph names, graph formats drop them."""
    return rdfout.quads(items, fmt, data_prefixes(base), _context(fmt))


def _context(fmt: media.RdfMedia):
    return jsonld_context() if fmt is media.JSON_LD else None


def embeddable_jsonld(items: Iterable[ox.Triple], base: str) -> str:
    """JSON-LD for ``<script type="application/ld+json">``: ``</`` cannot end the element."""
    text = triples(items, media.JSON_LD, base).decode("utf-8")
    return text.replace("</", "<\\/").replace("<!--", "\\u003c!--")


