"""The ``citynet`` command: build, validate, serve, query, dump.

Every subcommand prints ``--help``; on bad input it prints one readable line to stderr and
exits non-zero, never a traceback. Its flags are made from the settings table
(service/settings.py): each setting names the subcommands it applies to, so none is missing.
Settings come from flags, then CITYNET_* variables, then defaults.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from service import media
from service.problems import Problem
from service.settings import COMMANDS, Settings, flags_for, load_settings

if TYPE_CHECKING:
    from service.store.release import Release


class CliError(Exception):
    """A user-facing error: printed as one line, exit status 1 (2 for usage errors)."""


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line (``citynet serve: argument --port: …``), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n")


DESCRIPTIONS = {
    "build": "validate data/ and publish a new release atomically",
    "validate": "validate data/ against shapes/ without publishing",
    "serve": "serve the dataset (builds it first when needed)",
    "query": "run a SPARQL query (or a named query of queries/) against the live release",
    "dump": "copy the live release's dump files to a folder",
    "import": "turn a CSV of memberships or cities into a validated source file in data/",
    "diff": "print the triples that changed between two kept releases",
    "export-static": "write the live release as static files and an nginx configuration",
    "generate": "write a synthetic source folder of about N triples (for benchmarks and scale tests)",
}
QUERY_EPILOG = """examples:
  citynet query 'SELECT ?s WHERE { ?s a <http://www.w3.org/ns/org#FormalOrganization> }'
  citynet query 'CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 10' --format jsonld
  citynet query members-in-year --param group=id/group/eurocities-migration-integration \\
      --param year=2013
  citynet query @queries/members-in-year.rq --param group=... --param year=2013 --format json"""


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="citynet",
                     description="CityNet LOD: city-network governance as linked open data.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        p = sub.add_parser(command, help=DESCRIPTIONS[command], description=DESCRIPTIONS[command],
                           epilog=QUERY_EPILOG if command == "query" else None,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        if command == "query":
            p.add_argument("sparql", metavar="QUERY",
                           help="the query text, @file.rq to read it from a file, - for standard "
                                "input, or the name of a query of queries/ (members-in-year)")
            p.add_argument("--format", help="csv (default), tsv, json or xml for SELECT and ASK; "
                                            "turtle (default), jsonld, ntriples, rdfxml, nquads "
                                            "or trig for CONSTRUCT and DESCRIBE")
            p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                           help="a parameter the query's header declares (repeat for each); "
                                "IRIs may be relative to the base: id/city/barcelona")
        if command == "dump":
            p.add_argument("target", type=Path, help="folder to copy the dumps into")
        if command == "export-static":
            p.add_argument("target", type=Path, metavar="DIR",
                           help="folder to write (new, empty, or an earlier export to replace)")
        for flag in flags_for(command):
            env = f"CITYNET_{flag.name.upper()}"
            shown = flag.default if flag.default not in ("", ()) else "none"
            text = f"{flag.help} [{env}; default: {shown}]".replace("%", "%%")
            if flag.boolean:
                p.add_argument(flag.option, dest=flag.name, action="store_true", default=None,
                               help=text)
            else:
                p.add_argument(flag.option, dest=flag.name, default=None,
                               metavar=flag.name.upper(), help=text)
        if command == "import":
            p.add_argument("csv", type=Path, help="the spreadsheet, as UTF-8 CSV with a header row")
            p.add_argument("--kind", choices=("memberships", "cities"),
                           help="the table's kind (default: told by its columns)")
            p.add_argument("--name", help="graph and file name in data/ (default: import-<csv name>)")
            p.add_argument("--dry-run", action="store_true",
                           help="print the triples it would add (Turtle) and write nothing")
        if command == "diff":
            p.add_argument("old", help="release id (see /dumps/releases/), or 'live'")
            p.add_argument("new", help="release id, or 'live'")
            p.add_argument("--summary", action="store_true", help="only the counts per graph")
        if command == "validate":
            p.add_argument("--reference", action="store_true",
                           help="validate with pySHACL (the reference) instead of the fast validator")
    p = sub.add_parser("generate", help=DESCRIPTIONS["generate"], description=DESCRIPTIONS["generate"])
    p.add_argument("--triples", required=True, help="size: a number with optional k, M or G")
    p.add_argument("--out", required=True, type=Path, help="folder to create (build it with "
                   "citynet build --root OUT)")
    return parser


def cmd_diff(settings: Settings, old: str, new: str, summary: bool) -> int:
    """Per graph, ``+``/``-`` N-Triples lines: what ``new`` adds to ``old`` and removes."""
    from service.build import history
    from service.store.release import current_release, find_release

    def pick(given: str):
        return current_release(settings.var) if given == "live" else \
            find_release(settings.var, given)

    try:
        changes = history.diff(history.release_quads(pick(old)), history.release_quads(pick(new)))
    except OSError as exc:
        raise CliError(f"cannot read a release's N-Quads dump: {exc.strerror}") from None
    if summary:
        for graph, change in changes.items():
            print(f"{graph}\t+{len(change.added)}\t-{len(change.removed)}")
    else:
        sys.stdout.write(history.text(changes))
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """Match, validate and write one spreadsheet; every bad row goes to stderr, nothing written."""
    from service.build.imports import ImportFailed, plan_import, write_import
    from service.build.sources import SourceError

    settings = live_base(settings)
    try:
        plan = plan_import(settings, args.csv, kind=args.kind, name=args.name)
        if args.dry_run:
            sys.stdout.write(plan.turtle())
            return 0
        target = write_import(plan, args.csv.name)
    except SourceError as exc:
        raise CliError(str(exc)) from None
    except ImportFailed as exc:
        if len(exc.errors) == 1:
            raise CliError(f"{args.csv}: {exc.errors[0]}; nothing was written") from None
        for error in exc.errors:
            print(f"{args.csv}: {error}", file=sys.stderr)
        raise CliError(f"{len(exc.errors)} problems in {args.csv}; nothing was written") from None
    rows = len({line for line in plan.lines.values()})
    print(f"wrote {target} ({rows} row(s), graph {settings.base_iri}graph/{plan.name}); "
          "run `citynet build` to publish it")
    return 0


def _settings(args: argparse.Namespace) -> Settings:
    flags = {f.name: getattr(args, f.name, None) for f in flags_for(args.command)}
    try:
        return load_settings(flags=flags)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def cmd_validate(settings: Settings, reference: bool = False) -> int:
    from service.build.pipeline import BuildFailed, check

    try:
        checked = check(settings, reference=reference)
    except BuildFailed as exc:
        raise CliError(exc.summary) from None
    print(checked.report.text())
    return 0 if checked.report.conforms else 1


def live_base(settings: Settings) -> Settings:
    """``settings`` with the live release's base IRI when none was given (no ``--base``, no
    CITYNET_BASE): a deployment keeps one base, so a plain ``citynet build`` next to a running
    ``citynet serve --port 8347`` republishes under that server's IRIs, not the default's."""
    from dataclasses import replace

    from service.store.release import NoRelease, current_release

    if settings.base:
        return settings
    try:
        return replace(settings, base=current_release(settings.var).base)
    except NoRelease:
        return settings


def cmd_build(settings: Settings, keep_base: bool = True) -> int:
    """Validate and publish; without an explicit base, under the live release's base."""
    from service.build.pipeline import BuildFailed, build

    if keep_base:
        settings = live_base(settings)
    try:
        release = build(settings)
    except BuildFailed as exc:
        if exc.report is not None:
            print(exc.report.text(), file=sys.stderr)
        raise CliError(exc.summary) from None
    print(f"published release {release.id}: {release.triples} triples, base {release.base}")
    return 0


