"""Through a real server: a spreadsheet imported and built is answered on /sparql, and both
releases stay listed in the feed and downloadable with the checksums they published."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from xml.etree import ElementTree as ET

import pytest

from service.settings import PROJECT_ROOT
from tests.conftest import source_copy, start_server, stop_server

pytestmark = pytest.mark.slow

CSV = """member,organization,role,start,end,period,country
Munchen,Migration and integration,Chair city,2016,2016,,DE
"""


def citynet(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service.cli", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=300)


def test_import_build_query_and_history(tmp_path):
    root = source_copy(tmp_path / "root")
    (tmp_path / "chairs.csv").write_text(CSV, encoding="utf-8")
    srv = start_server(tmp_path / "var", tmp_path / "server.log", env={"CITYNET_ROOT": str(root)})
    try:
        first = srv.get("/dumps/releases/", headers={"Accept": "application/json"}).json()
        where = ("--root", str(root), "--var", str(tmp_path / "var"))
        done = citynet("import", str(tmp_path / "chairs.csv"), *where)
        assert done.returncode == 0, done.stderr
        done = citynet("build", *where)
        assert done.returncode == 0, done.stderr

        query = f"""PREFIX org: <http://www.w3.org/ns/org#>
            SELECT ?g WHERE {{ GRAPH ?g {{ ?m org:member <{srv.base}id/city/munich> ;
              org:role <https://w3id.org/citynet/def#chair-city> }} }}"""
        answer = srv.get("/sparql", params={"query": query},
                         headers={"Accept": "application/sparql-results+json"}).json()
        assert [b["g"]["value"] for b in answer["results"]["bindings"]] == [
            f"{srv.base}graph/import-chairs"]

        releases = srv.get("/dumps/releases/", headers={"Accept": "application/json"}).json()
        ids = [r["id"] for r in releases["releases"]]
        assert len(ids) == 2 and ids[1] == first["live"] and releases["live"] == ids[0]
        newest = releases["releases"][0]
        assert newest["previous"] == first["live"] and newest["removed"] == 0
        for rel in releases["releases"]:
            for dump in rel["dumps"]:
                body = srv.get(dump["url"]).content
                assert hashlib.sha256(body).hexdigest() == dump["sha256"]
        feed = ET.fromstring(srv.get("/dumps/releases.atom").content)
        assert len(feed.findall("{http://www.w3.org/2005/Atom}entry")) == 2
        changes = srv.get(f"/dumps/releases/{ids[0]}/changes",
                          headers={"Accept": "application/n-quads"}).text
        assert f"<{srv.base}id/city/munich>" in changes
    finally:
        stop_server(srv.process)
