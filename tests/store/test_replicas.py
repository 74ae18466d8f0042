"""Stateless replicas: two ``citynet serve`` processes with separate, empty ``var/`` folders on
one remote store serve the release published once, identically (same ETags, same documents),
and a new release reaches both without a restart."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from service.build.pipeline import build
from service.store.release import current_release, releases_dir
from service.writes.apply import apply_write
from service.writes.operations import add_to_graph
from tests.conftest import BASE, PROJECT_ROOT, Server, free_port, source_copy, stop_server
from tests.store.conftest import ENGINES, SparqlServer, remote_settings

DOC = "doc/city/barcelona.ttl"
BARCELONA = BASE + "id/city/barcelona"
COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"


def start_replica(var: Path, log: Path, server: SparqlServer) -> Server:
    """``citynet serve`` on a free port, under the deployment's base IRI (not its own address:
    replicas behind one proxy share one base)."""
    port = free_port()
    env = {**os.environ, "CITYNET_VAR": str(var), "CITYNET_PORT": str(port),
           "CITYNET_HOST": "127.0.0.1", "CITYNET_WORKERS": "2", "CITYNET_BASE": BASE,
           "CITYNET_BACKEND": "remote", "CITYNET_REMOTE_QUERY_URL": server.query_url,
           "CITYNET_REMOTE_UPDATE_URL": server.update_url, "CITYNET_REMOTE_RELEASE_TTL": "0.5"}
    url = f"http://127.0.0.1:{port}/"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "service.cli", "serve"], cwd=PROJECT_ROOT,
                                   env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"replica exited with {process.returncode}:\n{log.read_text()}")
        try:
            if requests.get(url + "health", timeout=10).status_code == 200:
                return Server(url=url, base=BASE, var=var, process=process, log=log)
        except requests.RequestException:  # not up yet, or slow under load
            pass
        time.sleep(0.2)
    stop_server(process)
    raise RuntimeError(f"replica did not become healthy:\n{log.read_text()}")


def document(site: Server) -> tuple[str, set[ox.Triple]]:
    answer = site.get(DOC)
    assert answer.status_code == 200, answer.text[:300]
    triples = {ox.Triple(q.subject, q.predicate, q.object)
               for q in ox.parse(answer.content, format=ox.RdfFormat.TURTLE, base_iri=BASE)}
    return answer.headers["ETag"], triples


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_two_replicas_serve_one_release_and_both_follow_a_new_one(tmp_path, new_server, engine):
    server = new_server(engine)
    publisher = remote_settings(tmp_path / "publisher", server,
                                root=source_copy(tmp_path / "root"))
    first = build(publisher)
    replicas = [start_replica(tmp_path / f"replica-{i}", tmp_path / f"replica-{i}.log", server)
                for i in (1, 2)]
    try:
        for site in replicas:  # nothing was built nor stored locally: the store had the release
            assert not releases_dir(site.var).exists()
            assert site.get("health").json()["release"] == first.id
        (etag_a, doc_a), (etag_b, doc_b) = (document(site) for site in replicas)
        assert etag_a == etag_b and first.id in etag_a and doc_a == doc_b
        assert ox.Literal("Barcelona", language="ca") in {t.object for t in doc_a
                                                            if t.subject.value == BARCELONA}
        listings = [site.get("dumps/", headers={"Accept": "application/json"}).json()
                    for site in replicas]
        assert listings[0]["dumps"] == listings[1]["dumps"] and listings[0]["release"] == first.id
        name = listings[0]["dumps"][0]["name"]  # the files come from the publisher's folder
        assert replicas[1].get(f"dumps/{name}").content == (
            first.dumps_path / name).read_bytes()

        comment = ox.Literal("published once, served by every replica", language="en")
        second = apply_write(publisher, "test", add_to_graph(
            f"{BASE}graph/cities", [ox.Triple(ox.NamedNode(BARCELONA), ox.NamedNode(COMMENT),
                                              comment)])).release
        assert second is not None and second.id != first.id
        assert current_release(publisher.var).id == second.id
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if all(second.id in document(site)[0] for site in replicas):
                break
            time.sleep(0.25)
        (etag_a, doc_a), (etag_b, doc_b) = (document(site) for site in replicas)
        assert etag_a == etag_b and second.id in etag_a and doc_a == doc_b
        assert ox.Triple(ox.NamedNode(BARCELONA), ox.NamedNode(COMMENT), comment) in doc_a
        assert all(site.process.poll() is None for site in replicas)  # never restarted
        assert all(site.get("health").json()["release"] == second.id for site in replicas)
    finally:
        for site in replicas:
            stop_server(site.process)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_readers_see_the_whole_previous_or_the_whole_new_release(tmp_path, new_server, engine):
    """While a release is published, every count a reader gets is one release's, never a
    partly loaded default graph's."""
    import threading

    from service.store.remote import RemoteStore

    server = new_server(engine)
    publisher = remote_settings(tmp_path / "publisher", server,
                                root=source_copy(tmp_path / "root"))
    first = build(publisher)
    reader = RemoteStore(publisher.with_overrides(remote_release_ttl=0.0))
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    seen: list[int] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.extend(int(row["n"].value) for row in reader.query(count))

    thread = threading.Thread(target=read)
    thread.start()
    try:
        extra = [ox.Triple(ox.NamedNode(f"{BASE}id/city/barcelona"), ox.NamedNode(COMMENT),
                           ox.Literal(f"note {i}", language="en"))
                 for i in range(3000)]  # enough for several Virtuoso batches
        second = apply_write(publisher, "test", add_to_graph(f"{BASE}graph/cities",
                                                             extra)).release
    finally:
        time.sleep(0.5)
        done.set()
        thread.join()
    assert second is not None and second.triples >= first.triples + 3000  # and the write log
    assert set(seen) <= {first.triples, second.triples} and second.triples in seen
    assert len(seen) > 2
