"""Resource lookups: how much the web layer adds to the store's own time.

For a few resources, times (median of N runs) the store alone (the description CONSTRUCT,
serialised by pyoxigraph), the same triples serialised by rdflib, and the full request
through the Flask application (routing, negotiation, caching headers) for Turtle and HTML.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import rdflib

from service.build.pipeline import build
from service.settings import Settings, load_settings
from service.store.embedded import EmbeddedStore
from service.web import describe
from service.web.app import create_app

THINGS = ("group/eurocities-migration-integration", "city/barcelona", "network/eurocities",
          "community/cemr-society")


@contextmanager
def seed_release() -> Iterator[tuple[Settings, EmbeddedStore]]:
    """The project's data built into a temporary folder, and its store."""
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings({"var": Path(folder), "base": "http://127.0.0.1:8080/"})
        build(settings)
        yield settings, EmbeddedStore(settings.var)


def median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks lookup", description=__doc__)
    parser.add_argument("--runs", type=int, default=50, help="runs per measurement")
    args = parser.parse_args(argv)
    with seed_release() as (settings, store):
        client = create_app(settings, store).test_client()
        query = describe.description_query(settings.describe_incoming_limit)
        print(f"{'resource':45} {'store+oxigraph':>15} {'rdflib ser.':>12} "
              f"{'web .ttl':>9} {'web .html':>10}  (median ms of {args.runs})")
        for thing in THINGS:
            iri = ox.NamedNode(f"{settings.base_iri}id/{thing}")

            def store_only(iri=iri):
                triples = store.query(query, substitutions={"s": iri})
                return ox.serialize(triples, format=ox.RdfFormat.TURTLE)

            triples = list(store.query(query, substitutions={"s": iri}))
            graph = rdflib.Graph().parse(
                data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
            cells = (
                median_ms(store_only, args.runs),
                median_ms(lambda g=graph: g.serialize(format="turtle"), args.runs),
                median_ms(lambda t=thing: client.get(f"/doc/{t}.ttl"), args.runs),
                median_ms(lambda t=thing: client.get(f"/doc/{t}.html"), args.runs),
            )
            print(f"{thing:45} {cells[0]:15.2f} {cells[1]:12.2f} {cells[2]:9.2f} {cells[3]:10.2f}")
    return 0
