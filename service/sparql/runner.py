"""The runners: in the calling thread, or in killable executor processes
(:mod:`service.sparql.pool`); :func:`make_runner` picks the one the web application uses."""

from __future__ import annotations

from service.settings import Settings
from service.sparql.execution import execute
from service.sparql.guard import admit
from service.sparql.pool import ProcessRunner
from service.sparql.request import Limits, QueryOutcome, QueryRequest, Runner
from service.store.base import Store


class InProcessRunner:
    """Runs queries in the calling thread: guarded and result-limited, but no time limit
    (used by the CLI, unit tests and the remote backend, whose server bounds its own time)."""

    def __init__(self, store: Store, settings: Settings | None = None) -> None:
        self._store = store
        self._settings = settings

    def run(self, request: QueryRequest) -> QueryOutcome:
        if self._settings is None:
            return execute(self._store, request)
        admit(request, self._settings, self._store)
        return execute(self._store, request, Limits.from_settings(self._settings))


def make_runner(settings: Settings, store: Store) -> Runner:
    """The runner the web application uses for user queries: killable processes when the
    store is embedded, in-process (guarded, result-limited) for a remote store."""
    if settings.backend == "embedded":
        return ProcessRunner(settings, store)
    return InProcessRunner(store, settings)
