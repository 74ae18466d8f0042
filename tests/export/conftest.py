"""A static export of the fixture dataset served by Debian's nginx, and the web application on
the same release, so every nginx answer is compared with the service's own."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import requests

from service.export import Exported, export_static
from service.settings import Settings
from service.store.release import Release
from tests.conftest import BASE, free_port
from tests.export.nginx import NGINX, start_nginx, stop_nginx


@dataclass
class Nginx:
    """nginx serving one export."""

    url: str
    export: Exported

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 30)
        return requests.get(self.url + path.lstrip("/"), **kwargs)


@pytest.fixture(scope="session")
def app(fixture_settings: Settings, fixture_release: Release):
    """The web application on the fixture dataset (what nginx's answers must equal)."""
    from service.web.app import create_app

    return create_app(fixture_settings)


class Service:
    """The web application through Flask's test client, addressed at the release's base (as
    the export renders it)."""

    def __init__(self, app) -> None:
        self.client = app.test_client()

    def get(self, path: str, headers: dict[str, str] | None = None):
        return self.client.get(path, headers=headers or {}, base_url=BASE)


@pytest.fixture()
def service(app) -> Service:
    return Service(app)


@pytest.fixture(scope="session")
def nginx(tmp_path_factory: pytest.TempPathFactory, fixture_settings: Settings,
          fixture_release: Release) -> Iterator[Nginx]:
    if not NGINX.exists():
        pytest.skip(f"{NGINX} is missing (apt-get install nginx)")
    port = free_port()
    folder: Path = tmp_path_factory.mktemp("export") / "site"
    exported = export_static(replace(fixture_settings, port=port), folder)
    process = start_nginx(folder, port)
    try:
        yield Nginx(f"http://127.0.0.1:{port}/", exported)
    finally:
        stop_nginx(process)
