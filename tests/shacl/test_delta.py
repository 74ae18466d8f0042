"""Validating a change by what it changed reports exactly what validating the whole store
reports, whenever the store before the change conformed: for every mutation of the corpus,
for removals of what a constraint needs, for no change, and for random changes."""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SH

from service.build.load import Loaded
from service.build.sources import SD_NAMED_GRAPH
from service.build.validate import load_shapes, validate_change_loaded, validate_loaded
from service.settings import PROJECT_ROOT
from service.shacl import delta
from service.shacl.compile import Compiler
from service.shacl.delta import plan, validate_change
from service.shacl.engine import compile_graph, resolve, validate_store
from service.shacl.reads import Read, sparql_reads
from service.shacl.shapes import COMPONENTS
from service.shacl.shapes import Path as ShapePath
from tests.shacl.mutations import constraints, mutation

RDF_TYPE = ox.NamedNode(str(RDF.type))
DEFAULT = ox.DefaultGraph()


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(PROJECT_ROOT / "shapes")


@pytest.fixture(scope="module")
def steps(shapes):
    return plan(compile_graph(shapes))


@pytest.fixture(scope="module")
def release_quads(built_store: ox.Store) -> list[ox.Quad]:
    """The seed release: its named graphs and their merge, the default graph."""
    return list(built_store.quads_for_pattern(None, None, None, None))


def seed_store(quads: list[ox.Quad]) -> ox.Store:
    """A private, writable copy of the seed release with the ``sd:NamedGraph`` markers that
    validation adds (as :func:`service.build.validate.validate_loaded` does)."""
    store = ox.Store()
    store.extend(quads)
    named = ox.NamedNode(str(SD_NAMED_GRAPH))
    store.extend([ox.Quad(g, RDF_TYPE, named, DEFAULT) for g in store.named_graphs()])
    return store


@pytest.fixture()
def store(release_quads, steps) -> ox.Store:
    store = seed_store(release_quads)
    assert validate_store(store, list(steps.checks)) == []  # every release conforms
    return store


def to_ox(triples) -> list[ox.Triple]:
    """rdflib triples as pyoxigraph triples (through N-Triples: one parser for both)."""
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return [q.triple for q in ox.parse(graph.serialize(format="nt", encoding="utf-8"),
                                       format=ox.RdfFormat.N_TRIPLES)]


def in_default(t: ox.Triple) -> ox.Quad:
    return ox.Quad(t.subject, t.predicate, t.object, DEFAULT)


def one(term) -> ox.NamedNode | ox.Literal:
    return to_ox([(RDF.type, RDF.type, term)])[0].object


def matching(store: ox.Store, pattern) -> list[ox.Triple]:
    """The default-graph triples matching an rdflib pattern (None: any term)."""
    s, p, o = (None if term is None else one(term) for term in pattern)
    return [q.triple for q in store.quads_for_pattern(s, p, o, DEFAULT)]


def apply(store: ox.Store, added: list[ox.Triple], removed: list[ox.Triple]
          ) -> tuple[list[ox.Triple], list[ox.Triple]]:
    """Change the default graph; returns what really changed (present triples are not added)."""
    removed = [t for t in dict.fromkeys(removed) if in_default(t) in store]
    for t in removed:
        store.remove(in_default(t))
    added = [t for t in dict.fromkeys(added) if in_default(t) not in store]
    store.extend([in_default(t) for t in added])
    return added, removed


def undo(store: ox.Store, added: list[ox.Triple], removed: list[ox.Triple]) -> None:
    for t in added:
        store.remove(in_default(t))
    store.extend([in_default(t) for t in removed])


def corpus(shapes: Graph, store: ox.Store):
    return [(c, mutation(*c, store)) for c in constraints(shapes)]


def test_every_mutation_as_a_change_same_results_as_the_whole_store(shapes, steps, store):
    checks = list(steps.checks)
    mismatches, silent = [], []
    for _constraint, m in corpus(shapes, store):
        removed = [t for pattern in m.remove for t in matching(store, pattern)]
        added, removed = apply(store, to_ox(m.add), removed)
        whole = validate_store(store, checks)
        if validate_change(store, steps, added, removed) != whole:
            mismatches.append((m.shape, m.component))
        if (m.shape, m.component) not in {(r.shape, r.component) for r in whole}:
            silent.append((m.shape, m.component))
        undo(store, added, removed)
    assert not mismatches
    assert not silent  # each mutation breaks its own constraint: the comparison is not empty
    assert validate_store(store, checks) == []  # undone


