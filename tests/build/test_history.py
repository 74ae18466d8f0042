"""Releases with history: each keeps its dumps, records what changed since the one before, is
described as a version in DCAT, listed in an Atom feed, and the oldest go beyond the setting."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from service.build.catalog import release_iri
from service.build.pipeline import build
from service.build.publish import building_folder, prune, publish_store, write_store
from service.cli import main
from service.namespaces import data_prefixes
from service.settings import load_settings
from service.store.release import current_release, list_releases, releases_dir
from tests.conftest import BASE, source_copy

MUNICH_2013 = URIRef(f"{BASE}id/membership/eurocities-migration-integration-munich-2013")
ALT_LABEL = f'<{BASE}id/city/munich> <http://www.w3.org/2004/02/skos/core#altLabel> "Muenchen"@de'
SEED_004 = f"{BASE}graph/seed-004"
ATOM = "{http://www.w3.org/2005/Atom}"


def edit_seed_004(data: Path) -> set[str]:
    """A real edit: drop Munich's 2013 membership, add a spelling. Returns the dropped triples
    (as N-Triples, read from the file before the edit)."""
    path = data / "seed-004.ttl"
    text = path.read_text(encoding="utf-8")
    before = Graph().parse(data=text, format="turtle", publicID=BASE)
    dropped = {f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in before.triples((MUNICH_2013, None, None))}
    block = re.compile(r"membership:eurocities-migration-integration-munich-2013 a org:Membership ;"
                       r"[^.]*\.\n")
    assert block.search(text), "seed 004 lists Munich as an active member city in 2013"
    text = block.sub("", text) + '\ncity:munich skos:altLabel "Muenchen"@de .\n'
    path.write_text(text, encoding="utf-8")
    return dropped


@pytest.mark.slow
def test_two_releases_keep_their_dumps_and_a_change_log_of_exactly_the_edit(tmp_path, capsys):
    settings = load_settings({"root": source_copy(tmp_path), "base": BASE}, environ={})
    first = build(settings)
    dropped = edit_seed_004(settings.data_dir)
    assert len(dropped) == 5  # type, member, organization, role, period
    second = build(settings)

    assert second.previous == first.id and second.sequence == first.sequence + 1
    assert second.info["changes"] == {SEED_004: {"added": 1, "removed": 5}}

    # citynet diff prints exactly those triples
    assert main(["diff", first.id, second.id, "--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"# {SEED_004}: +1 -5"
    assert {line[2:-2] for line in out if line.startswith("- ")} == dropped
    assert [line[2:-2] for line in out if line.startswith("+ ")] == [ALT_LABEL]

    # DCAT: the live release is version 2 of the dataset, a revision of the first
    description = ox.Store()
    description.load(path=str(second.description_path), format=ox.RdfFormat.TURTLE)
    assert description.query(f"""
        PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX dct: <http://purl.org/dc/terms/>
        ASK {{ <{release_iri(BASE, second.id)}> dcat:version "2" ; dct:issued ?issued ;
                 prov:wasRevisionOf <{release_iri(BASE, first.id)}> ;
                 dcat:isVersionOf ?dataset . ?dataset dcat:hasCurrentVersion ?v }}""")

    from service.web.app import create_app

    client = create_app(settings).test_client()
    for rel in (first, second):  # both stay downloadable, with the checksums they published
        for dump in rel.dumps:
            got = client.get(f"/dumps/releases/{rel.id}/{dump['name']}")
            assert got.status_code == 200
            assert hashlib.sha256(got.data).hexdigest() == dump["sha256"]
    assert first.dumps != second.dumps

    trig = client.get(f"/dumps/releases/{second.id}/changes",
                      headers={"Accept": "application/trig"})
    assert trig.status_code == 200 and trig.mimetype == "application/trig"
    quads = list(ox.parse(trig.data, format=ox.RdfFormat.TRIG))
    named = {f"{q.subject} {q.predicate} {q.object}" for q in quads
             if isinstance(q.graph_name, ox.NamedNode)}
    assert named == dropped | {ALT_LABEL}
    page = client.get(f"/dumps/releases/{second.id}/changes", headers={"Accept": "text/html"})
    assert "Muenchen" in page.get_data(as_text=True)

    feed = ET.fromstring(client.get("/dumps/releases.atom").data)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}id").text for e in entries] == [
        release_iri(BASE, second.id), release_iri(BASE, first.id)]
    enclosures = [link.get("href") for link in entries[1].findall(f"{ATOM}link")
                  if link.get("rel") == "enclosure"]
    assert f"{BASE}dumps/releases/{first.id}/citynet.nq.gz" in enclosures
    listing = client.get("/dumps/releases/", headers={"Accept": "application/json"}).get_json()
    assert [r["id"] for r in listing["releases"]] == [second.id, first.id]
    assert client.get("/dumps/releases/0000000000000000/").status_code == 404


def _quads(n: int) -> list[ox.Quad]:
    graph = ox.NamedNode(f"{BASE}graph/test")
    return [ox.Quad(ox.NamedNode(f"{BASE}id/thing/{i}"), ox.NamedNode(f"{BASE}def/p"),
                    ox.Literal(str(i)), graph) for i in range(n)]


def _publish(var: Path, n: int, keep: int):
    """A release of ``n`` quads, published as a build publishes its store."""
    with building_folder(var) as building:
        return publish_store(write_store(building / "store", _quads(n)), building, var=var,
                             base=BASE, meta={}, prefixes=data_prefixes(BASE), keep=keep)


def test_retention_removes_the_oldest_beyond_the_setting_but_never_the_live_one(tmp_path):
    var = tmp_path / "var"
    published = [_publish(var, n, keep=2) for n in (1, 2, 3)]
    assert [r.id for r in list_releases(var)] == [published[2].id, published[1].id]
    assert not published[0].path.exists()
    # the change log of the latest is exactly the one triple it adds to the one before
    assert published[2].info["changes"] == {f"{BASE}graph/test": {"added": 1, "removed": 0}}

    # make the live release the oldest on disk: pruning to one keeps it, not the newer one
    live = current_release(var)
    os.utime(live.path, ns=(1, 1))
    removed = prune(var, 1)
    assert [p.name for p in releases_dir(var).iterdir()] == [live.path.name]
    assert removed and current_release(var).id == live.id


def test_keep_releases_must_keep_at_least_the_live_one():
    with pytest.raises(ValueError, match="CITYNET_KEEP_RELEASES"):
        load_settings(environ={"CITYNET_KEEP_RELEASES": "0"})


def test_the_change_log_compares_the_stores_not_the_dumps(tmp_path):
    var = tmp_path / "var"
    first = _publish(var, 1, keep=3)
    (first.dumps_path / "citynet.nq.gz").write_bytes(b"not gzip at all")
    second = _publish(var, 2, keep=3)
    assert second.previous == first.id
    assert second.info["changes"] == {f"{BASE}graph/test": {"added": 1, "removed": 0}}


def test_an_unreadable_older_store_does_not_block_publishing(tmp_path):
    var = tmp_path / "var"
    first = _publish(var, 1, keep=3)
    shutil.rmtree(first.store_path)
    first.store_path.mkdir()
    (first.store_path / "CURRENT").write_text("MANIFEST-not-there\n")
    second = _publish(var, 2, keep=3)
    assert current_release(var).id == second.id and second.previous == first.id
    assert second.info["changes"] is None and not second.changes_path.exists()
