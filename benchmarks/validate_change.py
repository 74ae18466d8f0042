"""Validating a write by what it changed against validating the whole store.

Loads a source folder's validation graph into a pyoxigraph store (as ``benchmarks validate
--direct`` does: the project's seeds by default, ``--root DIR`` for a generated folder), then
for a few one-triple changes found in the data (a role removed, a type removed from a node
that many statements point at, an instant's date changed, a unit's link to its network
removed, a label added) times :func:`service.shacl.delta.validate_change` (median of
``--repeat`` runs) and :func:`service.shacl.engine.validate_store` once, on the same store
after the change, and checks that both report the same results.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from benchmarks.validate import direct_store
from service.build.validate import load_shapes
from service.namespaces import PREFIXES
from service.settings import PROJECT_ROOT
from service.shacl.delta import plan, validate_change
from service.shacl.engine import compile_graph, validate_store

DEFAULT = ox.DefaultGraph()
ORG, TIME = PREFIXES["org"], "http://www.w3.org/2006/time#"
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")


def _first(store: ox.Store, query: str) -> ox.QuerySolution:
    return next(iter(store.query(query)))


def changes(store: ox.Store) -> list[tuple[str, list[ox.Triple], list[ox.Triple]]]:
    """(name, added, removed) of each measured change, picked deterministically."""
    found = []
    row = _first(store, f"SELECT ?m ?r WHERE {{ ?m <{ORG}role> ?r }} ORDER BY ?m LIMIT 1")
    found.append(("remove a membership's role", [],
                  [ox.Triple(row["m"], ox.NamedNode(ORG + "role"), row["r"])]))
    row = _first(store, f"SELECT ?o (COUNT(*) AS ?n) WHERE {{ ?m <{ORG}organization> ?o }} "
                        "GROUP BY ?o ORDER BY DESC(?n) ?o LIMIT 1")
    found.append((f"untype the organisation of {row['n'].value} memberships", [],
                  [ox.Triple(row["o"], RDF_TYPE, ox.NamedNode(ORG + "Organization"))]))
    row = _first(store, f"SELECT ?e ?d WHERE {{ ?p <{TIME}hasEnd> ?e . ?e <{TIME}inXSDDate> ?d . "
                        f"?p <{TIME}hasBeginning>/(<{TIME}inXSDDate>|<{TIME}inXSDgYear>|"
                        f"<{TIME}inXSDgYearMonth>) ?b }} ORDER BY ?e LIMIT 1")
    date = ox.NamedNode(TIME + "inXSDDate")
    earlier = ox.Literal("1900-01-01", datatype=ox.NamedNode(PREFIXES["xsd"] + "date"))
    found.append(("an end date before its beginning", [ox.Triple(row["e"], date, earlier)],
                  [ox.Triple(row["e"], date, row["d"])]))
    row = _first(store, f"SELECT ?u ?n WHERE {{ ?u <{ORG}unitOf> ?n . ?g <{ORG}subOrganizationOf> "
                        "?u } ORDER BY ?u LIMIT 1")
    found.append(("remove the unitOf of a unit with units below", [],
                  [ox.Triple(row["u"], ox.NamedNode(ORG + "unitOf"), row["n"])]))
    row = _first(store, f"SELECT ?x WHERE {{ ?x a <{PREFIXES['foaf']}Person> }} ORDER BY ?x "
                        "LIMIT 1")
    found.append(("add a label to a person", [ox.Triple(row["x"], ox.NamedNode(
        PREFIXES["rdfs"] + "label"), ox.Literal("benchmark", language="en"))], []))
    return found


def _apply(store: ox.Store, add: list[ox.Triple], remove: list[ox.Triple]) -> None:
    for t in remove:
        store.remove(ox.Quad(t.subject, t.predicate, t.object, DEFAULT))
    store.extend([ox.Quad(t.subject, t.predicate, t.object, DEFAULT) for t in add])


def _timed(run: Callable[[], list]) -> tuple[float, list]:
    started = time.perf_counter()
    found = run()
    return time.perf_counter() - started, found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks validate-change",
                                     description=__doc__)
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT,
                        help="source folder (data/, ontology/); default: the project's seeds")
    parser.add_argument("--repeat", type=int, default=5, help="runs of validate_change each")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    store = direct_store(args.root)
    print(f"{len(store)} triples loaded in {time.perf_counter() - started:.1f} s")
    checks = compile_graph(load_shapes(PROJECT_ROOT / "shapes"))
    seconds, steps = _timed(lambda: [plan(checks)])
    steps = steps[0]
    print(f"{len(checks)} checks planned in {seconds * 1000:.0f} ms (once per process)")
    print(f"{'change':>48} {'results':>7} {'change ms':>10} {'whole s':>8} {'ratio':>7} same")
    same = True
    for name, add, remove in changes(store):
        _apply(store, add, remove)
        runs = [_timed(lambda a=add, r=remove: validate_change(store, steps, a, r))
                for _ in range(args.repeat)]
        delta = statistics.median(s for s, _ in runs)
        whole, expected = _timed(lambda: validate_store(store, checks))
        ok = all(found == expected for _, found in runs)
        same &= ok
        print(f"{name:>48} {len(expected):7d} {delta * 1000:10.1f} {whole:8.2f} "
              f"{whole / delta:6.0f}x {ok}")
        _apply(store, remove, add)
    return 0 if same else 1
