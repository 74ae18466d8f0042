"""The fixture dataset the web tests run on (tests/fixtures/data) holds only facts of the seed
data: each of its graphs is a part of the same graph of the project's own build."""

from __future__ import annotations

import pyoxigraph as ox

from service.store.release import Release


def named_quads(release: Release) -> set[ox.Quad]:
    store = ox.Store.read_only(str(release.store_path))
    return {q for q in store if not isinstance(q.graph_name, ox.DefaultGraph)}


def test_every_fixture_fact_is_a_fact_of_the_same_graph_of_the_seed_data(fixture_release,
                                                                        built_release):
    fixture, full = named_quads(fixture_release), named_quads(built_release)
    graphs = {q.graph_name.value.rsplit("/", 1)[1] for q in fixture}
    assert {"seed-000", "seed-001", "seed-003", "seed-004", "cities", "meta"} <= graphs
    invented = fixture - full
    assert not invented, sorted(map(str, invented))[:5]
    assert len(fixture) < len(full) / 3
