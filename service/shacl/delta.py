"""Validate a change by the focus nodes it can affect, not by the whole store.

A release always conforms, so after a write only the focus nodes whose result can differ
need checking. :mod:`service.shacl.reads` says which statements each check reads from its
focus node; the changed triples give, per read, the focus nodes concerned (one query per
read and changed node, memoised across the checks that share the read), and each check then
runs on those nodes only, with ``?this`` substituted (pyoxigraph's ``substitutions``).

Substitution was picked by measurement on a 1M-triple store (see README, "Validating a
change"): it costs 0.2-0.5 ms per node for every query form, where injecting
``VALUES ?this { ... }`` is a few times faster for filters and groups but evaluates a
``MINUS`` over the whole store (~0.5 s even for one node), ``FILTER (?this IN (...))`` and
``VALUES`` joined to the focus sub-query are slower still. Beyond ``SUBSTITUTE_UP_TO`` nodes
(a type change on a node thousands of statements point at) a check runs once over the whole
store instead, which costs what :func:`validate_store` spends on it.

Run over the whole store as well: checks :func:`service.shacl.reads.check_reads` cannot
show local, checks whose severity is not ``Violation`` (a conforming store may hold
warnings, which must still be reported), and every check when the change touches
``rdfs:subClassOf`` (class targets and ``sh:class`` follow it everywhere).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from service.shacl.compile import Check
from service.shacl.engine import Result, resolve, run_check, validate_store
from service.shacl.reads import SUBCLASS_OF, Read, check_reads

#: Beyond this many focus nodes a check runs once over the whole store instead of once per
#: node: a substituted query costs 0.2-0.5 ms, a whole check 0.1-1 s at 1M triples.
SUBSTITUTE_UP_TO = 1000


def triples_of(statements: Iterable[ox.Triple | ox.Quad]) -> list[ox.Triple]:
    """The triples of a change given as triples or quads (any graph: the default graph is
    their merge)."""
    return [s.triple if isinstance(s, ox.Quad) else s for s in statements]


@dataclass(frozen=True)
class Plan:
    """The compiled checks with what each reads (None: runs over the whole store)."""

    checks: tuple[Check, ...]
    reads: tuple[tuple[Read, ...] | None, ...]


def plan(checks: list[Check]) -> Plan:
    """Analyse the checks once (the shapes do not change between writes)."""
    reads = []
    for check in checks:
        found = None if check.shape.severity != "Violation" else check_reads(check)
        reads.append(None if found is None else tuple(dict.fromkeys(found)))
    return Plan(tuple(checks), tuple(reads))


class _Change:
    """The changed triples by predicate, and the focus nodes they reach, memoised per read
    (checks share most of their reads)."""

    def __init__(self, store: ox.Store, triples: list[ox.Triple], cache: dict[str, str]):
        self.store, self.cache = store, cache
        self.by_predicate: dict[str, list[ox.Triple]] = {}
        for t in triples:
            self.by_predicate.setdefault(t.predicate.value, []).append(t)
        self._found: dict[Read, set] = {}
        self._classes: dict[str, set[str]] = {}

    def classes(self, names: tuple[str, ...]) -> set[str]:
        found: set[str] = set()
        for name in names:
            if name not in self._classes:  # the class itself even if no longer in the store
                self._classes[name] = {name} | {c[1:-1] for c in resolve_classes(
                    self.store, name, self.cache)}
            found |= self._classes[name]
        return found

    def reached(self, read: Read) -> set:
        """The focus nodes whose result ``read`` says the change can alter."""
        if read not in self._found:
            self._found[read] = self._reach(read)
        return self._found[read]

    def _reach(self, read: Read) -> set:
        triples = self.by_predicate.get(read.predicate, ())
        if read.classes:
            wanted = self.classes(read.classes)
            triples = [t for t in triples if t.object.value in wanted]
        ends = {t.subject if read.forward else t.object for t in triples}
        if not ends or read.prefix is None:
            return ends
        # the ends themselves too: a path with * matches them at length zero, which a
        # store no longer holding them would not say
        found: set = set(ends)
        query = f"SELECT DISTINCT ?x ?n WHERE {{ ?x {read.prefix.sparql()} ?n }}"
        for end in ends:  # one substitution each: VALUES cannot hold a blank node
            found.update(row[0] for row in self.store.query(
                query, substitutions={ox.Variable("n"): end}))
        return found


def resolve_classes(store: ox.Store, iri: str, cache: dict[str, str]) -> list[str]:
    """The class ``iri`` and its subclasses in ``store``, as ``<iri>`` terms."""
    return resolve(store, "{{subclasses:<" + iri + ">}}", cache).split()


def run_on(store: ox.Store, check: Check, nodes: set, cache: dict[str, str]) -> list[Result]:
    """The results of ``check`` for the focus nodes among ``nodes`` only."""
    return [r for node in sorted(nodes, key=str)
            for r in run_check(store, check, cache, {ox.Variable("this"): node})]


def validate_change(store: ox.Store, checks: list[Check] | Plan,
                    added: Iterable[ox.Triple | ox.Quad],
                    removed: Iterable[ox.Triple | ox.Quad]) -> list[Result]:
    """What :func:`validate_store` reports on ``store`` (after the change), provided the store
    before the change had no violation; work is proportional to the nodes the change reaches."""
    steps = checks if isinstance(checks, Plan) else plan(checks)
    triples = triples_of(added) + triples_of(removed)
    if any(t.predicate.value == SUBCLASS_OF for t in triples):
        return validate_store(store, list(steps.checks))
    cache: dict[str, str] = {}
    change = _Change(store, triples, cache)
    found: list[Result] = []
    for check, reads in zip(steps.checks, steps.reads, strict=True):
        if reads is None:
            found += run_check(store, check, cache)
            continue
        nodes: set = set()
        for read in reads:
            nodes |= change.reached(read)
        if len(nodes) > SUBSTITUTE_UP_TO:
            found += run_check(store, check, cache)
        elif nodes:
            found += run_on(store, check, nodes, cache)
    return sorted(found)
