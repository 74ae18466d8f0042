"""Every setting of the service, in one table: name, type, default, help.

Values come from command-line flags, then ``CITYNET_<NAME>`` environment variables, then
the defaults below. The README's configuration table is checked against this table by a
test, so a setting cannot exist without being documented.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected a boolean (true/false), got {value!r}")


def _parse_int(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise ValueError(f"expected a whole number, got {value!r}") from None


def _parse_float(value: str) -> float:
    try:
        number = float(value.strip())
    except ValueError:
        raise ValueError(f"expected a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got {value!r}")
    return number


def _parse_list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


BACKENDS = ("embedded", "remote")


def _parse_backend(value: str) -> str:
    name = value.strip().lower()
    if name not in BACKENDS:
        raise ValueError(f"expected one of {', '.join(BACKENDS)}, got {value!r}")
    return name


def _at_least(low: float) -> Callable[[Any], str | None]:
    return lambda v: None if v >= low else f"must be at least {low:g}, got {v!r}"


def _positive(v: float) -> str | None:
    return None if v > 0 and math.isfinite(v) else f"must be a positive number, got {v!r}"


def _port(v: int) -> str | None:
    return None if 1 <= v <= 65535 else f"must be a TCP port (1-65535), got {v!r}"


def _http_iri(v: str) -> str | None:
    """Empty (the default applies) or an absolute http(s) IRI without spaces or fragment."""
    if v and not re.match(r"^https?://[^\s/?#<>\"{}|\\^`]+(/[^\s?#<>\"{}|\\^`]*)?$", v):
        return f"must be an http:// or https:// address, got {v!r}"
    return None


def _host(v: str) -> str | None:
    return None if v and not re.search(r"[\s/]", v) else f"must be a host name or address, got {v!r}"


#: The subcommands, for the ``commands`` each setting applies to.
COMMANDS = ("build", "validate", "serve", "query", "dump", "import", "diff", "export-static")
_SERVE = ("serve",)
_STORE = ("build", "serve", "query", "export-static")  # what reads or loads the store
_BASE = ("build", "validate", "serve", "import")  # what mints IRIs under the base


def _setting(default: Any, help: str, parse: Callable[[str], Any] | None = None, *,
             commands: tuple[str, ...], check: Callable[[Any], str | None] | None = None,
             help_for: dict[str, str] | None = None) -> Any:
    """A setting: default, help, how to parse its text, the subcommands that take it as a
    flag, a check of its value (a message when it is wrong), and help worded for a command."""
    return field(default=default, metadata={"help": help, "parse": parse, "commands": commands,
                                            "check": check, "help_for": help_for or {}})


@dataclass(frozen=True)
class Settings:
    """Configuration passed to the build, the store and the web application."""

    host: str = _setting(
        "127.0.0.1", "Interface the server listens on.", commands=(*_BASE, "export-static"),
        check=_host, help_for={**{c: "Host of the default base IRI http://{host}:{port}/." for c
                                  in ("build", "validate")},
                               "export-static": "Interface the generated nginx configuration "
                                                "listens on."})
    port: int = _setting(
        8080, "TCP port the server listens on.", _parse_int, commands=(*_BASE, "export-static"),
        check=_port, help_for={**{c: "Port of the default base IRI http://{host}:{port}/." for c
                                  in ("build", "validate")},
                               "export-static": "TCP port the generated nginx configuration "
                                                "listens on."})
    base: str = _setting(
        "", "Public base IRI of every minted IRI; empty means http://{host}:{port}/.",
        commands=_BASE, check=_http_iri)
    workers: int = _setting(2, "Number of WSGI worker processes.", _parse_int,
                            commands=_SERVE, check=_at_least(1))
    threads: int = _setting(
        16, "Threads per WSGI worker (a request waiting for a query executor holds one).",
        _parse_int, commands=_SERVE, check=_at_least(1))
    root: Path = _setting(
        PROJECT_ROOT, "Folder holding data/, ontology/, shapes/ and queries/.", Path,
        commands=COMMANDS)
    var: Path = _setting(
        PROJECT_ROOT / "var", "Folder for everything generated: releases, store, dumps.", Path,
        commands=("build", "serve", "query", "dump", "diff", "import", "export-static"))
    keep_releases: int = _setting(
        5, "Releases kept with their dumps and change logs, the live one included (at least 1).",
        _parse_int, commands=("build", "serve"), check=_at_least(1))
    backend: str = _setting(
        "embedded", "Store backend: embedded (pyoxigraph under var/) or remote (a SPARQL 1.1 server).",
        _parse_backend, commands=_STORE,
        help_for={"build": "Store backend: embedded (pyoxigraph under var/) or remote (the "
                           "build also loads the SPARQL 1.1 server)."})
    remote_query_url: str = _setting(
        "", "SPARQL 1.1 query endpoint of the remote store (backend remote), e.g. http://host:7878/query.",
        commands=_STORE, check=_http_iri)
    remote_update_url: str = _setting(
        "", "SPARQL 1.1 update endpoint the build loads the remote store through (backend remote).",
        commands=("build", "serve"), check=_http_iri)
    remote_timeout: float = _setting(
        30.0, "Seconds each request to the remote store may take before it counts as unreachable.",
        _parse_float, commands=_STORE, check=_positive)
    remote_release_ttl: float = _setting(
        2.0, "Seconds a web process keeps the remote store's live release record before asking "
        "again (backend remote): how soon every replica serves a new release.",
        _parse_float, commands=_SERVE, check=_positive)
    query_timeout: float = _setting(10.0, "Seconds a SPARQL query may run before it is stopped.",
                                    _parse_float, commands=_SERVE, check=_positive)
    max_rows: int = _setting(10000, "Most result rows (or triples) a query may return.",
                             _parse_int, commands=_SERVE, check=_at_least(1))
    max_result_bytes: int = _setting(
        20_000_000, "Most bytes a serialised query result may have.", _parse_int,
        commands=_SERVE, check=_at_least(1))
    max_query_bytes: int = _setting(
        100_000, "Largest accepted query string or request body for queries, in bytes.",
        _parse_int, commands=_SERVE, check=_at_least(1))
    max_upload_bytes: int = _setting(
        20_000_000, "Largest accepted request body for Graph Store writes, in bytes.",
        _parse_int, commands=_SERVE, check=_at_least(1))
    query_workers: int = _setting(
        2, "Query executor processes per WSGI worker (killed and replaced on timeout).",
        _parse_int, commands=_SERVE, check=_at_least(1))
    lock_timeout: float = _setting(
        30.0, "Seconds a write or a build's final step waits for the release lock (var/.lock), "
        "and a build for another build (var/.build-lock), before giving up.",
        _parse_float, commands=("build", "serve"), check=_positive)
    query_memory: int = _setting(
        1 << 30, "Bytes of address space each query executor (and each SPARQL Update) may use.",
        _parse_int, commands=_SERVE, check=_at_least(1 << 20))
    store_handle_memory: int = _setting(
        16 << 20, "Bytes a query executor may grow by while it holds a store handle (RocksDB's "
        "block cache and table indexes); past it, it closes the handle after answering and the "
        "next query reopens it; 0 = never.", _parse_int, commands=_SERVE, check=_at_least(0))
    write_token: str = _setting(
        "", "Bearer token for writes (Graph Store PUT/POST/DELETE, SPARQL Update); empty = writes off.",
        commands=_SERVE)
    service_allowlist: tuple[str, ...] = _setting(
        (), "Comma-separated SPARQL endpoints a federated SERVICE may call; empty = none.",
        _parse_list, commands=_SERVE)
    describe_incoming_limit: int = _setting(
        200, "Incoming links per page of a resource's description (HTML and RDF).", _parse_int,
        commands=(*_SERVE, "export-static"), check=_at_least(0))
    response_cache_bytes: int = _setting(
        64_000_000, "Bytes of rendered answers each worker keeps for the live release; 0 = off.",
        _parse_int, commands=_SERVE, check=_at_least(0))
    trusted_proxies: int = _setting(
        0, "Reverse proxies in front whose X-Forwarded-For/Proto/Host/Prefix are trusted.",
        _parse_int, commands=_SERVE, check=_at_least(0))
    upstream: str = _setting(
        "", "Address (http://host:port/) of a running citynet serve that a static export's nginx "
        "proxies the dynamic routes to (/sparql, /api, /search, /reconcile …); empty = absent.",
        commands=("export-static",), check=_http_iri)
    debug: bool = _setting(False, "Run the Flask development server with debugging.",
                           _parse_bool, commands=_SERVE)

    @property
    def base_iri(self) -> str:
        """The effective public base IRI, always ending in a slash."""
        base = self.base or f"http://{self.host}:{self.port}/"
        return base if base.endswith("/") else base + "/"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    def with_overrides(self, **values: Any) -> Settings:
        return replace(self, **values)


def setting_help() -> dict[str, tuple[Any, str]]:
    """Name -> (default, help), for documentation and ``--help``."""
    return {f.name: (f.default, f.metadata["help"]) for f in fields(Settings)}


@dataclass(frozen=True)
class Flag:
    """A setting as a command-line flag of one subcommand."""

    name: str
    option: str
    help: str
    default: Any
    boolean: bool


def flags_for(command: str) -> list[Flag]:
    """The flags of a subcommand: one per setting that applies to it, help worded for it."""
    found = []
    for f in fields(Settings):
        if command not in f.metadata["commands"]:
            continue
        help_text = f.metadata["help_for"].get(command, f.metadata["help"])
        found.append(Flag(f.name, "--" + f.name.replace("_", "-"), help_text, f.default,
                          f.metadata["parse"] is _parse_bool))
    return found


def parse_setting(name: str, raw: str) -> Any:
    """A setting's value from its text; ValueError with a readable reason."""
    f = _FIELDS[name]
    value = (f.metadata["parse"] or str)(raw)
    _check(name, value)
    return value


