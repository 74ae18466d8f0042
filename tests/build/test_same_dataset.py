"""The build that loads the sources straight into pyoxigraph publishes the same dataset as the
reference reading: rdflib parses every source (its own Turtle parser, its own skolemisation),
the journal is replayed on that rdflib dataset, and the default graph is the set of its
triples. Compared on the seeds (with an accepted write in the journal) and on generated data:
the store's named graphs and default graph, the catalogue's figures, every dump's content and
the first release's change log."""

from __future__ import annotations

import gzip
import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from service import rdfout
from service.build import journal
from service.build.history import read_change_log
from service.build.pipeline import build, to_quads
from service.build.skolem import n3
from service.build.sources import load_sources
from service.generate.dataset import generate
from service.namespaces import data_prefixes
from service.settings import Settings, load_settings
from service.store.release import Release
from service.writes.apply import apply_write
from service.writes.operations import add_to_graph
from tests.conftest import source_copy

BASE = "http://127.0.0.1:8080/"
VOID_TRIPLES = "http://rdfs.org/ns/void#triples"


def expected_quads(settings: Settings) -> set[ox.Quad]:
    """The named-graph quads as the rdflib reading gives them, then each journaled write's
    quads removed and added exactly as recorded (rdflib would rewrite a recorded
    ``…Z`` timestamp as ``…+00:00``, unlike the release the write published)."""
    sources = load_sources(settings.data_dir, settings.ontology_dir, settings.base_iri)
    quads = set(to_quads(sources))
    for entry in journal.read(settings.data_dir):
        for key in ("remove", "add"):
            found = set(ox.parse(entry.quads(key, settings.base_iri).encode(),
                                 format=ox.RdfFormat.N_QUADS))
            quads = quads - found if key == "remove" else quads | found
    return quads


def triples_of(quads: set[ox.Quad]) -> set[ox.Triple]:
    return {q.triple for q in quads}


def parsed(path: Path, fmt: ox.RdfFormat) -> set:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        found = ox.parse(handle, format=fmt)
        return set(found) if fmt.supports_datasets else {q.triple for q in found}


