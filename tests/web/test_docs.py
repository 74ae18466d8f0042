"""The README documents every setting (name, environment variable, default)."""

from __future__ import annotations

from service.settings import PROJECT_ROOT, setting_help


def _configuration_section() -> str:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("<!-- section: configuration -->")
    end = text.find("<!-- section:", start + 1)
    return text[start:end if end != -1 else None]


def test_every_setting_is_in_the_readme_configuration_table():
    section = _configuration_section()
    for name in setting_help():
        assert f"`{name}`" in section, name
        assert f"`CITYNET_{name.upper()}`" in section, name


def test_the_tour_shows_the_four_things_to_try():
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    tour = text[text.index("<!-- section: tour -->"):text.index("<!-- section: model -->")]
    for needle in ("303", "curl", "/sparql", "/dumps/"):
        assert needle in tour
