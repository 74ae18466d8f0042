"""A write changes a copy of the live store and reads only the graphs it touches: its result
must be exactly what the update does to the whole dataset held in memory (the SPARQL
semantics), its journal entry must replay to the same release, and the release it names must
be the one published."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from service.build import journal
from service.build.pipeline import build
from service.search.index_file import index_path
from service.store.dataset import merged_default, named_quads
from service.store.release import current_release
from service.web.app import create_app
from tests.safety.conftest import BASE, TOKEN, mini_settings
from tests.search.compare import index_rows

AUTH = {"Authorization": f"Bearer {TOKEN}"}
PEOPLE, CITIES = BASE + "graph/people", BASE + "graph/cities"
PROVENANCE = {BASE + "graph/writes", BASE + "graph/meta"}
PREFIXES = ("PREFIX org: <http://www.w3.org/ns/org#> "
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> ")
M = BASE + "id/membership/"

UPDATES = [
    # a variable graph: the change can be in any graph
    f"DELETE {{ GRAPH ?g {{ ?m org:organization <{BASE}id/city/c1> }} }} "
    f"INSERT {{ GRAPH ?g {{ ?m org:organization <{BASE}id/city/c2> }} }} "
    f"WHERE {{ GRAPH ?g {{ ?m org:organization <{BASE}id/city/c1> }} }}",
    # WITH names the graph of the templates and of the WHERE
    f"WITH <{PEOPLE}> DELETE {{ ?m rdfs:label ?l }} INSERT {{ ?m rdfs:label \"renamed\" }} "
    f"WHERE {{ ?m rdfs:label ?l FILTER(?m IN (<{M}m3>, <{M}m4>)) }}",
    # a WHERE over the default graph (the merge) copying triples into a second graph
    f"INSERT {{ GRAPH <{CITIES}> {{ ?m org:organization ?c }} }} "
    f"WHERE {{ ?m org:organization ?c FILTER(?m IN (<{M}m7>, <{M}m8>)) }}",
    f"DELETE WHERE {{ GRAPH <{PEOPLE}> {{ <{M}m5> ?p ?o }} }}",
    f"INSERT DATA {{ GRAPH <{PEOPLE}> {{ <{M}m9> rdfs:comment \"a\" }} }} ; "
    f"DELETE DATA {{ GRAPH <{PEOPLE}> {{ <{M}m9> rdfs:label \"membership 9\" }} }}",
    f"ADD <{CITIES}> TO <{PEOPLE}>",
    f"MOVE <{CITIES}> TO <{PEOPLE}>",
    f"CLEAR GRAPH <{CITIES}>",
    # any graph can change; the meta graph is given back its provenance
    f"CLEAR NAMED ; INSERT DATA {{ GRAPH <{BASE}graph/meta> {{ "
    f"<{BASE}graph/meta> <http://www.w3.org/ns/prov#wasDerivedFrom> <{BASE}id/document/meta> . "
    f"<{BASE}id/document/meta> a <http://xmlns.com/foaf/0.1/Document> }} }}",
]


@pytest.fixture()
def site(tmp_path):
    settings = mini_settings(tmp_path, write_token=TOKEN, query_timeout=10.0)
    build(settings)
    return settings, create_app(settings).test_client()


def _named(release) -> set[ox.Quad]:
    return set(named_quads(ox.Store.read_only(str(release.store_path))))


def _reference(before: set[ox.Quad], update: str) -> set[ox.Quad]:
    """The update on the whole dataset in memory, its default graph the merge."""
    store = ox.Store()
    store.extend(before)
    store.extend(merged_default(before))
    store.update(PREFIXES + update)
    return set(named_quads(store))


def _without_provenance(quads: set[ox.Quad]) -> set[ox.Quad]:
    return {q for q in quads if q.graph_name.value not in PROVENANCE}


@pytest.mark.parametrize("update", UPDATES)
def test_a_write_does_what_the_update_does_to_the_whole_dataset(site, update):
    settings, client = site
    old = current_release(settings.var)
    before = _named(old)
    response = client.post("/update", data={"update": PREFIXES + update}, headers=AUTH)
    assert response.status_code == 200, response.get_json()
    new = current_release(settings.var)
    after = _named(new)
    assert _without_provenance(after) == _without_provenance(_reference(before, update))
    store = ox.Store.read_only(str(new.store_path))
    default = set(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    assert default == set(merged_default(after)), "the default graph is the merge"
    assert all(next(store.quads_for_pattern(None, None, None, g), None) is not None
               for g in store.named_graphs()), "no empty graph is left named"
    entry = journal.read(settings.data_dir)[-1]
    assert (entry.before, entry.release) == (old.id, new.id)
    replayed = before - set(ox.parse(entry.quads("remove", BASE).encode(),
                                     format=ox.RdfFormat.N_QUADS))
    replayed |= set(ox.parse(entry.quads("add", BASE).encode(), format=ox.RdfFormat.N_QUADS))
    assert replayed == after
    assert response.get_json()["changes"] == entry.record["changes"]


def test_a_write_then_a_rebuild_gives_the_same_release(site):
    """The identifier a write computes from the graphs it changed is the one a whole build of
    the sources and the journal computes."""
    settings, client = site
    response = client.post("/update", data={"update": PREFIXES + UPDATES[0]}, headers=AUTH)
    assert response.status_code == 200, response.get_json()
    written = current_release(settings.var)
    rebuilt = build(settings)
    assert rebuilt.id == written.id
    assert rebuilt.info["graph_digests"] == written.info["graph_digests"]
    assert _named(rebuilt) == _named(written)
    # and the same files beside the store: every dump byte for byte, the same label index
    assert [(d["name"], d["sha256"]) for d in rebuilt.dumps] == [
        (d["name"], d["sha256"]) for d in written.dumps]
    assert index_rows(index_path(rebuilt.path)) == index_rows(index_path(written.path))


def test_blank_nodes_of_an_update_become_iris_in_the_release(site):
    settings, client = site
    update = (f"INSERT DATA {{ GRAPH <{PEOPLE}> {{ <{M}m1> rdfs:seeAlso [ rdfs:label \"x\" ] }} }}")
    response = client.post("/update", data={"update": PREFIXES + update}, headers=AUTH)
    assert response.status_code == 200, response.get_json()
    after = _named(current_release(settings.var))
    assert not any(isinstance(t, ox.BlankNode) for q in after for t in (q.subject, q.object))
    (seen,) = [q.object for q in after if q.subject == ox.NamedNode(f"{M}m1")
               and q.predicate.value.endswith("seeAlso")]
    assert ox.Quad(seen, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                   ox.Literal("x"), ox.NamedNode(PEOPLE)) in after


@pytest.mark.parametrize("update", [
    "INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }",
    "CLEAR DEFAULT",
    f"ADD <{PEOPLE}> TO DEFAULT",
])
def test_a_default_graph_write_is_refused_and_changes_nothing(site, update):
    settings, client = site
    old = current_release(settings.var)
    response = client.post("/update", data={"update": update}, headers=AUTH)
    assert response.status_code == 400
    assert "default graph" in response.get_json()["detail"]
    assert current_release(settings.var).id == old.id
    assert journal.read(settings.data_dir) == []


def test_an_update_that_leaves_the_data_invalid_is_refused_and_the_copy_discarded(site):
    settings, client = site
    old = current_release(settings.var)
    update = f"DELETE WHERE {{ GRAPH <{PEOPLE}> {{ <{M}m2> org:member ?p }} }}"
    response = client.post("/update", data={"update": PREFIXES + update}, headers=AUTH)
    assert response.status_code == 422
    assert response.get_json()["problems"][0]["focus"] == f"{M}m2"
    assert current_release(settings.var).id == old.id
    assert not [p for p in (settings.var / "releases").iterdir() if p.name.startswith(".")]