def ensure_release(settings: Settings) -> None:
    """Build the store when there is none, when it was built for another base IRI, or when
    the sources changed since, or its label index is missing or of an older format. A failed
    rebuild keeps the previous release live."""
    from service.search.index_file import index_path, is_current
    from service.store.dataset import LAYOUT
    from service.store.release import NoRelease, current_release

    if settings.backend == "remote":
        _ensure_remote(settings)
        return
    try:
        release = current_release(settings.var)
    except NoRelease:
        print("no published store: building it from data/", file=sys.stderr)
        cmd_build(settings, keep_base=False)
        return
    if release.base != settings.base_iri:
        print(f"store was built for {release.base}: rebuilding for {settings.base_iri}",
              file=sys.stderr)
        cmd_build(settings, keep_base=False)  # fails with one line if it cannot: never serves it
    elif release.info.get("default_graph") != LAYOUT:
        print("the live release has no stored (set) default graph: rebuilding", file=sys.stderr)
        cmd_build(settings, keep_base=False)
    elif not is_current(index_path(release.path)):
        _rebuild(settings, release, "the live release's label index is missing or of an older "
                                    "format (search would read every name)")
    else:
        _rebuild_if_sources_changed(settings, release)


def _rebuild_if_sources_changed(settings: Settings, release: Release) -> None:
    """Rebuild when data/ changed since ``release``; a failed rebuild keeps it live."""
    from service.build.pipeline import sources_fingerprint

    if release.info.get("sources") != sources_fingerprint(settings):
        _rebuild(settings, release, "sources changed since the live release")


