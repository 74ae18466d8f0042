"""The citynet command: help for every subcommand, one readable line and non-zero on bad input."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from service.settings import PROJECT_ROOT

SUBCOMMANDS = ("build", "validate", "serve", "query", "dump", "import", "diff", "export-static")


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


GROUP = "group=id/group/eurocities-migration-integration"
#: (arguments, environment, what the one line says); {var} is a folder with a live release,
#: {empty} one without, {file} a regular file.
BAD_INPUT = [
    # build
    (("build", "--root", "/nonexistent/folder"), {}, "data folder not found"),
    (("build",), {"CITYNET_PORT": "eighty"}, "CITYNET_PORT: expected a whole number"),
    (("build", "--port", "0"), {}, "--port: must be a TCP port"),
    (("build", "--base", "ftp://data.example.org/"), {}, "--base: must be an http://"),
    (("build", "--backend", "nosql"), {}, "--backend: expected one of embedded, remote"),
    (("build", "--remote-timeout", "-1"), {}, "--remote-timeout: must be a positive number"),
    (("build", "--workers", "2"), {}, "unrecognized arguments: --workers 2"),
    # validate
    (("validate", "--root", "/nonexistent/folder"), {}, "data folder not found"),
    (("validate", "--host", "a host"), {}, "--host: must be a host name"),
    (("validate", "--var", "{var}"), {}, "unrecognized arguments: --var"),
    # serve
    (("serve", "--port", "70000"), {}, "--port: must be a TCP port (1-65535), got 70000"),
    (("serve", "--port", "http"), {}, "--port: expected a whole number, got 'http'"),
    (("serve", "--workers", "0"), {}, "--workers: must be at least 1"),
    (("serve", "--query-timeout", "nan"), {}, "--query-timeout: expected a finite number"),
    (("serve", "--max-rows", "-5"), {}, "--max-rows: must be at least 1"),
    (("serve",), {"CITYNET_DEBUG": "maybe"}, "CITYNET_DEBUG: expected a boolean"),
    (("serve", "--var", "{var}", "--backend", "remote"), {}, "needs remote_query_url"),
    # query
    (("query", "SELECT * WHERE { ?s ?p ?o }", "--format", "yaml"), {}, "unknown format 'yaml'"),
    (("query", "@/nonexistent/q.rq", "--var", "{var}"), {}, "cannot read query file"),
    (("query", "@{file}", "--var", "{var}"), {}, "not UTF-8 text"),
    (("query", "SELEC nothing", "--var", "{var}"), {}, "malformed query"),
    (("query", "ASK {}", "--var", "{empty}"), {}, "no release is published yet"),
    (("query", "no-such-query", "--var", "{var}"), {}, "no named query 'no-such-query'"),
    (("query", "members-in-year", "--var", "{var}", "--param", "year=2013"), {},
     "missing required parameter 'group'"),
    (("query", "members-in-year", "--var", "{var}", "--param", GROUP, "--param", "year=MMXIII"),
     {}, "parameter 'year' (year): expected a four-digit year"),
    (("query", "@queries/members-in-year.rq", "--var", "{var}", "--param", GROUP,
      "--param", "year=2013", "--param", "town=x"), {}, "unknown parameter(s): town"),
    (("query", "members-in-year", "--var", "{var}", "--param", "year"), {},
     "--param needs NAME=VALUE"),
    (("query", "members-in-year", "--var", "{var}", "--param", "year=1", "--param", "year=2"),
     {}, "parameter 'year' is given twice"),
    (("query", "groups-of-city", "--var", "{var}", "--param", "city=x> } DROP ALL #"), {},
     "not an http(s) IRI"),
    (("query", "ASK {}", "--var", "{var}", "--param", "x=1"), {},
     "the query text declares no parameters"),
    (("query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--var", "{var}", "--format", "turtle"),
     {}, "turtle is an RDF format; a SELECT or ASK query needs json, xml, csv, tsv"),
    (("query", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "--var", "{var}", "--format", "tsv"),
     {}, "tsv is a results format; a CONSTRUCT or DESCRIBE query needs turtle"),
    # dump
    (("dump", "/tmp/x", "--var", "/nonexistent/var"), {},
     "no release is published yet (run `citynet build`) (nothing under /nonexistent/var)"),
    (("dump", "{file}/sub", "--var", "{var}"), {}, "cannot write the dumps to"),
    (("dump",), {}, "the following arguments are required: target"),
    # diff
    (("diff", "0123abcd", "live", "--var", "/nonexistent/var"), {}, "no kept release"),
    # import
    (("import", "/nonexistent/members.csv"), {}, "cannot read"),
]


@pytest.mark.parametrize("args, env, expected", BAD_INPUT,
                         ids=[" ".join(case[0])[:60] for case in BAD_INPUT])
def test_bad_input_gives_one_readable_line_and_a_non_zero_exit(args, env, expected,
                                                               build_settings, built_release,
                                                               tmp_path):
    file = tmp_path / "binary.rq"
    file.write_bytes(b"\xff\xfe not text")
    places = {"var": str(build_settings.var), "empty": str(tmp_path / "empty"),
              "file": str(file)}
    for key, value in places.items():
        args = tuple(a.replace("{" + key + "}", value) for a in args)
    done = citynet(*args, env=env)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert expected in lines[0]
    assert lines[0].startswith(f"citynet {args[0]}")
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

    from service.search.index_file import VERSION, index_path, is_current
    old = sqlite3.connect(index_path(third.path))
    with old:  # as written by an older version of the label index
        old.execute("UPDATE meta SET value = ? WHERE key = 'version'", (str(int(VERSION) - 1),))
    old.close()
    assert not is_current(index_path(third.path))
    ensure_release(settings)
    assert "label index is missing or of an older format" in capsys.readouterr().err
    fourth = current_release(settings.var)
    assert fourth.path != third.path and is_current(index_path(fourth.path))

    moved = settings.with_overrides(base="https://data.example.org/")
    ensure_release(moved)
    assert current_release(settings.var).base == "https://data.example.org/"


CONSTRUCT = ("CONSTRUCT { ?s ?p ?o } WHERE { ?s a <http://www.w3.org/ns/org#FormalOrganization> ;"
             " ?p ?o }")


def test_a_construct_prints_turtle_by_default_and_every_rdf_format(build_settings,
                                                                    built_release):
    import pyoxigraph as ox

    from service import media

    var = str(build_settings.var)
    turtle = citynet("query", "--var", var, CONSTRUCT)
    assert turtle.returncode == 0, turtle.stderr
    expected = {q.triple for q in ox.parse(turtle.stdout.encode(), format=ox.RdfFormat.TURTLE)}
    eurocities = ox.NamedNode(built_release.base + "id/network/eurocities")
    assert any(t.subject == eurocities for t in expected)
    assert "@prefix org:" in turtle.stdout and "@prefix wd:" not in turtle.stdout
    assert "\\/" not in turtle.stdout
    for fmt in media.RDF_FORMATS:
        done = citynet("query", "--var", var, CONSTRUCT, "--format", fmt.name)
        assert done.returncode == 0, done.stderr
        parsed = {q.triple for q in ox.parse(done.stdout.encode(), format=fmt.format)}
        assert parsed == expected, fmt.name
    jsonld = citynet("query", "--var", var, CONSTRUCT, "--format", "json")
    assert '"@context"' in jsonld.stdout and '"prefLabel"' in jsonld.stdout


def test_named_query_parameters_are_bound_as_the_api_binds_them(build_settings, client):
    by_name = citynet("query", "--var", str(build_settings.var), "members-in-year",
                      "--param", GROUP, "--param", "year=2013")
    by_file = citynet("query", "--var", str(build_settings.var), "@queries/members-in-year.rq",
                      "--param", GROUP, "--param", "year=2013")
    assert by_name.returncode == by_file.returncode == 0, by_name.stderr + by_file.stderr
    assert by_name.stdout == by_file.stdout
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(by_name.stdout)))
    active = {r["memberLabel"] for r in rows if r["role"].endswith("#active-member-city")}
    assert len(active) == 51 and "Aarhus" in active  # seed 002: the 2013 member list
    api = client.get("/api/members-in-year?year=2013&format=csv&" + GROUP)
    assert api.get_data(as_text=True).replace("\r\n", "\n") == by_name.stdout.replace(
        "\r\n", "\n")


def test_serve_on_a_port_in_use_is_one_line(build_settings, built_release):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        done = citynet("serve", "--var", str(build_settings.var), "--port", port,
                       env={"CITYNET_BASE": built_release.base})
    assert done.returncode == 1
    assert done.stderr.strip() == f"citynet serve: cannot listen on 127.0.0.1:{port}: " \
                                  "Address already in use"


def _help(command: str, capsys) -> str:
    from service.cli import _parser

    with pytest.raises(SystemExit):
        _parser().parse_args([command, "--help"])
    return " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_setting_is_a_flag_of_the_commands_it_applies_to(command, capsys):
    from dataclasses import fields

    from service.settings import Settings

    text = _help(command, capsys)
    for f in fields(Settings):
        option = "--" + f.name.replace("_", "-") + " "
        if command in f.metadata["commands"]:
            assert option in text and f"CITYNET_{f.name.upper()}" in text, (command, f.name)
        else:
            assert option not in text, (command, f.name)


def test_help_texts_fit_their_command(capsys):
    assert "Port of the default base IRI" in _help("build", capsys)
    serve = _help("serve", capsys)
    assert "TCP port the server listens on" in serve and "default base IRI" not in serve
    assert "--workers" not in _help("query", capsys)
    assert "--param NAME=VALUE" in _help("query", capsys)
