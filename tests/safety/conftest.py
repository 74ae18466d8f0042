"""A small, self-contained dataset (its own shapes) for the safety tests, so they do not depend
on the state of the real data/ folder, and a server process serving it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.build.pipeline import build
from service.settings import PROJECT_ROOT, Settings, load_settings
from service.store.release import Release
from tests.conftest import Server, start_server, stop_server

BASE = "http://127.0.0.1:8080/"
TOKEN = "s3cret-publisher-token"

SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix t: <urn:test:shapes#> .

t:Membership a sh:NodeShape ;
    sh:targetClass org:Membership ;
    sh:property [ sh:path org:member ; sh:minCount 1 ; sh:message "a membership needs a member" ] .

t:Organization a sh:NodeShape ;
    sh:targetClass org:Organization ;
    sh:property [ sh:path rdfs:label ; sh:minCount 1 ; sh:message "an organisation needs a label" ] .

t:Graph a sh:NodeShape ;
    sh:targetClass sd:NamedGraph ;
    sh:property [ sh:path prov:wasDerivedFrom ; sh:minCount 1 ; sh:class foaf:Document ;
                  sh:message "every graph says which document it came from" ] .
"""

ONTOLOGY = """\
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/citynet/def> a owl:Ontology ; rdfs:label "test vocabulary"@en .
"""

META = """\
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix dct: <http://purl.org/dc/terms/> .
<id/dataset/citynet> dct:title "Test dataset"@en .
<graph/meta> prov:wasDerivedFrom <id/document/meta> .
<graph/people> prov:wasDerivedFrom <id/document/people> .
<graph/cities> prov:wasDerivedFrom <id/document/cities> .
<id/document/meta> a foaf:Document .
<id/document/people> a foaf:Document .
<id/document/cities> a foaf:Document .
"""


def people(n: int = 120) -> str:
    lines = ["@prefix org: <http://www.w3.org/ns/org#> .",
             "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]
    for i in range(n):
        lines.append(f"<id/membership/m{i}> a org:Membership ; org:member <id/person/p{i}> ; "
                     f"org:organization <id/city/c{i % 5}> ; rdfs:label \"membership {i}\" .")
    return "\n".join(lines) + "\n"


CITIES = "slug,name_en,name_local,lang,country,place_kind,wikidata,wikidata_status,note\n" + "".join(
    f"c{i},City {i},Stadt {i},de,DE,city,,,\n" for i in range(5)
)


def make_root(root: Path) -> Path:
    """Write the small dataset's sources under ``root`` (data/, ontology/, shapes/); the
    project's named queries come along (queries/), so /api has something to answer."""
    for folder in ("data/cities", "ontology", "shapes"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "data" / "meta.ttl").write_text(META)
    (root / "data" / "people.ttl").write_text(people())
    (root / "data" / "cities" / "cities.csv").write_text(CITIES)
    (root / "ontology" / "test.ttl").write_text(ONTOLOGY)
    (root / "shapes" / "shapes.ttl").write_text(SHAPES)
    if not (root / "queries").exists():
        (root / "queries").symlink_to(PROJECT_ROOT / "queries")
    return root


def mini_settings(tmp: Path, **overrides) -> Settings:
    root = make_root(tmp / "root")
    values = {"root": root, "var": tmp / "var", "base": BASE, **overrides}
    return load_settings(values, environ={})


@pytest.fixture(scope="session")
def safe_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return mini_settings(tmp_path_factory.mktemp("safety"), query_timeout=2.0, max_rows=500,
                         query_workers=2)


@pytest.fixture(scope="session")
def safe_release(safe_settings: Settings) -> Release:
    return build(safe_settings)


def serve_mini(tmp: Path, env: dict[str, str] | None = None) -> Server:
    root = make_root(tmp / "root")
    return start_server(tmp / "var", tmp / "server.log",
                        env={"CITYNET_ROOT": str(root), **(env or {})})


@pytest.fixture(scope="module")
def safe_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server (gunicorn, 2 workers) on the small dataset, short limits, writes on."""
    srv = serve_mini(tmp_path_factory.mktemp("safe-server"), {
        "CITYNET_QUERY_TIMEOUT": "2", "CITYNET_MAX_ROWS": "500",
        "CITYNET_WRITE_TOKEN": TOKEN, "CITYNET_QUERY_WORKERS": "2",
    })
    try:
        yield srv
    finally:
        stop_server(srv.process)
