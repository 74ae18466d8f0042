"""The web application on the small fixture dataset (tests/fixtures/data), through Flask's test
client (no server). What the web layer does does not depend on how much data there is; the
facts of the full seed data are checked in tests/data and tests/queries."""

from __future__ import annotations

import pytest

from service.settings import Settings
from service.store.release import Release

GROUP = "group/eurocities-migration-integration"


@pytest.fixture(scope="session")
def app(fixture_settings: Settings, fixture_release: Release):
    """The web application on the fixture dataset (real executor processes)."""
    from service.web.app import create_app

    return create_app(fixture_settings)
