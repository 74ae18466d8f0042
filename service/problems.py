"""The one error type of the service: why a request cannot be answered, as RFC 9457 problem
details (``status``, ``title``, ``detail`` and extension members).

Every layer that refuses or fails a request raises :class:`Problem` — the SPARQL guard, the
executors, the write path, the reconciliation parser, the store when nothing is published —
so no layer translates another's error on the way out. The web application renders it with
one handler (:mod:`service.web.errors`); the CLI prints its detail as one line. A Problem
pickles unchanged, so an executor process sends its refusal through the pipe and the web
thread re-raises the very same error.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

#: The members RFC 9457 defines; extension members may not take these names.
STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "instance"})


def reason(status: int) -> str:
    """The HTTP reason phrase of ``status`` (the title of an ``about:blank`` problem)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class Problem(Exception):
    """A request that cannot be answered: HTTP ``status``, a ``detail`` the client can act on,
    extension members (``extras``: the SHACL problems of a rejected write, the limit that
    stopped a query …) and response headers that go with it (``Retry-After``, ``Allow``,
    ``WWW-Authenticate``). ``note`` is for the operator only (file paths, server addresses):
    the web layer logs it and the CLI prints it, but it is never sent to a client."""

    def __init__(self, status: int, detail: str, *, title: str | None = None,
                 type_uri: str = "about:blank", headers: Mapping[str, str] | None = None,
                 note: str = "", **extras: Any) -> None:
        clash = STANDARD_MEMBERS.intersection(extras)
        if clash:
            raise TypeError(f"extension members may not be named {sorted(clash)}")
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or reason(status)
        self.type_uri = type_uri
        self.headers = dict(headers or {})
        self.note = note
        self.extras = extras

    def __str__(self) -> str:
        return self.detail

    def for_operator(self) -> str:
        """The detail with the operator-only note, for a log line or the CLI."""
        return f"{self.detail} ({self.note})" if self.note else self.detail

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.detail!r})"

    def __reduce__(self) -> tuple:
        # Exception pickles by calling the class with ``args``; subclasses have their own
        # signatures, so the state travels as it is instead.
        return _restore, (type(self), dict(self.__dict__))

    def body(self) -> dict[str, Any]:
        """The problem details object (RFC 9457 §3): standard members, then the extensions."""
        return {"type": self.type_uri, "title": self.title, "status": self.status,
                "detail": self.detail, **self.extras}


def _restore(cls: type[Problem], state: dict[str, Any]) -> Problem:
    problem = cls.__new__(cls)
    Exception.__init__(problem, state.get("detail", ""))
    problem.__dict__.update(state)
    return problem


def limit(setting: str, value: float, unit: str) -> dict[str, Any]:
    """The ``limit`` extension member: which setting stopped the request, and its value."""
    return {"setting": setting, "value": value, "unit": unit}
