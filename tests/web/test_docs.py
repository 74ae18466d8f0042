"""The README documents every setting (name, environment variable) and tours the service."""

from __future__ import annotations

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
