"""The web application on the project's dataset, through Flask's test client (no server)."""

from __future__ import annotations

GROUP = "group/eurocities-migration-integration"


