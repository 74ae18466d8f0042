"""Guarded writes: token required (401/403), validated before anything changes (422 with the
report), applied atomically as a new release, recorded in graph/writes, serialised."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading

import pyoxigraph as ox
import pytest

from service.build.pipeline import build
from service.settings import PROJECT_ROOT
from service.store.release import current_release
from service.web.app import create_app
from service.writes.auth import token_identity
from tests.conftest import snapshot
from tests.safety.conftest import BASE, TOKEN, mini_settings
from tests.safety.listener import listener

AUTH = {"Authorization": f"Bearer {TOKEN}"}
PEOPLE = BASE + "graph/people"
GOOD = (f"<{BASE}id/membership/new> a <http://www.w3.org/ns/org#Membership> ; "
        f"<http://www.w3.org/ns/org#member> <{BASE}id/person/new> .")
BAD = f"<{BASE}id/membership/broken> a <http://www.w3.org/ns/org#Membership> ."




@pytest.fixture()
def site(tmp_path):
    settings = mini_settings(tmp_path, write_token=TOKEN, query_timeout=5.0)
    build(settings)
    app = create_app(settings)
    return settings, app.test_client()


def ask(settings, query: str) -> bool:
    store = ox.Store.read_only(str(current_release(settings.var).store_path))
    return bool(store.query(query))


def quads(release) -> set[ox.Quad]:
    return set(ox.Store.read_only(str(release.store_path)))


def test_writes_are_disabled_without_a_configured_token(tmp_path):
    settings = mini_settings(tmp_path)
    build(settings)
    client = create_app(settings).test_client()
    response = client.post(f"/graph-store?graph={PEOPLE}", data=GOOD, headers={
        **AUTH, "Content-Type": "text/turtle"})
    assert response.status_code == 403 and "writes are disabled" in response.get_json()["detail"]


def test_a_write_without_a_token_is_401_and_with_a_wrong_one_403(site):
    settings, client = site
    before = snapshot(settings.var)
    missing = client.put(f"/graph-store?graph={PEOPLE}", data=GOOD, content_type="text/turtle")
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    for header in (f"Bearer {TOKEN}x", "Bearer ", f"Basic {TOKEN}", TOKEN, "Bearer " + "é" * 9):
        wrong = client.delete(f"/graph-store?graph={PEOPLE}", headers={"Authorization": header})
        assert wrong.status_code in (401, 403), header
    update = client.post("/update", data={"update": "CLEAR ALL"},
                         headers={"Authorization": "Bearer nope"})
    assert update.status_code == 403
    assert snapshot(settings.var) == before


def test_a_valid_write_publishes_a_new_release_with_dumps_description_and_provenance(site):
    settings, client = site
    old = current_release(settings.var)
    response = client.post(f"/graph-store?graph={PEOPLE}", data=GOOD,
                           headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["changes"] == {PEOPLE: {"added": 2, "removed": 0}}
    new = current_release(settings.var)
    assert new.id != old.id and new.triples > old.triples
    dump = gzip.decompress((new.dumps_path / "citynet.nt.gz").read_bytes()).decode()
    assert f"<{BASE}id/membership/new>" in dump
    assert str(new.triples) in new.description_path.read_text()
    who = token_identity(TOKEN)
    assert ask(settings, f"""PREFIX prov: <http://www.w3.org/ns/prov#>
        ASK {{ GRAPH <{BASE}graph/writes> {{ ?w a prov:Activity ; prov:generated <{PEOPLE}> ;
               prov:endedAtTime ?t ; prov:wasAssociatedWith <{BASE}id/agent/token-{who}> }} }}""")
    log = [json.loads(line) for line in (settings.data_dir / "writes.jsonl").open()]
    assert log[-1]["changes"][PEOPLE] == {"added": 2, "removed": 0}
    assert log[-1]["who"] == f"sha256:{who}" and log[-1]["release"] == new.id
    assert f"<{BASE}id/membership/new>" in log[-1]["add"]
    everything = b"".join(p.read_bytes() for folder in (settings.var, settings.root)
                          for p in folder.rglob("*") if p.is_file())
    assert TOKEN.encode() not in everything


def test_an_invalid_write_changes_nothing_and_returns_the_report(site):
    settings, client = site
    before = snapshot(settings.var)
    response = client.post(f"/graph-store?graph={PEOPLE}", data=BAD,
                           headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code == 422
    report = response.get_json()
    assert report["conforms"] is False
    assert any(p["focus"].endswith("membership/broken") and "member" in p["message"]
               for p in report["problems"])
    assert snapshot(settings.var) == before


def test_a_new_graph_without_provenance_is_refused_by_the_shapes(site):
    settings, client = site
    before = snapshot(settings.var)
    response = client.put(f"/graph-store?graph={BASE}graph/extra", data=GOOD,
                          headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code == 422
    assert any("graph/extra" in p["focus"] for p in response.get_json()["problems"])
    assert snapshot(settings.var) == before


def test_default_graph_and_foreign_graphs_are_not_writable(site):
    settings, client = site
    for target in ("?default", "?graph=http://evil.example/g", f"?graph={BASE}graph/../x", ""):
        response = client.put("/graph-store" + target, data=GOOD,
                              headers={**AUTH, "Content-Type": "text/turtle"})
        assert response.status_code == 400, target
    response = client.post("/update", headers={**AUTH, "Content-Type": "application/sparql-update"},
                           data="INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert response.status_code == 400 and "default graph" in response.get_json()["detail"]


def test_malformed_bodies_and_unknown_types_are_4xx(site):
    settings, client = site
    before = snapshot(settings.var)
    assert client.put(f"/graph-store?graph={PEOPLE}", data="<<< not turtle",
                      headers={**AUTH, "Content-Type": "text/turtle"}).status_code == 400
    assert client.put(f"/graph-store?graph={PEOPLE}", data=GOOD,
                      headers={**AUTH, "Content-Type": "text/nonsense"}).status_code == 415
    assert client.post("/update", headers={**AUTH, "Content-Type": "application/sparql-update"},
                       data="INSERT GARBAGE").status_code == 400
    assert client.delete(f"/graph-store?graph={BASE}graph/absent", headers=AUTH).status_code == 404
    assert snapshot(settings.var) == before


def test_sparql_update_is_applied_and_load_refused_without_a_fetch(site):
    settings, client = site
    update = (f"PREFIX org: <http://www.w3.org/ns/org#> INSERT DATA {{ GRAPH <{PEOPLE}> {{ "
              f"<{BASE}id/membership/u> a org:Membership ; org:member <{BASE}id/person/u> }} }}")
    response = client.post("/update", data={"update": update}, headers=AUTH)
    assert response.status_code == 200, response.get_json()
    assert ask(settings, f"ASK {{ <{BASE}id/membership/u> ?p ?o }}")
    with listener() as (url, hits):
        for text in (f"LOAD <{url}x.ttl> INTO GRAPH <{PEOPLE}>",
                     f"INSERT {{ GRAPH <{PEOPLE}> {{ ?s ?p ?o }} }} "
                     f"WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}"):
            refused = client.post("/update", data=text, headers={
                **AUTH, "Content-Type": "application/sparql-update"})
            assert refused.status_code == 403
    assert hits == []


def test_updates_sent_to_the_query_endpoint_are_refused(site):
    _settings, client = site
    response = client.post("/sparql", data={"update": "CLEAR ALL"}, headers=AUTH)
    assert response.status_code == 403


def test_concurrent_writers_do_not_lose_each_others_changes(site):
    settings, client = site
    app = client.application
    statuses: list[int] = []

    def write(i: int) -> None:
        body = (f"<{BASE}id/membership/c{i}> a <http://www.w3.org/ns/org#Membership> ; "
                f"<http://www.w3.org/ns/org#member> <{BASE}id/person/c{i}> .")
        response = app.test_client().post(f"/graph-store?graph={PEOPLE}", data=body,
                                          headers={**AUTH, "Content-Type": "text/turtle"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 4
    for i in range(4):
        assert ask(settings, f"ASK {{ <{BASE}id/membership/c{i}> ?p ?o }}")


def test_a_write_republishes_the_default_graph_as_the_merge(site):
    """An update's WHERE reads the default graph as /sparql does (the merge), copies triples
    into a second graph, and the new release's default graph still holds each triple once."""
    settings, client = site
    cities = BASE + "graph/cities"
    update = (f"PREFIX org: <http://www.w3.org/ns/org#> INSERT {{ GRAPH <{cities}> {{ "
              f"?m org:organization ?c }} }} WHERE {{ ?m org:organization ?c }}")
    response = client.post("/update", data={"update": update}, headers=AUTH)
    assert response.status_code == 200, response.get_json()
    release = current_release(settings.var)
    store = ox.Store.read_only(str(release.store_path))
    copied = list(store.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/ns/org#"
                                                             "organization"), None, None))
    named = [q for q in copied if isinstance(q.graph_name, ox.NamedNode)]
    default = [q for q in copied if isinstance(q.graph_name, ox.DefaultGraph)]
    assert len(named) == 2 * len(default) == 240  # 120 memberships, now in two graphs each
    merged = {(q.subject, q.predicate, q.object) for q in store
              if isinstance(q.graph_name, ox.NamedNode)}
    assert release.triples == len(merged) == sum(
        1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    count = client.get("/sparql", query_string={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"}).get_json()
    assert int(count["results"]["bindings"][0]["n"]["value"]) == release.triples


def test_a_write_is_part_of_the_sources_and_survives_citynet_build(site):
    settings, client = site
    update = (f"PREFIX org: <http://www.w3.org/ns/org#> DELETE DATA {{ GRAPH <{PEOPLE}> {{ "
              f"<{BASE}id/membership/m3> org:member <{BASE}id/person/p3> }} }} ; "
              f"INSERT DATA {{ GRAPH <{PEOPLE}> {{ "
              f"<{BASE}id/membership/m3> org:member <{BASE}id/person/kept> }} }}")
    assert client.post("/update", data={"update": update}, headers=AUTH).status_code == 200
    put = client.put(f"/graph-store?graph={BASE}graph/cities", data=GOOD,
                     headers={**AUTH, "Content-Type": "text/turtle"})
    assert put.status_code == 200, put.get_json()
    written = quads(current_release(settings.var))
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "build", "--root", str(settings.root), "--var",
         str(settings.var), "--base", BASE], cwd=PROJECT_ROOT, capture_output=True, text=True,
        timeout=120)
    assert done.returncode == 0, done.stderr
    assert quads(current_release(settings.var)) == written  # the build reproduces the writes
    assert ask(settings, f"ASK {{ <{BASE}id/membership/m3> ?p <{BASE}id/person/kept> }}")
    assert not ask(settings, f"ASK {{ <{BASE}id/membership/m3> ?p <{BASE}id/person/p3> }}")
    assert not ask(settings, f"ASK {{ <{BASE}id/city/c1> ?p ?o }}")  # graph/cities replaced
    assert ask(settings, f"""PREFIX prov: <http://www.w3.org/ns/prov#>
        ASK {{ GRAPH <{BASE}graph/writes> {{ ?w prov:generated <{BASE}graph/cities> }} }}""")


def test_a_build_replays_the_journal_after_the_files_even_when_they_changed(site):
    settings, client = site
    response = client.post(f"/graph-store?graph={PEOPLE}", data=GOOD,
                           headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code == 200
    with (settings.data_dir / "people.ttl").open("a") as f:  # the publisher edits a file
        f.write(f"<{BASE}id/membership/edited> a <http://www.w3.org/ns/org#Membership> ; "
                f"<http://www.w3.org/ns/org#member> <{BASE}id/person/edited> .\n")
    build(settings)
    assert ask(settings, f"ASK {{ <{BASE}id/membership/new> ?p ?o }}")
    assert ask(settings, f"ASK {{ <{BASE}id/membership/edited> ?p ?o }}")


def test_a_damaged_journal_line_stops_the_build_with_its_line_number(site):
    settings, client = site
    client.post(f"/graph-store?graph={PEOPLE}", data=GOOD,
                headers={**AUTH, "Content-Type": "text/turtle"})
    path = settings.data_dir / "writes.jsonl"
    path.write_text("{not json}\n" + path.read_text())
    before = snapshot(settings.var)
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "build", "--root", str(settings.root), "--var",
         str(settings.var), "--base", BASE], cwd=PROJECT_ROOT, capture_output=True, text=True,
        timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"citynet build: {path}: line 1 is damaged (not a complete write record); "
        "restore it from a backup or remove it"]
    assert snapshot(settings.var) == before


def test_the_graph_page_shows_who_wrote_what_and_when(site):
    settings, client = site
    untouched = client.get("/graph/people", headers={"Accept": "text/html"})
    assert untouched.status_code == 200 and "None: this graph is exactly as its source" in (
        untouched.get_data(as_text=True))
    response = client.post(f"/graph-store?graph={PEOPLE}", data=GOOD,
                           headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code == 200
    entry = json.loads((settings.data_dir / "writes.jsonl").read_text().splitlines()[-1])
    page = client.get("/graph/people", headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert entry["when"].replace("+00:00", "Z") in html
    assert f"sha256:{token_identity(TOKEN)}" in html and TOKEN not in html
    assert f"Graph Store POST on {PEOPLE}: 2 triples added, 0 removed" in html
    assert f"{BASE}id/document/people" in html  # its source document
    rdf = client.get("/graph/people", headers={"Accept": "text/turtle"})
    assert rdf.status_code == 303 and "/graph-store?graph=" in rdf.headers["Location"]
    assert client.get("/graph/absent").status_code == 404