def needed(shapes: Graph, store: ox.Store):
    """Removals of what a constraint of a seed node needs, from a conforming store: the values
    of a required property (sh:minCount, sh:hasValue, sh:qualifiedMinCount, sh:or of
    property shapes), the type of a value that sh:class asks for, the whole typed value node."""
    deficit = {SH.minCount, SH.hasValue, SH.qualifiedMinCount, SH["class"], SH["or"], SH.xone}
    for root, shape, predicate, parameter in constraints(shapes):
        if predicate not in deficit:
            continue
        name = f"{shape.node} {COMPONENTS[predicate]}"
        focus = resolve(store, Compiler().focus(root), {})
        if shape.path is None:  # sh:or / sh:xone of property shapes: their values
            rows = store.query(root.prefixes + f"SELECT ?this WHERE {{ {focus} }} "
                               "ORDER BY STR(?this) LIMIT 1")
            for row in rows:
                removal = [t for m in parameter if m.path is not None
                           for t in _values(store, row["this"], m.path)]
                yield name + " (values of the alternatives)", removal
            continue
        rows = store.query(root.prefixes + f"SELECT ?this ?value WHERE {{ {focus} ?this "
                           f"{shape.path.sparql()} ?value }} ORDER BY STR(?this) STR(?value) "
                           "LIMIT 1")
        for row in rows:
            this, value = row["this"], row["value"]
            yield name + " (values)", _values(store, this, shape.path)
            if predicate not in (SH["class"], SH["or"]) or isinstance(value, ox.Literal):
                continue
            typed = [q.triple for q in store.quads_for_pattern(value, RDF_TYPE, None, DEFAULT)]
            yield name + " (type of a value)", typed
            node = [q.triple for q in store.quads_for_pattern(value, None, None, DEFAULT)]
            yield name + " (the value node deleted)", node


def _values(store: ox.Store, focus, path) -> list[ox.Triple]:
    """The statements at the first step of ``path`` from ``focus``: removed, the focus node
    has no value on the path."""
    if path.kind == "iri":
        pattern = (focus, ox.NamedNode(path.iri), None)
    elif path.kind == "inverse" and path.parts[0].kind == "iri":
        pattern = (None, ox.NamedNode(path.parts[0].iri), focus)
    else:  # alternative, sequence, repetition: every part's first step
        return [t for part in path.parts for t in _values(store, focus, part)]
    return [q.triple for q in store.quads_for_pattern(*pattern, DEFAULT)]


def test_removing_what_a_constraint_needs_same_results_as_the_whole_store(shapes, steps, store):
    checks = list(steps.checks)
    cases = list(needed(shapes, store))
    assert len(cases) > 60
    mismatches, violations = [], 0
    for name, removal in cases:
        assert removal, name
        added, removed = apply(store, [], removal)
        whole = validate_store(store, checks)
        violations += bool(whole)
        if validate_change(store, steps, added, removed) != whole:
            mismatches.append(name)
        undo(store, added, removed)
    assert not mismatches
    assert violations > len(cases) // 2  # most removals break something: not vacuous


