"""The web application on the project's dataset, through Flask's test client (no server)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from service.settings import Settings
from service.store.release import Release
from service.web.app import create_app

GROUP = "group/eurocities-migration-integration"


@pytest.fixture(scope="session")
def app(build_settings: Settings, built_release: Release):
    return create_app(build_settings)


@pytest.fixture()
def client(app) -> FlaskClient:
    return app.test_client()
