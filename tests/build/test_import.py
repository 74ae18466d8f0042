"""``citynet import``: spreadsheets become validated source files in data/, or nothing at all.

Every test runs the real command on a copy of the project's sources; the names in the CSV
files are spelled as a portal would (no accents, other case), and the IRIs they must match
are the ones the seeds' cities and groups already have.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from service.cli import main
from tests.conftest import BASE, source_copy

pytestmark = pytest.mark.slow

ORG = "http://www.w3.org/ns/org#"
CN = "https://w3id.org/citynet/def#"
GROUP = f"{BASE}id/group/eurocities-migration-integration"

GOOD = """member,organization,role,start,end,period,country
Munchen,Migration and integration,Active member city,2015,2015,,DE
city/ghent,group/eurocities-migration-integration,member-city,2015-01,2016-06,January 2015 to June 2016,
"""


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    """A private copy of the sources (data, vocabulary, shapes, queries)."""
    return source_copy(tmp_path)


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def run(root: Path, csv_text: str, name: str = "memberships.csv") -> Path:
    path = root / name
    path.write_text(csv_text, encoding="utf-8")
    return path


def cli(root: Path, *args: str) -> int:
    return main(["import", *args, "--root", str(root), "--base", BASE])


def test_good_import_is_published_by_the_next_build(root, capsys):
    csv_path = run(root, GOOD)
    assert cli(root, str(csv_path)) == 0
    written = root / "data" / "import-memberships.ttl"
    assert written.is_file()
    assert "http://127.0.0.1" not in written.read_text()  # relative IRIs, like every source

    assert main(["build", "--root", str(root), "--base", BASE]) == 0
    store = ox.Store.read_only(str(root / "var" / "current" / "store"))
    rows = list(store.query(f"""
        PREFIX org: <{ORG}>
        SELECT ?city ?role ?g WHERE {{ GRAPH ?g {{
          ?m a org:Membership ; org:member ?city ; org:organization <{GROUP}> ; org:role ?role }}
          FILTER(?g = <{BASE}graph/import-memberships>) }} ORDER BY ?city"""))
    assert [(r["city"].value, r["role"].value) for r in rows] == [
        (f"{BASE}id/city/ghent", CN + "member-city"),
        (f"{BASE}id/city/munich", CN + "active-member-city"),
    ]
    # the graph names its source: the spreadsheet's file name and SHA-256, and the import date
    import hashlib

    digest = hashlib.sha256(csv_path.read_bytes()).hexdigest()
    ask = store.query(f"""
        PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dct: <http://purl.org/dc/terms/>
        ASK {{ <{BASE}graph/import-memberships> prov:wasDerivedFrom ?s .
              ?s dct:identifier "memberships.csv", "sha256:{digest}" ; dct:issued ?d }}""")
    assert bool(ask)
    # Munich's 2013 membership from seed 004 is still there beside the imported one
    assert len(list(store.quads_for_pattern(None, ox.NamedNode(ORG + "member"),
                                            ox.NamedNode(f"{BASE}id/city/munich")))) >= 2


def test_one_unmatched_row_writes_nothing_and_is_named(root, capsys):
    bad = GOOD + "Atlantis,Migration and integration,Active member city,2015,2015,,\n"
    before = files(root / "data")
    assert cli(root, str(run(root, bad))) == 1
    err = capsys.readouterr().err
    assert "line 4" in err and "Atlantis" in err and "nothing was written" in err
    assert len(err.strip().splitlines()) == 1
    assert files(root / "data") == before


def test_an_inexact_name_is_refused_with_its_candidates(root, capsys):
    bad = "member,organization,role\nBarcelon,Migration and integration,Chair city\n"
    before = files(root / "data")
    assert cli(root, str(run(root, bad))) == 1
    err = capsys.readouterr().err
    assert "line 2" in err and "city/barcelona" in err
    assert files(root / "data") == before


def test_a_row_breaking_a_shape_is_named(root, capsys):
    """A period that ends before it begins is caught by the shapes, not by the importer."""
    bad = GOOD + "Gent,Migration and integration,Member city,2016,2014,,BE\n"
    before = files(root / "data")
    assert cli(root, str(run(root, bad))) == 1
    err = capsys.readouterr().err
    assert "line 4" in err and "ends" in err and "before it begins" in err
    assert files(root / "data") == before


def test_a_membership_already_in_the_data_is_refused(root, capsys):
    """Seed 004 lists Munich as an active member city of the group in 2013."""
    dup = ("member,organization,role,start,end\n"
           "Munich,Migration and integration,Active member city,2013,2013\n")
    assert cli(root, str(run(root, dup))) == 1
    assert "already in the data" in capsys.readouterr().err


def test_dry_run_prints_the_triples_and_writes_nothing(root, capsys):
    before = files(root / "data")
    assert cli(root, str(run(root, GOOD)), "--dry-run") == 0
    assert files(root / "data") == before
    graph = Graph().parse(data=capsys.readouterr().out, format="turtle")
    members = set(graph.objects(None, URIRef(ORG + "member")))
    assert members == {URIRef(f"{BASE}id/city/munich"), URIRef(f"{BASE}id/city/ghent")}


def test_cities_import_adds_a_new_city_and_refuses_a_known_one(root, capsys):
    new = ("name_en,name_local,lang,country,place_kind,wikidata,note\n"
           "Graz,Graz,de,AT,city,,\n")
    assert cli(root, str(run(root, new, name="cities-2026.csv")), "--dry-run") == 0
    graph = Graph().parse(data=capsys.readouterr().out, format="turtle")
    assert (URIRef(f"{BASE}id/city/graz"), None, None) in graph
    known = new + "MUNCHEN,München,de,DE,city,,\n"
    before = files(root / "data")
    assert cli(root, str(run(root, known, name="cities-2026.csv"))) == 1
    err = capsys.readouterr().err
    assert "line 3" in err and "city/munich" in err
    assert files(root / "data") == before


def test_a_row_with_more_fields_than_the_header_is_named(root, capsys):
    ragged = "member,organization,role\nMunich,Migration and integration,Chair city,2016\n"
    before = files(root / "data")
    assert cli(root, str(run(root, ragged))) == 1
    assert "line 2: more fields than the header" in capsys.readouterr().err
    assert files(root / "data") == before