@pytest.mark.parametrize("substitute_up_to", [delta.SUBSTITUTE_UP_TO, 1])
def test_deleting_the_typed_node_an_sh_class_points_at(steps, store, monkeypatch,
                                                       substitute_up_to):
    """A role (org:Role) that memberships point at, deleted: every membership in that role
    is reported, though the change names none of them (node by node, or, past the limit,
    by the check over the whole store)."""
    monkeypatch.setattr(delta, "SUBSTITUTE_UP_TO", substitute_up_to)
    chair = next(store.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/ns/org#role"),
                                         None, DEFAULT)).object
    holders = {q.subject for q in store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/ns/org#role"), chair, DEFAULT)}
    removed = [q.triple for q in store.quads_for_pattern(chair, None, None, DEFAULT)]
    added, removed = apply(store, [], removed)
    found = validate_change(store, steps, added, removed)
    assert found == validate_store(store, list(steps.checks))
    role_results = {r.focus for r in found if r.shape.endswith("MembershipShape-role")}
    assert role_results == {str(h) for h in holders} and len(holders) > 1


def test_no_change_no_results(steps, store):
    assert validate_change(store, steps, [], []) == []
    present = next(store.quads_for_pattern(None, None, None, DEFAULT)).triple
    assert validate_change(store, steps, [present], [present]) == []


def test_changing_a_subclass_axiom_validates_everything(steps, store):
    """rdfs:subClassOf changes what every class target and sh:class selects: charters made
    memberships are reported as memberships without a member, though no charter changed."""
    axiom = ox.Triple(ox.NamedNode("https://w3id.org/citynet/def#Charter"),
                      ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
                      ox.NamedNode("http://www.w3.org/ns/org#Membership"))
    added, removed = apply(store, [axiom], [])
    found = validate_change(store, steps, added, removed)
    assert found == validate_store(store, list(steps.checks))
    assert any(r.shape.endswith("MembershipShape-member") for r in found)


@pytest.mark.slow
def test_random_changes_same_results_as_the_whole_store(steps, store):
    """A few hundred random deltas: random existing triples removed, plausible ones added
    (a known or new subject, a predicate used in the data, an object that predicate has or a
    new node; rdf:type among them, so nodes join and leave targets)."""
    mismatches, broken = random_changes(steps, store, seed=20261201, rounds=300)
    assert not mismatches, mismatches[:3]
    assert broken > 50  # enough of them break a constraint for the comparison to mean much


def random_changes(steps, store: ox.Store, seed: int, rounds: int) -> tuple[list, int]:
    """(the changes where both validations differ, how many changes broke a constraint)."""
    rng = random.Random(seed)
    checks = list(steps.checks)
    triples = sorted((q.triple for q in store.quads_for_pattern(None, None, None, DEFAULT)),
                     key=str)
    fresh = [ox.NamedNode(f"http://127.0.0.1:8080/id/random/{i}") for i in range(5)]
    subjects = sorted({t.subject for t in triples}, key=str) + fresh
    objects: dict[ox.NamedNode, list] = {}
    for t in triples:
        objects.setdefault(t.predicate, []).append(t.object)
    for values in objects.values():  # links to new nodes too (objects stay mostly real)
        if not isinstance(values[0], ox.Literal):
            values.extend(fresh)
    predicates = sorted(objects, key=str)
    mismatches, broken = [], 0
    for number in range(rounds):
        removal = rng.sample(triples, rng.randint(0, 3))
        addition = []
        for _ in range(rng.randint(0 if removal else 1, 3)):
            p = rng.choice(predicates)
            addition.append(ox.Triple(rng.choice(subjects), p, rng.choice(objects[p])))
        added, removed = apply(store, addition, removal)
        whole = validate_store(store, checks)
        broken += bool(whole)
        if validate_change(store, steps, added, removed) != whole:
            mismatches.append((number, added, removed))
        undo(store, added, removed)
    return mismatches, broken


def test_loaded_change_in_a_new_named_graph_same_report_as_validate_loaded(shapes, store):
    """Through the build's API: quads in a new named graph without provenance. Its marker
    appears only while validating; the report equals validate_loaded's."""
    graph = ox.NamedNode("http://127.0.0.1:8080/graph/new")
    person = ox.NamedNode("http://127.0.0.1:8080/id/person/new")
    quads = [ox.Quad(person, RDF_TYPE, ox.NamedNode("http://xmlns.com/foaf/0.1/Person"), g)
             for g in (graph, DEFAULT)]
    markers = {q for q in store.quads_for_pattern(None, RDF_TYPE,
                                                  ox.NamedNode(str(SD_NAMED_GRAPH)), DEFAULT)}
    for q in markers:  # a release store: no markers (validation adds them)
        store.remove(q)
    store.extend(quads)
    loaded = Loaded(store)
    report = validate_change_loaded(loaded, shapes, quads, [])
    assert report == validate_loaded(loaded, shapes)
    assert not report.conforms
    assert {(p.focus, p.component) for p in report.problems} == {
        (graph.value, "MinCountConstraintComponent"),  # the new graph has no source
        (person.value, "MinCountConstraintComponent")}  # the person has no name
    assert not any(True for _ in store.quads_for_pattern(graph, RDF_TYPE, None, DEFAULT))


def test_a_unit_cut_from_its_network_reports_the_units_below_it(steps, store):
    """UnitShape-network's path is org:subOrganizationOf*/org:unitOf: removing one unit's
    org:unitOf breaks every unit under it, which the change does not name."""
    row = next(iter(store.query(
        "PREFIX org: <http://www.w3.org/ns/org#> SELECT ?u ?n WHERE { ?u org:unitOf ?n . "
        "?g org:subOrganizationOf ?u } ORDER BY ?u LIMIT 1")))
    cut = ox.Triple(row["u"], ox.NamedNode("http://www.w3.org/ns/org#unitOf"), row["n"])
    added, removed = apply(store, [], [cut])
    found = validate_change(store, steps, added, removed)
    assert found == validate_store(store, list(steps.checks))
    network = {r.focus for r in found if r.shape.endswith("UnitShape-network")}
    assert str(row["u"]) in network and len(network) > 1


def test_an_instant_moved_reports_its_period(steps, store):
    """PeriodOrderShape's SPARQL constraint reads the dates of the period's instants: a date
    changed on an instant reports the period, which the change does not name."""
    row = next(iter(store.query(
        "PREFIX time: <http://www.w3.org/2006/time#> SELECT ?p ?e ?d WHERE { "
        "?p time:hasBeginning ?b ; time:hasEnd ?e . ?e time:inXSDDate ?d } ORDER BY ?e "
        "LIMIT 1")))
    date = ox.NamedNode("http://www.w3.org/2006/time#inXSDDate")
    early = ox.Literal("1900-01-01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
    added, removed = apply(store, [ox.Triple(row["e"], date, early)],
                           [ox.Triple(row["e"], date, row["d"])])
    found = validate_change(store, steps, added, removed)
    assert found == validate_store(store, list(steps.checks))
    assert [r.focus for r in found if r.shape.endswith("PeriodOrderShape")] == [str(row["p"])]


WARNING_SHAPE = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
<urn:test:MailShape> a sh:NodeShape ; sh:targetClass foaf:Person ; sh:property [
    sh:path foaf:mbox ; sh:minCount 1 ; sh:severity sh:Warning ; sh:message "No mailbox." ] .
"""


def test_warnings_of_untouched_nodes_are_still_reported(shapes, store):
    """A conforming store may hold warnings: checks of another severity run in full."""
    extended = Graph()
    for triple in shapes:
        extended.add(triple)
    extended.parse(data=WARNING_SHAPE, format="turtle")
    checks = compile_graph(extended)
    whole = validate_store(store, checks)
    assert whole and {r.severity for r in whole} == {"Warning"}
    assert validate_change(store, checks, [], []) == whole


P, Q = "urn:p", "urn:q"


@pytest.mark.parametrize(("select", "reads"), [
    ("SELECT $this WHERE { $this <urn:p> ?x . ?x <urn:q> ?y FILTER (?y > 1) }",
     (Read(None, P, True), Read(ShapePath("iri", P), Q, True))),
    ("SELECT $this WHERE { ?x <urn:p> $this . ?x <urn:q>* ?y BIND (STR(?y) AS ?s) }",
     (Read(None, P, False), Read(ShapePath("sequence", parts=(
         ShapePath("inverse", parts=(ShapePath("iri", P),)),
         ShapePath("zeroOrMore", parts=(ShapePath("iri", Q),)))), Q, True))),
    ("SELECT $this WHERE { $this <urn:p> ?x FILTER NOT EXISTS { ?x <urn:q> ?y } }", None),
    ("SELECT $this WHERE { $this <urn:p> ?x OPTIONAL { ?x <urn:q> ?y } }", None),
    ("SELECT $this WHERE { $this <urn:p> ?x . ?other <urn:p> ?z }", None),  # disconnected
    ("SELECT $this WHERE { $this ?p ?x }", None),  # any predicate
    ("SELECT $this (COUNT(?x) AS ?n) WHERE { $this <urn:p> ?x } GROUP BY $this", None),
    ("SELECT $this WHERE { { $this <urn:p> ?x } UNION { $this <urn:q> ?x } }", None),
    ("SELECT $this WHERE { $this <urn:p> ?x } LIMIT 1", None),
    ("SELECT ?x WHERE { $this <urn:p> ?x }", None),  # $this not projected
])
def test_sparql_constraints_are_local_only_when_provably_so(select, reads):
    """What a SPARQL-based constraint reads, from $this; None: it runs over the whole store."""
    assert sparql_reads("", select) == reads


def test_every_check_of_the_shapes_is_local(steps):
    """No check of shapes/ needs the whole store after a write (SPARQL ones included)."""
    whole = [f"{c.shape.node} {c.component}" for c, r in zip(steps.checks, steps.reads,
                                                             strict=True) if r is None]
    assert not whole
    sparql = [r for c, r in zip(steps.checks, steps.reads, strict=True) if c.kind == "sparql"]
    assert len(sparql) == 2 and all(sparql)


ROOT_SHAPE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
<urn:test:RootShape> a sh:NodeShape ; sh:targetNode <http://127.0.0.1:8080/id/test/root> ;
    sh:property <urn:test:RootShape-q> .
<urn:test:RootShape-q> a sh:PropertyShape ; sh:message "The root needs a q." ;
    sh:path ( [ sh:zeroOrMorePath <urn:test:p> ] <urn:test:q> ) ; sh:minCount 1 .
"""


def test_a_target_node_losing_its_last_statement_is_reported(shapes, store):
    """A node that the change removes from the store altogether is still a focus node when
    a shape targets it by name: the path p*/q reaches it at length zero."""
    extended = Graph()
    for triple in shapes:
        extended.add(triple)
    extended.parse(data=ROOT_SHAPE, format="turtle")
    steps = plan(compile_graph(extended))
    last = ox.Triple(ox.NamedNode("http://127.0.0.1:8080/id/test/root"),
                     ox.NamedNode("urn:test:q"), ox.Literal("v"))
    store.add(in_default(last))
    assert validate_store(store, list(steps.checks)) == []
    added, removed = apply(store, [], [last])
    found = validate_change(store, steps, added, removed)
    assert found == validate_store(store, list(steps.checks))
    assert [(r.focus, r.shape) for r in found] == [(str(last.subject), "urn:test:RootShape-q")]
