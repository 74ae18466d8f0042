"""The citynet command: help for every subcommand, one readable line and non-zero on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from service.settings import PROJECT_ROOT

SUBCOMMANDS = ("build", "validate", "serve", "query", "dump", "import", "diff")


def citynet(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args], cwd=PROJECT_ROOT, capture_output=True,
        text=True, timeout=120, env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help(command):
    done = citynet(command, "--help")
    assert done.returncode == 0
    assert "usage: citynet" in done.stdout


@pytest.mark.parametrize(
    "args, env, expected",
    [
        (("build", "--root", "/nonexistent/folder"), {}, "data folder not found"),
        (("build",), {"CITYNET_PORT": "eighty"}, "CITYNET_PORT"),
        (("dump", "/tmp/x", "--var", "/nonexistent/var"), {}, "no published store"),
        (("query", "SELECT * WHERE { ?s ?p ?o }", "--format", "yaml"), {}, "unknown format"),
        (("diff", "0123abcd", "live", "--var", "/nonexistent/var"), {}, "no kept release"),
        (("import", "/nonexistent/members.csv"), {}, "cannot read"),
    ],
)
def test_bad_input_gives_one_readable_line_and_a_non_zero_exit(args, env, expected):
    done = citynet(*args, env=env)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert expected in lines[0]
    assert "Traceback" not in done.stderr


def test_query_prints_results_from_the_live_release(built_release, build_settings):
    done = citynet("query", "--var", str(build_settings.var), "--format", "csv",
                   "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.splitlines()[1]) == built_release.info["quads"]


def test_a_malformed_query_is_one_line(built_release, build_settings):
    done = citynet("query", "--var", str(build_settings.var), "SELEC nothing")
    assert done.returncode == 1
    assert done.stderr.startswith("citynet query: malformed query")
    assert len(done.stderr.strip().splitlines()) == 1


def test_dump_copies_the_files_with_their_checksums(built_release, build_settings, tmp_path):
    done = citynet("dump", "--var", str(build_settings.var), str(tmp_path))
    assert done.returncode == 0, done.stderr
    for dump in built_release.dumps:
        assert (tmp_path / dump["name"]).stat().st_size == dump["size"]
        assert dump["sha256"] in done.stdout


def test_serve_rebuilds_only_when_the_sources_or_base_changed(tmp_path, capsys):
    from service.cli import ensure_release
    from service.store.release import current_release
    from tests.build.test_pipeline import project_copy

    settings = project_copy(tmp_path)
    ensure_release(settings)  # nothing published yet: builds
    first = current_release(settings.var)
    ensure_release(settings)  # unchanged: keeps it
    assert current_release(settings.var).path == first.path

    with (settings.data_dir / "seed-001.ttl").open("a") as f:
        f.write("\n# an editor's comment\n")
    ensure_release(settings)
    assert current_release(settings.var).path != first.path

    second = current_release(settings.var)
    (settings.data_dir / "seed-001.ttl").write_text("not turtle")
    ensure_release(settings)  # invalid sources: the previous release stays live
    assert current_release(settings.var).path == second.path
    assert "serving the previous release" in capsys.readouterr().err

    (settings.data_dir / "seed-001.ttl").write_bytes((PROJECT_ROOT / "data/seed-001.ttl").read_bytes())
    info = json.loads((second.path / "release.json").read_text())
    del info["default_graph"]  # as published before the default graph was stored
    (second.path / "release.json").write_text(json.dumps(info))
    ensure_release(settings)
    assert "no stored (set) default graph" in capsys.readouterr().err
    third = current_release(settings.var)
    assert third.path != second.path and third.info["default_graph"] == "merge"

    moved = settings.with_overrides(base="https://data.example.org/")
    ensure_release(moved)
    assert current_release(settings.var).base == "https://data.example.org/"