def _rebuild(settings: Settings, release: Release, why: str) -> None:
    """Build a new release, saying ``why``; a failed rebuild keeps ``release`` live."""
    print(f"{why}: rebuilding", file=sys.stderr)
    try:
        cmd_build(settings, keep_base=False)
    except CliError as exc:
        print(f"rebuild failed ({exc}); serving the previous release {release.id}",
              file=sys.stderr)


def _ensure_remote(settings: Settings) -> None:
    """With the remote backend the live release is the server's (not this process's var/, so
    replicas share it): publish one when the server has none under this base, lost its data,
    or was built from other sources. A failed rebuild keeps the previous release live."""
    from service.build.remote_load import remote_holds
    from service.store.release import NoRelease
    from service.store.remote import RemoteStore, RemoteUnavailable

    try:
        release = RemoteStore(settings).release()
    except RemoteUnavailable:
        print("remote store unreachable: serving anyway (503 until it answers)", file=sys.stderr)
        return
    except NoRelease:
        print("the remote store holds no release: building it from data/", file=sys.stderr)
        cmd_build(settings, keep_base=False)
        return
    if remote_holds(settings, release) is False:
        print(f"remote store does not hold release {release.id}: loading it", file=sys.stderr)
        cmd_build(settings, keep_base=False)
    else:
        _rebuild_if_sources_changed(settings, release)


def _prepare(settings: Settings) -> None:
    """The serve preparation in a child process: exit 0, or 1 after printing one line."""
    try:
        ensure_release(settings)
    except CliError as exc:
        print(f"citynet serve: {exc}", file=sys.stderr)
        sys.exit(1)


_PREPARE = "import pickle, sys; from service.cli import _prepare; _prepare(pickle.load(sys.stdin.buffer))"


def _prepare_apart(settings: Settings) -> None:
    """Check or build the release in a fresh interpreter, so this process never opens a store.

    A RocksDB store opened here would leave its background threads behind in the parent and
    dead in every forked worker: the first write there hangs in ``optimize()`` while holding
    the release lock. A new interpreter (not a fork, and not multiprocessing's spawn, which
    would leave a resource-tracker process beside the workers) builds in a process of its own.
    """
    import pickle
    import subprocess

    done = subprocess.run([sys.executable, "-c", _PREPARE], input=pickle.dumps(settings),
                          check=False)
    if done.returncode != 0:
        sys.exit(1 if done.returncode > 0 else 128 - done.returncode)


