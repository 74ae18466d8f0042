"""Settings resolve from flags, then CITYNET_* variables, then defaults — and are documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.settings import load_settings


def test_defaults_serve_locally():
    settings = load_settings(environ={})
    assert settings.base_iri == "http://127.0.0.1:8080/"
    assert settings.query_timeout == 10.0
    assert settings.write_token == ""


def test_environment_overrides_defaults_and_flags_override_environment():
    env = {"CITYNET_PORT": "9000", "CITYNET_SERVICE_ALLOWLIST": "https://a.example/sparql, b"}
    settings = load_settings(environ=env)
    assert settings.port == 9000
    assert settings.base_iri == "http://127.0.0.1:9000/"
    assert settings.service_allowlist == ("https://a.example/sparql", "b")
    assert load_settings({"port": 7000}, environ=env).port == 7000


def test_base_always_ends_with_a_slash():
    assert load_settings({"base": "https://data.example.org"}, environ={}).base_iri == (
        "https://data.example.org/"
    )


def test_a_malformed_environment_value_names_the_variable():
    with pytest.raises(ValueError, match="CITYNET_WORKERS"):
        load_settings(environ={"CITYNET_WORKERS": "many"})


def test_root_moves_the_var_folder_with_it(tmp_path: Path):
    assert load_settings({"root": tmp_path}, environ={}).var == tmp_path / "var"
