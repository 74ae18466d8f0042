"""Provenance: source descriptions with fresh SHA-256 values, every graph derived from a
described document, the dataset node, a default graph that is the merge of the named graphs."""

import hashlib

import cn_testdata
import pyoxigraph as ox
import pytest


def test_seed_hashes_match_the_files(select):
    seeds = cn_testdata.SHARED / "seeds"
    if not seeds.is_dir():
        pytest.skip("../shared/seeds is not beside the checkout")
    found = select("""SELECT ?s ?file ?hash WHERE { GRAPH graph:meta {
        ?s a foaf:Document ; dct:identifier ?file, ?hash .
        FILTER (STRSTARTS(?hash, "sha256:") && !STRSTARTS(?file, "sha256:")) } }""")
    by_file = {r["file"]: r["hash"] for r in found}
    files = sorted(seeds.iterdir())
    assert len(files) == 5
    for path in files:
        assert by_file[path.name] == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    reference = cn_testdata.SHARED / "reference" / "cities.csv"
    digest = hashlib.sha256(reference.read_bytes()).hexdigest()
    assert by_file["reference/cities.csv"] == "sha256:" + digest


def test_every_graph_is_derived_from_a_described_document(store, select):
    names = {g.value for g in store.named_graphs()}
    expected = {f"{cn_testdata.BASE}graph/{n}" for n in (
        "seed-000", "seed-001", "seed-002", "seed-003", "seed-004", "meta", "editorial", "cities")}
    assert expected <= names
    derived = select("""SELECT DISTINCT ?g WHERE { ?g prov:wasDerivedFrom ?d .
        ?d a foaf:Document ; dct:title ?t }""")
    assert names <= {r["g"] for r in derived}


def test_default_graph_is_the_merge_of_the_named_graphs(store):
    merged = {(q.subject, q.predicate, q.object) for q in store
              if isinstance(q.graph_name, ox.NamedNode)}
    default = [(q.subject, q.predicate, q.object)
               for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())]
    assert merged and sorted(default, key=str) == sorted(merged, key=str)


def test_dataset_node(select):
    found = select("""SELECT ?title ?license ?issued ?version ?name WHERE {
        dataset:citynet dct:title ?title ; dct:license ?license ; dct:issued ?issued ;
            dct:modified ?issued ; owl:versionInfo ?version ; dct:publisher/foaf:name ?name }""")
    assert found and found[0]["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert found[0]["issued"] == "2026-11-23" and found[0]["version"] == "1.0.0"


def test_statistics_come_from_their_graphs_source(select):
    bad = select("""SELECT ?s WHERE { GRAPH ?g { ?s a cn:DeclaredStatistic ;
        prov:wasDerivedFrom ?src } GRAPH graph:meta { ?g prov:wasDerivedFrom ?gs }
        FILTER NOT EXISTS { GRAPH graph:meta { ?g prov:wasDerivedFrom ?src } } }""")
    assert bad == []