def _check(name: str, value: Any) -> None:
    check = _FIELDS[name].metadata["check"]
    problem = check(value) if check is not None else None
    if problem:
        raise ValueError(problem)


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
) -> Settings:
    """Resolve settings: flags (text, as typed on a command line) and explicit overrides
    (values), then CITYNET_* variables, then defaults.

    Raises ValueError naming the flag or variable when a value does not parse or is out of
    range (``--port: must be a TCP port (1-65535), got 0``).
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        env_name = f"CITYNET_{f.name.upper()}"
        if env_name in environ:
            try:
                values[f.name] = parse_setting(f.name, environ[env_name])
            except ValueError as exc:
                raise ValueError(f"{env_name}: {exc}") from None
    for name, value in (overrides or {}).items():
        if value is not None:
            try:
                _check(name, value)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
            values[name] = value
    for name, raw in (flags or {}).items():
        if raw is None:
            continue
        try:
            values[name] = parse_setting(name, raw) if isinstance(raw, str) else raw
        except ValueError as exc:
            raise ValueError(f"--{name.replace('_', '-')}: {exc}") from None
    settings = Settings(**values)
    if "var" not in values and "root" in values:
        settings = replace(settings, var=Path(values["root"]) / "var")
    return settings


_FIELDS = {f.name: f for f in fields(Settings)}
