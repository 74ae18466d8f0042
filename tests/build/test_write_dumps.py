"""A write's dumps and label index cost what the write changes, and are exactly what a build of
the same content writes: the same bytes (sha256) for every dump, and a label index that holds
the same rows in the same search order and answers the same lookups."""

from __future__ import annotations

import gzip
import json
import subprocess

import pyoxigraph as ox
import pytest
import rdflib

from service.build import dump_rewrite, dumps, release_files
from service.build.dump_parts import LAYOUT_FILE
from service.build.pipeline import build
from service.namespaces import LABEL_PROPERTIES
from service.search import index_update
from service.search.index_file import index_path
from service.settings import load_settings
from service.store.dataset import named_quads
from service.store.release import Release, current_release
from service.web.app import create_app
from tests.conftest import source_copy
from tests.safety.conftest import BASE, TOKEN, mini_settings
from tests.safety.test_write_delta import PREFIXES, UPDATES
from tests.search.compare import index_rows, lookups

AUTH = {"Authorization": f"Bearer {TOKEN}"}
PEOPLE = BASE + "graph/people"
M = BASE + "id/membership/"


@pytest.fixture()
def mini(tmp_path):
    settings = mini_settings(tmp_path, write_token=TOKEN, query_timeout=10.0)
    build(settings)
    return settings, create_app(settings).test_client()


@pytest.fixture()
def seeds(tmp_path):
    settings = load_settings({"root": source_copy(tmp_path), "var": tmp_path / "var",
                              "base": BASE, "write_token": TOKEN}, environ={})
    build(settings)
    return settings, create_app(settings).test_client()


class Spy:
    """Records the calls of a real function and calls it."""

    def __init__(self, function):
        self.function, self.calls = function, []

    def __call__(self, *args, **kwargs):
        self.calls.append(args)
        result = self.function(*args, **kwargs)
        self.calls[-1] = (*args, result)
        return result


def _update(client, update: str) -> None:
    response = client.post("/update", data={"update": PREFIXES + update}, headers=AUTH)
    assert response.status_code == 200, response.get_json()


def _layout(release: Release) -> dict:
    return json.loads((release.dumps_path / LAYOUT_FILE).read_text())


def assert_same_as_rebuild(settings) -> tuple[Release, Release]:
    """The live release (a write's) and a build of the same sources and journal publish
    the same dumps, layout and label index."""
    written = current_release(settings.var)
    rebuilt = build(settings)
    assert rebuilt.id == written.id
    assert (written.info["triples"], written.info["graphs"]) == (
        rebuilt.info["triples"], rebuilt.info["graphs"])
    assert [(d["name"], d["sha256"], d["size"]) for d in written.dumps] == [
        (d["name"], d["sha256"], d["size"]) for d in rebuilt.dumps]
    assert _layout(written) == _layout(rebuilt)
    mine, theirs = index_path(written.path), index_path(rebuilt.path)
    rows = index_rows(theirs)
    assert index_rows(mine) == rows
    texts = sorted({value[:n] for _, value, _, _ in rows["label"][:150] for n in (2, 4, 7)})
    texts += [name for _, _, name, *_ in rows["entity"]]
    assert lookups(mine, texts) == lookups(theirs, texts)
    return written, rebuilt


