"""The ``citynet`` command: build, validate, serve, query, dump.

Every subcommand prints ``--help``; on bad input it prints one readable line to stderr and
exits non-zero. Settings come from flags, then CITYNET_* variables, then defaults.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from service.settings import Settings, load_settings, setting_help


class CliError(Exception):
    """A user-facing error: printed as one line, exit status 1 (2 for usage errors)."""


def _common(parser: argparse.ArgumentParser) -> None:
    helps = setting_help()
    parser.add_argument("--root", type=Path, help=helps["root"][1])
    parser.add_argument("--var", type=Path, help=helps["var"][1])
    parser.add_argument("--base", help=helps["base"][1])
    parser.add_argument("--host", help=helps["host"][1])
    parser.add_argument("--port", type=int, help=helps["port"][1])


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="citynet", description="CityNet LOD: city-network governance as linked open data."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    helps = setting_help()

    p = sub.add_parser("build", help="validate data/ and publish a new release atomically")
    _common(p)
    p = sub.add_parser("validate", help="validate data/ against shapes/ without publishing")
    _common(p)
    p.add_argument("--reference", action="store_true",
                   help="validate with pySHACL (the reference) instead of the fast validator")
    p = sub.add_parser("serve", help="serve the dataset (builds it first when needed)")
    _common(p)
    p.add_argument("--workers", type=int, help=helps["workers"][1])
    p.add_argument("--threads", type=int, help=helps["threads"][1])
    p.add_argument("--debug", action="store_true", default=None, help=helps["debug"][1])
    p = sub.add_parser("query", help="run a SPARQL query against the live release")
    _common(p)
    p.add_argument("sparql", help="the query text, or @file.rq to read it from a file")
    p.add_argument("--format", default="csv", help="results format: json, xml, csv, tsv or an RDF format")
    p = sub.add_parser("dump", help="copy the live release's dump files to a folder")
    _common(p)
    p.add_argument("target", type=Path, help="folder to copy the dumps into")
    p = sub.add_parser("generate", help="write a synthetic source folder of about N triples")
    p.add_argument("--triples", required=True, help="size: a number with optional k, M or G")
    p.add_argument("--out", required=True, type=Path, help="folder to create (build it with "
                   "citynet build --root OUT)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    names = ("root", "var", "base", "host", "port", "workers", "threads", "debug")
    overrides = {n: getattr(args, n, None) for n in names}
    try:
        return load_settings(overrides)
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
    the sources changed since. A failed rebuild keeps the previous release live."""
    from service.build.pipeline import sources_fingerprint
    from service.store.dataset import LAYOUT
    from service.store.release import NoRelease, current_release

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
    elif release.info.get("sources") != sources_fingerprint(settings):
        print("sources changed since the live release: rebuilding", file=sys.stderr)
        try:
            cmd_build(settings, keep_base=False)
        except CliError as exc:
            print(f"rebuild failed ({exc}); serving the previous release {release.id}",
                  file=sys.stderr)
    elif settings.backend == "remote":
        _ensure_remote(settings, release)


def _ensure_remote(settings: Settings, release) -> None:
    """Reload the remote server when it lost the live release (restarted empty, wiped)."""
    from service.build.remote_load import remote_holds

    holds = remote_holds(settings, release)
    if holds is None:
        print("remote store unreachable: serving anyway (503 until it answers)", file=sys.stderr)
    elif not holds:
        print(f"remote store does not hold release {release.id}: loading it", file=sys.stderr)
        cmd_build(settings, keep_base=False)


def cmd_serve(settings: Settings) -> int:
    from service.store import open_store

    try:
        open_store(settings)  # an unknown backend or a remote one without URL: one line, now
    except ValueError as exc:
        raise CliError(str(exc)) from None
    ensure_release(settings)  # with the remote backend, a build also loads the remote server
    from service.web.server import serve

    serve(settings)
    return 0


def cmd_query(settings: Settings, text: str, fmt: str) -> int:
    from service import media
    from service.store import open_store

    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot read query file: {exc.strerror}") from None
    results_format = media.results_by_name(fmt)
    rdf_format = media.rdf_by_name(fmt)
    if results_format is None and rdf_format is None:
        raise CliError(f"unknown format {fmt!r}")
    try:
        result = open_store(settings).query(text)
    except SyntaxError as exc:
        raise CliError(f"malformed query: {exc}") from None
    except Exception as exc:  # store not built, unreadable, …
        raise CliError(str(exc).splitlines()[0]) from None
    if hasattr(result, "serialize") and results_format is not None:
        sys.stdout.buffer.write(result.serialize(format=results_format.format))
    elif hasattr(result, "serialize") and rdf_format is not None:
        raise CliError(f"{fmt} is an RDF format; a SELECT or ASK query needs json, xml, csv or tsv")
    else:
        import pyoxigraph as ox

        if rdf_format is None:
            raise CliError(f"{fmt} is a results format; CONSTRUCT/DESCRIBE need an RDF format")
        sys.stdout.buffer.write(ox.serialize(result, format=rdf_format.format))
    return 0


def cmd_dump(settings: Settings, target: Path) -> int:
    from service.store.release import NoRelease, current_release

    try:
        release = current_release(settings.var)
    except NoRelease as exc:
        raise CliError(str(exc)) from None
    target.mkdir(parents=True, exist_ok=True)
    for dump in release.dumps:
        shutil.copyfile(release.dumps_path / dump["name"], target / dump["name"])
        print(f"{dump['name']}\t{dump['size']}\tsha256:{dump['sha256']}")
    return 0


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
    args = _parser().parse_args(argv)
    try:
        if args.command == "generate":
            return cmd_generate(args.triples, args.out)
        settings = _settings(args)
        if args.command == "validate":
            return cmd_validate(settings, args.reference)
        if args.command == "build":
            return cmd_build(settings)
        if args.command == "serve":
            return cmd_serve(settings)
        if args.command == "query":
            return cmd_query(settings, args.sparql, args.format)
        if args.command == "dump":
            return cmd_dump(settings, args.target)
    except CliError as exc:
        print(f"citynet {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