def native_threads() -> int:
    """Threads of this process as the kernel counts them (RocksDB's included), from /proc."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


def cmd_serve(settings: Settings) -> int:
    from service.store import open_store

    try:
        open_store(settings)  # an unknown backend or a remote one without URL: one line, now
    except ValueError as exc:
        raise CliError(str(exc)) from None
    _prepare_apart(settings)  # with the remote backend, a build also loads the remote server
    if not settings.debug and native_threads() > 1:
        raise CliError(f"{native_threads()} threads run before the workers are forked; "
                       "refusing to fork them (their stores would hang)")
    from service.web.server import serve

    serve(settings)
    return 0


#: For a graph result, the results formats' names mean their RDF counterparts (as Fuseki reads
#: ``format=json`` and ``format=xml`` for a CONSTRUCT).
GRAPH_ALIASES = {"json": media.JSON_LD, "xml": media.RDF_XML}
RESULTS_NAMES = ", ".join(f.name for f in media.RESULTS_FORMATS)
RDF_NAMES = ", ".join(f.name for f in media.RDF_FORMATS)


def query_formats(fmt: str | None) -> tuple[media.ResultsMedia | None, media.RdfMedia | None]:
    """(format for SELECT/ASK, format for CONSTRUCT/DESCRIBE) that ``--format`` names."""
    if fmt is None:
        return media.SPARQL_CSV, media.TURTLE
    results = media.results_by_name(fmt)
    graph = media.rdf_by_name(fmt) or GRAPH_ALIASES.get(fmt.strip().lower())
    if results is None and graph is None:
        raise CliError(f"unknown format {fmt!r}; use {RESULTS_NAMES} for SELECT and ASK, "
                       f"{RDF_NAMES} for CONSTRUCT and DESCRIBE")
    return results, graph


def query_text(settings: Settings, source: str) -> tuple[str, str]:
    """(query text, where it came from): a file (@path), standard input (-), a named query of
    queries/ (its name), or the text itself."""
    if source.startswith("@"):
        path = Path(source[1:])
        try:
            return path.read_text(encoding="utf-8"), path.name
        except OSError as exc:
            raise CliError(f"cannot read query file {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise CliError(f"cannot read query file {path}: not UTF-8 text") from None
    if source == "-":
        return sys.stdin.read(), "standard input"
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", source):
        path = settings.queries_dir / f"{source}.rq"
        if not path.is_file():
            known = sorted(p.stem for p in settings.queries_dir.glob("*.rq"))
            raise CliError(f"no named query {source!r} in {settings.queries_dir}; known: "
                           f"{', '.join(known) or 'none'}")
        return path.read_text(encoding="utf-8"), path.name
    return source, "the query text"


def parameter_values(params: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CliError(f"--param needs NAME=VALUE, got {item!r}")
        if name.strip() in values:
            raise CliError(f"parameter {name.strip()!r} is given twice")
        values[name.strip()] = value
    return values


def cmd_query(settings: Settings, source: str, fmt: str | None,
              params: Sequence[str] = ()) -> int:
    """Run a query (binding the parameters its header declares, checked as /api checks them)
    and write its answer: SPARQL results, or RDF for CONSTRUCT and DESCRIBE."""
    from service.queries import NamedQuery, ParameterError, QueryFileError, parse_header
    from service.sparql.execution import execute
    from service.sparql.request import QueryRequest, term_text
    from service.store import open_store

    results_fmt, graph_fmt = query_formats(fmt)
    text, origin = query_text(settings, source)
    try:
        _, declared = parse_header(text, origin)
    except QueryFileError as exc:
        raise CliError(str(exc)) from None
    values = parameter_values(params)
    try:
        store = open_store(settings)
        release = store.release()
    except ValueError as exc:
        raise CliError(str(exc)) from None
    query = NamedQuery(origin, "", "", tuple(declared), "", text)
    try:
        bound = query.bindings(values, release.base)
    except ParameterError as exc:
        hint = "" if declared else f" ({origin} declares no parameters)"
        raise CliError(f"{exc}{hint}") from None
    request = QueryRequest(text, results_fmt, graph_fmt,
                           bindings={k: term_text(v) for k, v in bound.items()})
    try:
        outcome = execute(store, request)
    except Problem as exc:  # printed by main(), but --format explains a 406 better
        if exc.status == 406 and results_fmt is None:
            raise CliError(f"{fmt} is an RDF format; a SELECT or ASK query needs "
                           f"{RESULTS_NAMES}") from None
        if exc.status == 406:
            raise CliError(f"{fmt} is a results format; a CONSTRUCT or DESCRIBE query needs "
                           f"{RDF_NAMES}") from None
        raise
    except OSError as exc:  # store unreadable, remote store unreachable …
        raise CliError(_first_line(exc)) from None
    except Exception as exc:  # evaluation errors: a type error, an unbound SERVICE …
        raise CliError(f"query failed: {_first_line(exc)}") from None
    sys.stdout.buffer.write(outcome.body)
    sys.stdout.buffer.flush()
    return 0


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else type(exc).__name__


def cmd_dump(settings: Settings, target: Path) -> int:
    from service.store.release import current_release

    release = current_release(settings.var)  # NoRelease: printed as one line by main()
    try:
        target.mkdir(parents=True, exist_ok=True)
        for dump in release.dumps:
            shutil.copyfile(release.dumps_path / dump["name"], target / dump["name"])
            print(f"{dump['name']}\t{dump['size']}\tsha256:{dump['sha256']}")
    except OSError as exc:
        raise CliError(f"cannot write the dumps to {target}: {exc.strerror or exc}") from None
    return 0


def cmd_export_static(settings: Settings, target: Path) -> int:
    """Every document of the live release in every format, and nginx's configuration."""
    from service.export import ExportError, export_static
    from service.export.nginx import command

    # Stopped (SIGTERM): unwind, so the unfinished export is removed and the last one stays.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        done = export_static(settings, target, settings.upstream,
                             progress=lambda line: print(line, file=sys.stderr))
    except ExportError as exc:
        raise CliError(str(exc)) from None
    print(f"exported release {done.release} ({done.base}): {done.tally.documents} documents, "
          f"{done.tally.files} files, {done.tally.bytes:,} bytes to {done.folder}")
    print("serve it with: " + shlex.join(command(done.folder)))
    return 0


