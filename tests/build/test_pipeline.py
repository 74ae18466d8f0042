"""The build publishes only valid data, atomically and reproducibly."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.build import release_files
from service.build.pipeline import BuildFailed, build
from service.settings import Settings, load_settings
from service.store.release import current_release
from tests.conftest import snapshot, source_copy


def project_copy(tmp_path: Path) -> Settings:
    """A private copy of the sources, so a test may break them."""
    return load_settings({"root": source_copy(tmp_path), "base": "http://127.0.0.1:8080/"}, environ={})




def test_build_publishes_a_release_with_every_source_graph(tmp_path):
    settings = project_copy(tmp_path)
    release = build(settings)
    names = {g.rsplit("/", 1)[-1] for g in release.info["graphs"]}
    assert {"seed-000", "seed-001", "seed-002", "seed-003", "seed-004", "meta",
            "vocabulary", "cities"} <= names
    assert release.triples > 500
    assert current_release(settings.var).id == release.id


def test_rebuilding_the_same_sources_yields_the_same_dumps(tmp_path):
    settings = project_copy(tmp_path)
    first = build(settings)
    second = build(settings)
    assert first.id == second.id
    assert first.path != second.path
    assert [d["sha256"] for d in first.dumps] == [d["sha256"] for d in second.dumps]
    assert "_:" not in (second.dumps_path / "citynet.ttl").read_text()


def test_a_json_ld_dump_written_by_its_own_process_is_the_same(tmp_path, monkeypatch):
    """Big datasets write JSON-LD in a child process: same bytes as on a thread."""
    from service.build import dumps, jsonld_dump

    settings = project_copy(tmp_path)
    on_thread = build(settings)
    children = []
    original = jsonld_dump.start

    def start(*args):
        children.append(original(*args))
        return children[-1]

    monkeypatch.setattr(dumps, "JSON_LD_PROCESS_BYTES", 0)
    monkeypatch.setattr(jsonld_dump, "start", start)
    in_process = build(settings)
    assert len(children) == 1 and children[0].returncode == 0
    assert on_thread.id == in_process.id
    assert [d["sha256"] for d in on_thread.dumps] == [d["sha256"] for d in in_process.dumps]
    assert (in_process.dumps_path / "citynet.jsonld").read_bytes() == (
        on_thread.dumps_path / "citynet.jsonld").read_bytes()


def test_a_shape_violation_publishes_nothing(tmp_path):
    settings = project_copy(tmp_path)
    build(settings)
    before = snapshot(settings.var)
    with (settings.data_dir / "seed-004.ttl").open("a") as f:
        f.write("\n<id/membership/broken> a <http://www.w3.org/ns/org#Membership> .\n")
    with pytest.raises(BuildFailed) as failure:
        build(settings)
    assert failure.value.report is not None and not failure.value.report.conforms
    located = [p for p in failure.value.report.problems if "membership/broken" in p.focus]
    assert located and any(f.endswith("seed-004.ttl") for p in located for f in p.files)
    assert snapshot(settings.var) == before


def test_a_parse_error_names_the_file_and_publishes_nothing(tmp_path):
    settings = project_copy(tmp_path)
    build(settings)
    before = snapshot(settings.var)
    (settings.data_dir / "seed-001.ttl").write_text("this is not turtle")
    with pytest.raises(BuildFailed, match="seed-001.ttl: parse error"):
        build(settings)
    assert snapshot(settings.var) == before


def test_a_crash_while_writing_leaves_the_live_release_as_it_was(tmp_path, monkeypatch):
    settings = project_copy(tmp_path)
    build(settings)
    before = snapshot(settings.var)

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(release_files, "write_dumps", crash)
    (settings.data_dir / "extra.ttl").write_text("")
    with pytest.raises(OSError):
        build(settings)
    assert snapshot(settings.var) == before
    monkeypatch.undo()
    build(settings)  # the next build clears the leftovers and succeeds
    leftovers = [p for p in (settings.var / "releases").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_a_failed_json_ld_child_fails_the_build_with_its_message():
    import subprocess
    import sys

    from service.build import jsonld_dump

    child = subprocess.Popen([sys.executable, "-c", "raise SystemExit('no space left')"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with pytest.raises(RuntimeError, match="the JSON-LD dump failed: no space left"):
        jsonld_dump.finish(child)
