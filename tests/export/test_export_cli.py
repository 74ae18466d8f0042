"""``citynet export-static``: bad input is one line and a non-zero exit with nothing written
or lost; a second export replaces the first in place; with ``--upstream`` nginx proxies the
dynamic routes to a running ``citynet serve``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from service.export import export_static
from service.settings import PROJECT_ROOT, Settings
from service.store.release import Release
from tests.conftest import FIXTURE_DATA, free_port, source_copy, start_server, stop_server
from tests.export.nginx import NGINX, start_nginx, stop_nginx

GROUP = "group/eurocities-migration-integration"


def citynet(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service.cli", "export-static", *args],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin"})


def one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode != 0 and not done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("citynet export-static: "), done.stderr
    return lines[0]


def test_without_a_release_it_says_so_and_writes_nothing(tmp_path):
    target = tmp_path / "out"
    line = one_line_error(citynet(str(target), "--var", str(tmp_path / "var")))
    assert "release" in line
    assert not target.exists()


def test_a_file_or_a_foreign_folder_is_refused_untouched(tmp_path, fixture_settings, fixture_release):
    file = tmp_path / "a-file"
    file.write_text("keep me")
    assert "not a folder" in one_line_error(citynet(str(file), "--var", str(fixture_settings.var)))
    assert file.read_text() == "keep me"
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me too")
    line = one_line_error(citynet(str(folder), "--var", str(fixture_settings.var)))
    assert "not empty" in line
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("upstream,says", [("ftp://example.org/", "--upstream"),
                                           ("http://127.0.0.1:8080/prefix/", "--upstream"),
                                           ("not a url", "--upstream")])
def test_a_bad_upstream_is_refused(tmp_path, fixture_settings, fixture_release, upstream, says):
    target = tmp_path / "out"
    line = one_line_error(citynet(str(target), "--var", str(fixture_settings.var),
                                  "--upstream", upstream))
    assert says in line
    assert not target.exists()


@pytest.mark.slow
def test_a_second_export_replaces_the_first_in_place(tmp_path, fixture_settings: Settings,
                                                     fixture_release: Release):
    target = tmp_path / "out"
    for attempt in range(2):
        if attempt:  # an export killed half-way left its folder: the next one removes it
            (target / "sites" / ".partial-4194305" / "doc").mkdir(parents=True)
        done = citynet(str(target), "--var", str(fixture_settings.var),
                       "--root", str(fixture_settings.root), "--port", "18181")
        assert done.returncode == 0, done.stderr
        assert f"exported release {fixture_release.id}" in done.stdout
        assert "nginx -p" in done.stdout
    manifest = json.loads((target / "export.json").read_text())
    assert manifest["release"] == fixture_release.id and manifest["documents"] > 50
    sites = list((target / "sites").iterdir())
    assert [p.name for p in sites] == [Path(manifest["site"]).name]
    assert (target / "site").resolve() == sites[0]
    assert (target / "site" / "doc" / f"{GROUP}.ttl").is_file()
    assert "listen 127.0.0.1:18181;" in (target / "server.conf").read_text()


@pytest.mark.slow
def test_dynamic_routes_go_to_the_upstream_service(tmp_path):
    if not NGINX.exists():
        pytest.skip(f"{NGINX} is missing (apt-get install nginx)")
    root = source_copy(tmp_path / "root", FIXTURE_DATA)
    server = start_server(root / "var", tmp_path / "server.log",
                          env={"CITYNET_ROOT": str(root), "CITYNET_WORKERS": "1"})
    nginx = None
    try:
        port = free_port()
        settings = Settings(root=root, var=root / "var", port=port)
        export_static(settings, tmp_path / "export", upstream=server.url)
        nginx = start_nginx(tmp_path / "export", port)
        url = f"http://127.0.0.1:{port}/"
        ask = requests.get(url + "sparql", params={"query": f"ASK {{ <{server.base}id/{GROUP}> "
                                                            "?p ?o }"},
                           headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert ask.status_code == 200 and ask.json()["boolean"] is True
        health = requests.get(url + "health", timeout=30)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        api = requests.get(url + "api/openapi.json", timeout=30)
        assert api.status_code == 200 and api.json()["paths"]
        doc = requests.get(url + f"doc/{GROUP}.ttl", timeout=30)
        assert doc.status_code == 200
        assert doc.content == requests.get(server.url + f"doc/{GROUP}.ttl", timeout=30).content
        assert requests.get(url + "no-such-page", timeout=30).status_code == 404
        # An answer that depends on the query string is the service's (its ETag, its bytes).
        for path in (f"doc/{GROUP}.html?page=1", f"doc/{GROUP}?page=1", "?q=barcelona"):
            ours = requests.get(url + path, timeout=30, headers={"Accept": "text/html"})
            theirs = requests.get(server.url + path, timeout=30, headers={"Accept": "text/html"})
            assert ours.status_code == theirs.status_code == 200, path
            # the service's ETag (nginx's gzip makes it weak), not nginx's own of a file
            assert ours.headers["ETag"].removeprefix("W/") == theirs.headers["ETag"], path
            assert ours.content == theirs.content, path
        static = requests.get(url + f"doc/{GROUP}.html", timeout=30)
        assert static.headers["ETag"].removeprefix("W/") != theirs.headers["ETag"]
    finally:
        if nginx is not None:
            stop_nginx(nginx)
        stop_server(server.process)


@pytest.mark.slow
def test_an_export_stopped_half_way_leaves_the_last_one(tmp_path, fixture_settings: Settings,
                                                        fixture_release: Release):
    target = tmp_path / "out"
    args = (str(target), "--var", str(fixture_settings.var), "--root", str(fixture_settings.root))
    assert citynet(*args).returncode == 0
    manifest = (target / "export.json").read_text()
    served = (target / "site").resolve()
    process = subprocess.Popen([sys.executable, "-m", "service.cli", "export-static", *args],
                               cwd=PROJECT_ROOT, env={"PATH": "/usr/bin:/bin"},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    partial = target / "sites" / f".partial-{process.pid}"
    deadline = time.monotonic() + 120
    while not (partial / "doc").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "the export finished before it could be stopped"
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    assert process.returncode != 0
    assert not partial.exists()
    assert (target / "export.json").read_text() == manifest
    assert (target / "site").resolve() == served and (served / "doc" / f"{GROUP}.ttl").is_file()