def assert_same_dataset(release: Release, expected: set[ox.Quad]) -> None:
    merged = triples_of(expected)
    store = ox.Store.read_only(str(release.store_path))
    named = {q for q in store if isinstance(q.graph_name, ox.NamedNode)}
    default = {q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    del store
    assert named == expected
    assert default == merged
    assert not any(isinstance(t, ox.BlankNode) for q in named for t in (q.subject, q.object))

    # the catalogue's figures
    per_graph = Counter(q.graph_name.value for q in expected)
    assert release.info["graphs"] == dict(sorted(per_graph.items()))
    assert release.info["triples"] == len(merged)
    assert release.info["quads"] == len(expected)
    description = parsed(release.path / "description.ttl", ox.RdfFormat.TURTLE)
    figures = {t.object.value for t in description if t.predicate.value == VOID_TRIPLES}
    assert {str(len(merged)), *(str(n) for n in per_graph.values())} == figures

    # every dump, modulo order
    dumps = release.dumps_path
    assert parsed(dumps / "citynet.nq.gz", ox.RdfFormat.N_QUADS) == expected
    assert parsed(dumps / "citynet.nt.gz", ox.RdfFormat.N_TRIPLES) == merged
    assert parsed(dumps / "citynet.ttl", ox.RdfFormat.TURTLE) == merged
    declared = re.findall(r"^@prefix ([\w-]*): <([^>]*)>", (dumps / "citynet.ttl").read_text(),
                          re.MULTILINE)
    assert dict(declared) == rdfout.used_prefixes(rdfout.turtle_iris(merged), data_prefixes(BASE))
    assert parsed(dumps / "citynet.jsonld", ox.RdfFormat.JSON_LD) == expected

    # the first release's change log: every triple added, in its graph
    changes = read_change_log(release.changes_path)
    assert {g: set(c.added) for g, c in changes.items()} == {
        g: {q.triple for q in expected if q.graph_name.value == g} for g in per_graph}
    assert not any(c.removed for c in changes.values())
    assert release.info["changes"] == {g: {"added": n, "removed": 0}
                                       for g, n in sorted(per_graph.items())}


def test_the_seeds_build_to_the_reference_dataset(tmp_path):
    settings = load_settings({"root": source_copy(tmp_path), "base": BASE}, environ={})
    release = build(settings)
    assert_same_dataset(release, expected_quads(settings))
    assert any("/id/node/" in q.subject.value for q in expected_quads(settings))  # skolemised


def test_a_journaled_write_is_replayed_as_the_reference_replays_it(tmp_path):
    root = source_copy(tmp_path)
    settings = load_settings({"root": root, "base": BASE}, environ={})
    build(settings)
    graph = f"{BASE}graph/seed-004"
    label = ox.Triple(ox.NamedNode(f"{BASE}id/city/barcelona"),
                      ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"),
                      ox.Literal("BCN", language="ca"))
    written = apply_write(settings, "test", add_to_graph(graph, [label])).release
    assert written is not None and journal.read(settings.data_dir)
    (tmp_path / "var").rename(tmp_path / "var-before")  # a first release again: full change log
    release = build(settings)
    expected = expected_quads(settings)
    assert ox.Quad(label.subject, label.predicate, label.object, ox.NamedNode(graph)) in expected
    assert_same_dataset(release, expected)
    # the rebuild publishes what the write published, to the identifier
    before = tmp_path / "var-before" / written.path.relative_to(tmp_path / "var")
    assert parsed(before / "dumps" / "citynet.nq.gz", ox.RdfFormat.N_QUADS) == expected
    assert release.id == written.id


@pytest.mark.slow
def test_generated_data_builds_to_the_reference_dataset(tmp_path):
    generate(20_000, tmp_path)
    settings = load_settings({"root": tmp_path, "base": BASE}, environ={})
    release = build(settings)
    assert_same_dataset(release, expected_quads(settings))


@pytest.mark.parametrize("text", ["plain", 'a "quoted" word', "line\nbreak", 'ends in "',
                                  "back\\slash", 'three """ quotes\nand a line', "cr\rhere"])
def test_skolem_terms_are_written_as_rdflib_writes_them(text):
    from rdflib import Literal, URIRef

    datatype = "http://example.org/datatype"  # one rdflib does not normalise
    pairs = [(ox.Literal(text), Literal(text)),
             (ox.Literal(text, language="en"), Literal(text, lang="en")),
             (ox.Literal(text, datatype=ox.NamedNode(datatype)),
              Literal(text, datatype=URIRef(datatype))),
             (ox.NamedNode("http://example.org/a"), URIRef("http://example.org/a"))]
    for ours, theirs in pairs:
        assert n3(ours) == theirs.n3()


def test_a_rebuild_reads_only_the_graphs_that_changed_and_logs_the_full_diff(tmp_path):
    from service.build import history

    settings = load_settings({"root": source_copy(tmp_path), "base": BASE}, environ={})
    first = build(settings)
    with (settings.data_dir / "seed-004.ttl").open("a") as f:
        f.write('\n<id/city/barcelona> <http://www.w3.org/2004/02/skos/core#altLabel> "BCN"@ca .\n')
    second = build(settings)
    old, new = first.info[history.DIGESTS], second.info[history.DIGESTS]
    assert history.changed_graphs(old, new) == {f"{BASE}graph/seed-004"}
    full = history.diff(history.release_quads(first), history.release_quads(second))
    logged = read_change_log(second.changes_path)
    assert set(logged) == set(full) == {f"{BASE}graph/seed-004"}
    assert {g: (set(c.added), set(c.removed)) for g, c in logged.items()} == {
        g: (set(c.added), set(c.removed)) for g, c in full.items()}
    assert second.info["changes"] == {f"{BASE}graph/seed-004": {"added": 1, "removed": 0}}


def test_turtle_prefixes_from_n_triples_match_those_from_the_triples():
    from service.build.dumps import TurtlePrefixes

    n = ox.NamedNode
    xsd, rdf = "http://www.w3.org/2001/XMLSchema#", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    city, org = n(f"{BASE}id/city/bonn"), "http://www.w3.org/ns/org#"
    triples = [
        ox.Triple(city, n(rdf + "type"), n(org + "Organization")),  # rdf:type is written `a`
        ox.Triple(city, n(org + "hasSite"), n(f"{BASE}id/site")),  # id: with a plain local
        ox.Triple(city, n(f"{BASE}graph/x"), ox.Literal("5", datatype=n(xsd + "integer"))),
        ox.Triple(city, n("http://schema.org/a/b"), ox.Literal("x y", datatype=n(xsd + "integer"))),
        ox.Triple(city, n("http://schema.org/name"), ox.Literal('a "b" <c>\n . d', language="en")),
        ox.Triple(n("http://purl.org/dc/terms/x"), n(rdf + "value"), n(rdf + "type")),
        ox.Triple(city, n("http://purl.org/dc/terms/date"),
                  ox.Literal("2020-01-01", datatype=n(xsd + "date"))),
    ]
    prefixes = data_prefixes(BASE)
    learnt = TurtlePrefixes(prefixes)
    learnt(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
    expected = rdfout.used_prefixes(rdfout.turtle_iris(triples), prefixes)
    assert learnt.used(prefixes) == expected
    assert {"rdf", "org", "xsd", "dct"} <= set(expected) and "schema" not in expected


def test_property_kinds_from_n_triples_match_the_usage_query():
    """The JSON-LD context's input learnt from the dump's N-Triples equals what the usage
    query selects from a store, on the seeds and on literals written to mislead a scanner."""
    from service import jsonld
    from service.build.dumps import PropertyKinds

    n, xsd = ox.NamedNode, "http://www.w3.org/2001/XMLSchema#"
    graph, city = n(f"{BASE}graph/x"), n(f"{BASE}id/city/bonn")
    tricky = [
        ox.Quad(city, n("http://ex.org/quoted"), ox.Literal('a "b"@en ^^<c> \\" .', language="de"),
                graph),
        ox.Quad(city, n("http://ex.org/escaped"), ox.Literal('ends with \\'), graph),
        ox.Quad(city, n("http://ex.org/lines"), ox.Literal("two\nlines\r\t<x>"), graph),
        ox.Quad(city, n("http://ex.org/typed"), ox.Literal("5", datatype=n(xsd + "integer")),
                graph),
        ox.Quad(city, n("http://ex.org/node"), ox.BlankNode("b1"), graph),
        ox.Quad(ox.BlankNode("b1"), n("http://ex.org/typed"), ox.Literal("x"), graph),
    ]
    seeds = set(to_quads(load_sources(Path("data"), Path("ontology"), BASE)))
    for quads in (seeds, set(tricky), seeds | set(tricky)):
        store = ox.Store()
        store.extend(quads)
        learnt = PropertyKinds()
        learnt(ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES))
        assert learnt.rows() == sorted(set(jsonld.usage_rows(store.query(jsonld.USAGE_QUERY))))
    assert {("http://ex.org/typed", xsd + "string"), ("http://ex.org/node", "@id"),
            ("http://ex.org/quoted", "@language")} <= set(learnt.rows())


def test_sources_that_look_odd_to_a_byte_stream_build_to_the_reference_dataset(tmp_path):
    """The sources reach the store as one N-Quads stream made of N-Triples text: an empty
    file first, a literal holding ``_:`` (no blank node) and one holding " .", a newline and
    a quoted ``<graph>`` change nothing in what is loaded."""
    root = source_copy(tmp_path)
    (root / "data" / "aaa-empty.ttl").write_text("")
    with (root / "data" / "editorial.ttl").open("a") as f:
        f.write(f'\n<{BASE}id/city/barcelona> <http://www.w3.org/2000/01/rdf-schema#comment> '
                f'"not a blank node: _:b0 .\\nnor a graph: <{BASE}graph/meta> .\\n"@en .\n')
    settings = load_settings({"root": root, "base": BASE}, environ={})
    release = build(settings)
    expected = expected_quads(settings)
    assert any("_:b0 ." in q.object.value for q in expected)
    assert_same_dataset(release, expected)
