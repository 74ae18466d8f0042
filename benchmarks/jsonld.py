"""JSON-LD writers on resource descriptions and on the whole dataset: why the service writes
compact JSON-LD itself (service/jsonld.py) rather than through a general JSON-LD processor.

For each input, the median time of: pyoxigraph's expanded JSON-LD (no context), the service's
compact writer, pyld compacting pyoxigraph's expanded output with the same context, and rdflib's
JSON-LD serialiser with that context; and Turtle by pyoxigraph with and without the prefix
selection of service/rdfout.py.
"""

from __future__ import annotations

import argparse
import json

import pyoxigraph as ox
import rdflib
from pyld import jsonld as pyld

from benchmarks.lookup import THINGS, median_ms, seed_release
from service import media, rdfout
from service.namespaces import data_prefixes
from service.store.context import release_context
from service.web import describe


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks jsonld", description=__doc__)
    parser.add_argument("--runs", type=int, default=20, help="runs per measurement")
    args = parser.parse_args(argv)
    with seed_release() as (settings, store):
        base = settings.base_iri
        prefixes = data_prefixes(base)
        context = release_context(store, base)
        definition = {"@context": context.definition()}
        inputs = [(thing, list(describe.describe(store, f"{base}id/{thing}",
                                                 settings.describe_incoming_limit)))
                  for thing in THINGS]
        everything = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        inputs.append(("whole dataset (default graph)", list(everything)))
        print(f"{'input':38} {'triples':>7} {'ox expanded':>11} {'compact':>8} {'pyld':>8} "
              f"{'rdflib':>8} {'ox ttl':>7} {'clean ttl':>9}  (median ms of {args.runs})")
        for name, triples in inputs:
            expanded = json.loads(ox.serialize(triples, format=ox.RdfFormat.JSON_LD))
            graph = rdflib.Graph().parse(
                data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
            runs = args.runs if len(triples) < 1000 else max(1, args.runs // 10)
            cells = (
                median_ms(lambda t=triples: ox.serialize(t, format=ox.RdfFormat.JSON_LD), runs),
                median_ms(lambda t=triples: rdfout.triples(t, media.JSON_LD, prefixes, context),
                          runs),
                median_ms(lambda e=expanded: pyld.compact(e, definition), runs),
                median_ms(lambda g=graph: g.serialize(format="json-ld",
                                                      context=definition["@context"]), runs),
                median_ms(lambda t=triples: ox.serialize(t, format=ox.RdfFormat.TURTLE,
                                                         prefixes=prefixes), runs),
                median_ms(lambda t=triples: rdfout.triples(t, media.TURTLE, prefixes), runs),
            )
            print(f"{name:38} {len(triples):7} " + " ".join(
                f"{c:{w}.2f}" for c, w in zip(cells, (11, 8, 8, 8, 7, 9), strict=True)))
    return 0
