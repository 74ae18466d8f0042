"""Every setting of the service, in one table: name, type, default, help.

Values come from command-line flags, then ``CITYNET_<NAME>`` environment variables, then
the defaults below. The README's configuration table is checked against this table by a
test, so a setting cannot exist without being documented.
"""

from __future__ import annotations

import os
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


def _parse_list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


BACKENDS = ("embedded", "remote")


def _parse_backend(value: str) -> str:
    name = value.strip().lower()
    if name not in BACKENDS:
        raise ValueError(f"expected one of {', '.join(BACKENDS)}, got {value!r}")
    return name


def _setting(default: Any, help: str, parse: Callable[[str], Any] | None = None) -> Any:
    return field(default=default, metadata={"help": help, "parse": parse})


@dataclass(frozen=True)
class Settings:
    """Configuration passed to the build, the store and the web application."""

    host: str = _setting("127.0.0.1", "Interface the server listens on.")
    port: int = _setting(8080, "TCP port the server listens on.", int)
    base: str = _setting(
        "", "Public base IRI of every minted IRI; empty means http://{host}:{port}/."
    )
    workers: int = _setting(2, "Number of WSGI worker processes.", int)
    threads: int = _setting(4, "Threads per WSGI worker.", int)
    root: Path = _setting(
        PROJECT_ROOT, "Folder holding data/, ontology/, shapes/ and queries/.", Path
    )
    var: Path = _setting(
        PROJECT_ROOT / "var", "Folder for everything generated: releases, store, dumps.", Path
    )
    backend: str = _setting(
        "embedded", "Store backend: embedded (pyoxigraph under var/) or remote (a SPARQL 1.1 server).",
        _parse_backend,
    )
    remote_query_url: str = _setting(
        "", "SPARQL 1.1 query endpoint of the remote store (backend remote), e.g. http://host:7878/query."
    )
    remote_update_url: str = _setting(
        "", "SPARQL 1.1 update endpoint the build loads the remote store through (backend remote)."
    )
    remote_timeout: float = _setting(
        30.0, "Seconds each request to the remote store may take before it counts as unreachable.", float
    )
    query_timeout: float = _setting(10.0, "Seconds a SPARQL query may run before it is stopped.", float)
    max_rows: int = _setting(10000, "Most result rows (or triples) a query may return.", int)
    max_result_bytes: int = _setting(
        20_000_000, "Most bytes a serialised query result may have.", int
    )
    max_query_bytes: int = _setting(
        100_000, "Largest accepted query string or request body for queries, in bytes.", int
    )
    max_upload_bytes: int = _setting(
        20_000_000, "Largest accepted request body for Graph Store writes, in bytes.", int
    )
    query_workers: int = _setting(
        2, "Query executor processes per WSGI worker (killed and replaced on timeout).", int
    )
    write_token: str = _setting(
        "", "Bearer token for writes (Graph Store PUT/POST/DELETE, SPARQL Update); empty = writes off."
    )
    service_allowlist: tuple[str, ...] = _setting(
        (), "Comma-separated SPARQL endpoints a federated SERVICE may call; empty = none.", _parse_list
    )
    describe_incoming_limit: int = _setting(
        200, "Most incoming links included in the description of a resource.", int
    )
    response_cache_bytes: int = _setting(
        64_000_000, "Bytes of rendered answers each worker keeps for the live release; 0 = off.", int
    )
    trusted_proxies: int = _setting(
        0, "Reverse proxies in front whose X-Forwarded-For/Proto/Host/Prefix are trusted.", int
    )
    debug: bool = _setting(False, "Run the Flask development server with debugging.", _parse_bool)

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


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Resolve settings: explicit overrides, then CITYNET_* variables, then defaults.

    Raises ValueError with the variable's name when an environment value does not parse.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        env_name = f"CITYNET_{f.name.upper()}"
        if env_name in environ:
            parse = f.metadata["parse"] or str
            try:
                values[f.name] = parse(environ[env_name])
            except ValueError as exc:
                raise ValueError(f"{env_name}: {exc}") from None
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = value
    settings = Settings(**values)
    if "var" not in values and "root" in values:
        settings = replace(settings, var=Path(values["root"]) / "var")
    return settings