def test_the_gzip_dumps_are_one_member_per_graph_and_every_reader_reads_them_whole(mini):
    settings, _ = mini
    release = current_release(settings.var)
    layout = _layout(release)
    store = ox.Store.read_only(str(release.store_path))
    expected = set(named_quads(store))
    graphs = {q.graph_name.value for q in expected}
    path = release.dumps_path / "citynet.nq.gz"
    parts = layout["parts"]["citynet.nq.gz"]
    assert set(parts) == graphs and len(graphs) > 1
    data = path.read_bytes()
    for offset, length in parts.values():  # each part is a whole gzip member of its graph
        assert data[offset:offset + 2] == b"\x1f\x8b"
        gzip.decompress(data[offset:offset + length])
    plain = gzip.decompress(data)
    assert plain == subprocess.run(["gzip", "-d", "-c", str(path)], check=True,
                                   capture_output=True).stdout
    assert set(ox.parse(plain, format=ox.RdfFormat.N_QUADS)) == expected
    with gzip.open(path, "rt", encoding="utf-8") as text:
        read = rdflib.Dataset()
        read.parse(data=text.read(), format="nquads")
    assert {(str(s), str(p), str(o), str(g)) for s, p, o, g in read.quads()} == {
        (q.subject.value, q.predicate.value, q.object.value, q.graph_name.value)
        for q in expected}
    merged = gzip.decompress((release.dumps_path / "citynet.nt.gz").read_bytes())
    triples = {q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    assert {q.triple for q in ox.parse(merged, format=ox.RdfFormat.N_TRIPLES)} == triples
    turtle = (release.dumps_path / "citynet.ttl").read_bytes()
    assert {q.triple for q in ox.parse(turtle, format=ox.RdfFormat.TURTLE)} == triples
    assert len(rdflib.Graph().parse(data=turtle, format="turtle")) == len(triples)
    document = json.loads((release.dumps_path / "citynet.jsonld").read_bytes())
    assert len(document["@graph"]) == len(graphs)


def test_a_write_reads_only_the_graphs_it_changed_and_copies_the_other_parts(mini, monkeypatch):
    """(After a first write: it starts the write log, whose properties change the JSON-LD
    context, so it writes every part.)"""
    settings, client = mini
    _update(client, f'INSERT DATA {{ GRAPH <{PEOPLE}> {{ <{M}m2> rdfs:comment "first" }} }}')
    before = current_release(settings.var)
    old = _layout(before)
    read = Spy(dump_rewrite.graph_blocks)
    whole, index = Spy(dumps.write_dumps), Spy(index_update.update_label_index)
    monkeypatch.setattr(dump_rewrite, "graph_blocks", read)
    monkeypatch.setattr(release_files, "write_dumps", whole)
    monkeypatch.setattr(release_files, "update_label_index", index)
    _update(client, f'INSERT DATA {{ GRAPH <{PEOPLE}> {{ <{M}m1> rdfs:comment "a note" }} }}')
    after = current_release(settings.var)
    assert whole.calls == [] and [call[-1] for call in index.calls] == [True]
    changed = {str(call[1].value) for call in read.calls}
    assert changed == {PEOPLE, BASE + "graph/writes"}
    new = _layout(after)
    for name, parts in new["parts"].items():
        was, now = (before.dumps_path / name).read_bytes(), (after.dumps_path / name).read_bytes()
        for graph, (offset, length) in parts.items():
            if graph not in changed:
                start, size = old["parts"][name][graph]
                assert now[offset:offset + length] == was[start:start + size]
    assert_same_as_rebuild(settings)


@pytest.mark.parametrize("update", UPDATES)
def test_a_write_publishes_the_dumps_and_index_a_build_of_its_content_does(mini, update):
    settings, client = mini
    _update(client, update)
    assert_same_as_rebuild(settings)


def test_writes_that_change_what_every_part_depends_on_rewrite_all_of_it(mini, monkeypatch):
    """A property with a new kind of value changes the JSON-LD context; an IRI in a new
    namespace changes the prefixes Turtle declares: the parts of every graph change."""
    settings, client = mini
    _update(client, f'INSERT DATA {{ GRAPH <{PEOPLE}> {{ <{M}m2> rdfs:comment "first" }} }}')
    whole = Spy(dumps.write_dumps)
    monkeypatch.setattr(release_files, "write_dumps", whole)
    for insert in (f"<{M}m1> rdfs:label 7", f"<{M}m2> rdfs:seeAlso <http://example.org/else/x>",
                   f'<{M}m3> rdfs:comment "an ordinary write"'):
        calls = len(whole.calls)
        _update(client, f"INSERT DATA {{ GRAPH <{PEOPLE}> {{ {insert} }} }}")
        assert len(whole.calls) == calls + ("ordinary" not in insert)
        assert_same_as_rebuild(settings)


def test_renaming_a_country_updates_the_entities_that_name_it(seeds, monkeypatch):
    """A country's name is in the description of every thing in it: the index update finds
    them through their places and updates them, as a whole build would."""
    settings, client = seeds
    index = Spy(index_update.update_label_index)
    monkeypatch.setattr(release_files, "update_label_index", index)
    country = f"<{BASE}id/country/cz>"
    before = index_rows(index_path(current_release(settings.var).path))
    _update(client, f"DELETE {{ GRAPH ?g {{ {country} rdfs:label ?l }} }} "
                    f"INSERT {{ GRAPH ?g {{ {country} rdfs:label \"Bohemia and Moravia\"@en }} }} "
                    f"WHERE {{ GRAPH ?g {{ {country} rdfs:label ?l }} }}")
    assert [call[-1] for call in index.calls] == [True]
    written, _ = assert_same_as_rebuild(settings)
    after = index_rows(index_path(written.path))
    described = {row[0]: row[5] for row in after["entity"]}
    was = {row[0]: row[5] for row in before["entity"]}
    moved = {e for e, text in described.items() if "in Bohemia and Moravia" in text}
    assert moved and all("in Czechia" in was[e] for e in moved)
    assert ("bohemia and moravia", "CZ") in after["country"]


def test_renaming_and_removing_things_keeps_the_index_equal_to_a_build(seeds):
    settings, client = seeds
    network = f"<{BASE}id/network/eurocities>"
    names = ", ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    _update(client, f"DELETE {{ GRAPH ?g {{ {network} ?p ?l }} }} "
                    f"INSERT {{ GRAPH ?g {{ {network} ?p \"Eurocities Renamed\"@en }} }} "
                    f"WHERE {{ GRAPH ?g {{ {network} ?p ?l "
                    f"FILTER(isLiteral(?l) && ?p IN ({names})) }} }}")
    assert_same_as_rebuild(settings)
    _update(client, f"DELETE WHERE {{ GRAPH ?g {{ {network} <http://www.w3.org/2004/02/skos/core#"
                    f"altLabel> ?l }} }}")
    assert_same_as_rebuild(settings)


