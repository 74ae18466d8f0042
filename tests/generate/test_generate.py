"""``citynet generate``: conforming, deterministic, the size asked for, skewed, buildable."""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from service.build.pipeline import build, check
from service.build.sources import load_sources
from service.generate.dataset import generate
from service.generate.plan import parse_size, plan_for
from service.settings import PROJECT_ROOT, load_settings

BASE = "http://127.0.0.1:8080/"
SIZE = 30_000


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    generate(SIZE, out)
    return out


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_sizes_accept_suffixes():
    assert [parse_size(s) for s in ("100k", "1M", "2.5m", "10M", "5000")] == [
        100_000, 1_000_000, 2_500_000, 10_000_000, 5000]
    for bad in ("ten", "1T", "-5", "10"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_same_size_gives_the_same_bytes(generated, tmp_path):
    generate(SIZE, tmp_path / "again")
    assert files(tmp_path / "again") == files(generated)


def test_generated_data_conforms_to_the_shapes_by_pyshacl(generated):
    settings = load_settings({"root": generated})
    checked = check(settings, reference=True)
    assert checked.report.conforms, checked.report.text()[:2000]
    assert check(settings).report == checked.report


def test_size_is_close_to_what_was_asked(generated):
    sources = load_sources(generated / "data", generated / "ontology", BASE)
    triples = {(s, p, o) for s, p, o, _ in sources.dataset.quads((None, None, None, None))}
    assert abs(len(triples) - SIZE) <= SIZE * 0.01


def test_one_named_graph_per_source_with_provenance(generated):
    sources = load_sources(generated / "data", generated / "ontology", BASE)
    names = set(sources.files)
    assert len(names) > 30  # meta, calendar, cities, vocabulary, networks, yearly lists
    derived = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
    store = ox.Store()
    store.bulk_extend(ox.parse(sources.dataset.serialize(format="nquads", encoding="utf-8"),
                               format=ox.RdfFormat.N_QUADS))
    described = {str(q.subject.value) for q in store.quads_for_pattern(None, derived, None)}
    assert names <= described


def test_group_sizes_are_skewed(generated):
    store = ox.Store()
    for path in sorted((generated / "data").glob("*-members-*.ttl")):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=BASE)
    rows = store.query("""SELECT ?g (COUNT(DISTINCT ?m) AS ?n) WHERE {
        ?m <http://www.w3.org/ns/org#organization> ?g } GROUP BY ?g""")
    sizes = sorted((int(r["n"].value) for r in rows), reverse=True)
    assert sizes[0] >= 500 and sizes[0] >= 15 * statistics.median(sizes)
    assert 16 <= statistics.median(sizes) < 100  # most groups: tens of memberships


@pytest.mark.parametrize("size", ["100k", "1M"])
def test_plans_at_scale_have_groups_of_thousands_and_most_of_tens(size):
    from service.generate.dataset import _fixed

    table, ontology = PROJECT_ROOT / "data" / "cities" / "cities.csv", PROJECT_ROOT / "ontology"
    plan = plan_for(parse_size(size), lambda p: _fixed(p, table, ontology))
    sizes = plan.group_sizes
    assert sizes[0] >= 2000 and sum(s >= 1000 for s in sizes) <= len(sizes) // 20
    assert 16 <= statistics.median(sizes) < 100


def test_cli_refuses_a_bad_size_and_an_existing_folder(generated):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "service.cli", "generate", *args],
                              capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)

    assert run("--help").returncode == 0 and "--triples" in run("--help").stdout
    for args, expected in ((("--triples", "lots", "--out", str(generated / "x")), "not a size"),
                           (("--triples", "10k", "--out", str(generated)), "already exists")):
        done = run(*args)
        assert done.returncode == 1
        assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_generated_folder_builds(generated, tmp_path):
    settings = load_settings({"root": generated, "var": tmp_path / "var", "base": BASE})
    release = build(settings)
    assert abs(release.triples - SIZE) <= SIZE * 0.01