def check_listen(settings: Settings) -> None:
    """Fail now, in one line, when the server could not listen where it is told to."""
    try:
        with socket.create_server((settings.host, settings.port)):
            pass
    except OSError as exc:
        reason = (exc.strerror or str(exc)).split(" (while ")[0]
        raise CliError(f"cannot listen on {settings.host}:{settings.port}: {reason}") from None


def cmd_generate(triples: str, out: Path) -> int:
    from service.generate.dataset import generate
    from service.generate.plan import parse_size

    try:
        plan = generate(parse_size(triples), out,
                        progress=lambda line: print(line, file=sys.stderr))
    except (ValueError, OSError) as exc:
        raise CliError(str(exc)) from None
    print(f"wrote {out}: about {plan.triples} triples, {plan.memberships} memberships in "
          f"{plan.groups} groups (largest {plan.group_sizes[0]}), {plan.cities} cities")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args, extra = _parser().parse_known_args(argv)
    if extra:
        print(f"citynet {args.command}: unrecognized arguments: {' '.join(extra)} "
              f"(see citynet {args.command} --help)", file=sys.stderr)
        return 2
    try:
        if args.command == "generate":
            return cmd_generate(args.triples, args.out)
        settings = _settings(args)
        if args.command == "validate":
            return cmd_validate(settings, args.reference)
        if args.command == "build":
            return cmd_build(settings)
        if args.command == "serve":
            check_listen(settings)
            return cmd_serve(settings)
        if args.command == "query":
            return cmd_query(settings, args.sparql, args.format, args.param)
        if args.command == "dump":
            return cmd_dump(settings, args.target)
        if args.command == "import":
            return cmd_import(settings, args)
        if args.command == "diff":
            return cmd_diff(settings, args.old, args.new, args.summary)
        if args.command == "export-static":
            return cmd_export_static(settings, args.target)
    except (CliError, Problem) as exc:
        message = exc.for_operator() if isinstance(exc, Problem) else exc
        print(f"citynet {args.command}: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback: one line, and the cause's kind
        print(f"citynet {args.command}: unexpected {type(exc).__name__}: {_first_line(exc)}",
              file=sys.stderr)
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
