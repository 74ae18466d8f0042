"""The README documents every setting, every route of the URL map and every CLI subcommand."""

from __future__ import annotations

import re
import subprocess
import sys

from service.settings import PROJECT_ROOT, setting_help


def readme_section(heading: str) -> str:
    """The text of a ``## heading`` section of the README, up to the next ``## ``."""
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def test_every_setting_is_in_the_readme_configuration_table():
    section = readme_section("Configuration")
    for name in setting_help():
        assert f"`{name}`" in section, name
        assert f"`CITYNET_{name.upper()}`" in section, name


def test_the_tour_shows_the_four_things_to_try():
    tour = readme_section("A tour with curl")
    for needle in ("303 See Other", "curl -L -H 'Accept: text/turtle'", "/sparql", "/dumps/"):
        assert needle in tour


def test_the_readme_shows_a_construct_from_the_cli_and_the_jsonld_context():
    named = readme_section("The data model")
    assert "$ citynet query 'PREFIX org:" in named and "CONSTRUCT {" in named
    assert "--param group=id/group/eurocities-migration-integration --param year=2013" in named
    tour = readme_section("A tour with curl")
    assert "/context.jsonld" in tour and "Accept: application/json" in tour


def _readme() -> str:
    return (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def _documented_form(rule: str) -> str:
    """What the README must show of a URL rule: its fixed part, up to the first variable."""
    return rule.split("<", 1)[0]


def _mentions_path(readme: str, path: str) -> bool:
    """The path appears as a path: in code (`/x`) or after the example host."""
    if path == "/":
        return re.search(r"127\.0\.0\.1:8080/[\s`']", readme) is not None
    return f"`{path}" in readme or f"127.0.0.1:8080{path}" in readme or f" {path}" in readme


def test_every_route_of_the_url_map_is_in_the_readme(app):
    """Like Datasette's settings check: a route cannot exist without being documented,
    and every method other than GET is named beside its path."""
    readme = _readme()
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 10
    missing = []
    for rule in rules:
        path = _documented_form(rule.rule)
        if not _mentions_path(readme, path):
            missing.append(rule.rule)
        for method in sorted((rule.methods or set()) - {"GET", "HEAD", "OPTIONS"}):
            if not re.search(rf"{method}`?[^\n]{{0,120}}{re.escape(path)}", readme):
                missing.append(f"{method} {rule.rule}")
    assert not missing, f"README does not document: {missing}"


def test_every_cli_subcommand_is_in_the_readme():
    """Every subcommand ``citynet --help`` lists is documented as ``citynet <name>``."""
    shown = subprocess.run([sys.executable, "-m", "service.cli", "--help"], cwd=PROJECT_ROOT,
                           capture_output=True, text=True, check=True).stdout
    names = re.findall(r"^ {4}([a-z][\w-]*)\s{2,}\S", shown, re.MULTILINE)
    assert "serve" in names and "build" in names, shown
    readme = _readme()
    for name in names:
        assert f"citynet {name}" in readme, f"README does not document `citynet {name}`"