def test_a_live_release_without_a_layout_or_room_in_its_index_is_written_whole(
        mini, monkeypatch):
    """A release written before the layout (no ``parts.json``) or whose index has no rowid
    left between two labels: the write writes everything, and still what a build writes."""
    from service.search import label_index

    settings, client = mini
    _update(client, f'INSERT DATA {{ GRAPH <{PEOPLE}> {{ <{M}m2> rdfs:comment "first" }} }}')
    (current_release(settings.var).dumps_path / LAYOUT_FILE).unlink()
    whole, index = Spy(dumps.write_dumps), Spy(index_update.update_label_index)
    monkeypatch.setattr(release_files, "write_dumps", whole)
    monkeypatch.setattr(release_files, "update_label_index", index)
    _update(client, f'INSERT DATA {{ GRAPH <{PEOPLE}> {{ <{M}m1> rdfs:comment "a note" }} }}')
    assert len(whole.calls) == 1 and [call[-1] for call in index.calls] == [True]
    assert_same_as_rebuild(settings)
    # parts written by another pyoxigraph (or an older layout) are not reused either
    layout = current_release(settings.var).dumps_path / LAYOUT_FILE
    layout.write_text(layout.read_text().replace('"writer": "', '"writer": "other '))
    calls = len(whole.calls)
    _update(client, f'INSERT DATA {{ GRAPH <{PEOPLE}> {{ <{M}m3> rdfs:comment "a note" }} }}')
    assert len(whole.calls) == calls + 1
    assert_same_as_rebuild(settings)
    # an index built with consecutive rowids: a new label has no room between its neighbours
    monkeypatch.setattr(label_index, "GAP", 1)
    build(settings)
    _update(client, f'INSERT DATA {{ GRAPH <{PEOPLE}> {{ <{M}m1> rdfs:label "m" }} }}')
    assert [call[-1] for call in index.calls][-1] is False
    monkeypatch.undo()
    assert_same_as_rebuild(settings)
