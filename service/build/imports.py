"""Turn a spreadsheet (CSV) of memberships or cities into a validated source file in ``data/``.

Spreadsheets name things the way people write them ("Munchen", "Migration and integration",
"Chair"), so every name is matched to an existing IRI with the reconciliation matcher; only a
certain match is accepted. The new graph is validated together with every other source
against ``shapes/``; a row that does not match, matches ambiguously or breaks a shape is
reported with its line number and nothing is written. The imported file is its own named
graph and carries its own source record (file name, SHA-256, import date), as the seeds do.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, RDF, RDFS, TIME, XSD, Namespace

from service.build.import_match import (
    MEMBERSHIPS_QUERY,
    as_id,
    resolve,
    role_entities,
    source_index,
)
from service.build.pipeline import to_quads
from service.build.sources import PROV_DERIVED, Sources, load_sources
from service.build.tables import TableError, add_city
from service.build.validate import load_shapes, validate_sources
from service.namespaces import (
    IANA_MEDIA_TYPES,
    PREFIXES,
    VOCAB,
    data_prefixes,
    graph_iri,
    thing_iri,
)
from service.reconcile.index import Index
from service.reconcile.match import Conditions, Entity, rank
from service.settings import Settings

CN = Namespace(VOCAB)
PROV = Namespace(PREFIXES["prov"])

MEMBERSHIP_COLUMNS = ("member", "organization", "role", "start", "end", "period", "country")
MEMBERSHIP_REQUIRED = ("member", "organization", "role")
CITY_COLUMNS = ("slug", "name_en", "name_local", "lang", "country", "place_kind", "wikidata",
                "note")
CITY_REQUIRED = ("name_en", "country", "place_kind")
MEMBER_KINDS = frozenset({"city", "person", "network"})
ORGANIZATION_KINDS = frozenset({"group", "forum", "community", "network", "city", "project"})
#: Stands in for the base IRI while serialising, so the written file holds relative IRIs.
_PLACEHOLDER = "http://citynet-import.invalid/"
_SLUG_CHARS = re.compile(r"[^a-z0-9]+")
_WHEN = {4: (TIME.inXSDgYear, XSD.gYear), 7: (TIME.inXSDgYearMonth, XSD.gYearMonth),
         10: (TIME.inXSDDate, XSD.date)}
_WHEN_SHAPE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True)
class RowError:
    line: int  # 1 is the header
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class ImportFailed(Exception):
    """The spreadsheet cannot be imported; ``errors`` name the rows. Nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class Plan:
    """What an import adds: the graph (absolute IRIs) and the file it becomes."""

    name: str
    kind: str
    target: Path
    graph: Graph
    base: str
    lines: dict[str, int] = field(default_factory=dict)  # minted IRI -> CSV line

    def turtle(self) -> str:
        """The triples as Turtle with the base's prefixes (what ``--dry-run`` prints)."""
        return _serialise(self.graph, self.base)

    def source_text(self, header: str) -> str:
        """The file written to ``data/``: the same triples with base-relative IRIs."""
        text = _serialise(_rebase(self.graph, self.base, _PLACEHOLDER), _PLACEHOLDER)
        return header + text.replace(_PLACEHOLDER, "")


def slugify(text: str) -> str:
    return _SLUG_CHARS.sub("-", text.lower()).strip("-")


def detect_kind(header: list[str]) -> str:
    """``memberships`` or ``cities``, from the columns the header names."""
    if "member" in header:
        return "memberships"
    if "name_en" in header:
        return "cities"
    raise ImportFailed([RowError(1, "cannot tell the table's kind: a memberships table has "
                                    "a 'member' column, a cities table a 'name_en' column")])


def plan_import(settings: Settings, csv_path: Path, *, kind: str | None = None,
                name: str | None = None, today: date | None = None) -> Plan:
    """Read, match and validate ``csv_path``; raise ImportFailed naming every bad row."""
    try:
        raw = csv_path.read_bytes()
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        raise ImportFailed([RowError(0, f"cannot read {csv_path}: {exc.strerror}")]) from None
    except UnicodeDecodeError:
        raise ImportFailed([RowError(0, f"{csv_path} is not UTF-8 text")]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    kind = kind or detect_kind(header)
    columns, required = ((MEMBERSHIP_COLUMNS, MEMBERSHIP_REQUIRED) if kind == "memberships"
                         else (CITY_COLUMNS, CITY_REQUIRED))
    unknown = [h for h in header if h not in columns]
    missing = [c for c in required if c not in header]
    if unknown or missing:
        raise ImportFailed([RowError(1, f"expected columns {','.join(columns)} "
                                        f"({','.join(required)} required); "
                                        + (f"unknown: {','.join(unknown)}" if unknown
                                           else f"missing: {','.join(missing)}"))])
    name = name or f"import-{slugify(csv_path.stem)}"
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        raise ImportFailed([RowError(0, f"graph name {name!r} is not a lowercase slug")])
    target = settings.data_dir / f"{name}.ttl"
    if target.exists() or (settings.data_dir / name).exists():
        raise ImportFailed([RowError(0, f"{target} already exists: choose another --name")])

    base = settings.base_iri
    sources = load_sources(settings.data_dir, settings.ontology_dir, base)
    store = ox.Store()
    store.extend(to_quads(sources))
    index = source_index(store, base)
    plan = Plan(name, kind, target, Graph(), base)
    rows = [(reader.line_num, row) for row in _rows(reader)]
    if not rows:
        raise ImportFailed([RowError(2, "the table has no rows")])
    ragged = [RowError(line, f"more fields than the header's {len(header)}")
              for line, row in rows if None in row]
    if ragged:
        raise ImportFailed(ragged)
    rows = [(line, {k: (v or "").strip() for k, v in row.items()}) for line, row in rows]
    existing = {str(q.subject.value) for q in store if isinstance(q.subject, ox.NamedNode)}
    existing |= {"|".join(t.value if t else "" for t in r) for r in store.query(
        MEMBERSHIPS_QUERY, use_default_graph_as_union=True)}
    if kind == "memberships":
        errors = _memberships(plan, rows, index, role_entities(sources, base), existing)
    else:
        errors = _cities(plan, rows, index, existing)
    if errors:
        raise ImportFailed(errors)
    _provenance(plan, csv_path.name, hashlib.sha256(raw).hexdigest(), today or date.today())
    _validate(plan, sources, settings)
    return plan


def _rows(reader: csv.DictReader):
    """The rows with any content (a spreadsheet's trailing empty lines are not rows)."""
    for row in reader:
        if None in row or any((v or "").strip() for v in row.values()):
            yield row


def write_import(plan: Plan, csv_name: str) -> Path:
    """Write the planned source file atomically (a temporary file renamed into place)."""
    header = (f"# graph/{plan.name} - imported by `citynet import` from {csv_name}; "
              "its source record is below.\n")
    temp = plan.target.with_name(f".{plan.target.name}.tmp")
    temp.write_text(plan.source_text(header), encoding="utf-8")
    with temp.open("rb") as handle:
        os.fsync(handle.fileno())
    if plan.target.exists():
        temp.unlink()
        raise ImportFailed([RowError(0, f"{plan.target} appeared meanwhile; nothing written")])
    os.replace(temp, plan.target)
    folder = os.open(plan.target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return plan.target


# ------------------------------------------------------------------ rows to RDF


def _memberships(plan: Plan, rows, index: Index, roles: list[Entity],
                 existing: set[str]) -> list[RowError]:
    errors: list[RowError] = []
    base, graph = plan.base, plan.graph
    everything = list(index.entities.values())
    for line, row in rows:
        problems = []
        for column in MEMBERSHIP_REQUIRED:
            if not row.get(column):
                problems.append(f"column {column} is empty")
        country = (row.get("country") or "").upper() or None
        ids = {}
        for column, entities, kinds in (("member", everything, MEMBER_KINDS),
                                        ("organization", everything, ORGANIZATION_KINDS),
                                        ("role", roles, frozenset({"role"}))):
            if row.get(column):
                found, reason = resolve(as_id(row[column], base, column), entities, kinds, column,
                                         country if column == "member" else None)
                if reason:
                    problems.append(reason)
                ids[column] = found
        start, end = row.get("start", ""), row.get("end", "")
        for column, value in (("start", start), ("end", end)):
            if value and not _valid_when(value):
                problems.append(f"column {column}: {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        if problems:
            errors += [RowError(line, p) for p in problems]
            continue
        member, organization, role = ids["member"], ids["organization"], ids["role"]
        period_slug = (start if start == end else f"{start}-{end}" if start and end
                       else f"from-{start}" if start else f"until-{end}" if end else "")
        slug = "-".join(p.split("/", 1)[1] for p in (organization, member, role))
        slug = f"{slug}-{period_slug or 'undated'}"
        node = URIRef(thing_iri(base, "membership", slug))
        period = URIRef(thing_iri(base, "period", period_slug)) if period_slug else None
        key = "|".join((f"{base}id/{member}", f"{base}id/{organization}",
                        VOCAB + role.split("/", 1)[1], str(period or "")))
        if key in existing:
            errors.append(RowError(line, f"this membership is already in the data "
                                         f"({member} as {role} of {organization})"))
            continue
        if str(node) in existing or str(node) in plan.lines:
            where = "earlier in this table" if str(node) in plan.lines else "already in the data"
            errors.append(RowError(line, f"this membership is {where} ({node})"))
            continue
        plan.lines[str(node)] = line
        graph.add((node, RDF.type, ORG.Membership))
        graph.add((node, ORG.member, URIRef(f"{base}id/{member}")))
        graph.add((node, ORG.organization, URIRef(f"{base}id/{organization}")))
        graph.add((node, ORG.role, URIRef(VOCAB + role.split("/", 1)[1])))
        if period is not None:
            graph.add((node, ORG.memberDuring, period))
            if str(period) not in existing:
                plan.lines.setdefault(str(period), line)
                _describe_period(graph, period, start, end, row.get("period", ""))
    return errors


def _valid_when(value: str) -> bool:
    if not _WHEN_SHAPE.match(value):
        return False
    try:
        date.fromisoformat(value if len(value) == 10 else (value + "-01-01")[:10])
    except ValueError:
        return False
    return True


def _describe_period(graph: Graph, period: URIRef, start: str, end: str, label: str) -> None:
    graph.add((period, RDF.type, TIME.ProperInterval))
    wording = label or (start if start == end else f"{start or '…'} to {end or '…'}")
    graph.add((period, RDFS.label, Literal(wording, lang="en")))
    for value, prop in ((start, TIME.hasBeginning), (end, TIME.hasEnd)):
        if value:
            instant = BNode()
            in_xsd, datatype = _WHEN[len(value)]
            graph.add((period, prop, instant))
            graph.add((instant, RDF.type, TIME.Instant))
            graph.add((instant, in_xsd, Literal(value, datatype=datatype)))


def _cities(plan: Plan, rows, index: Index, existing: set[str]) -> list[RowError]:
    errors: list[RowError] = []
    cities = index.of_kinds({"city"})
    for line, row in rows:
        row = {c: row.get(c, "") for c in CITY_COLUMNS}
        row["slug"] = row["slug"] or slugify(row["name_en"])
        row["country"] = row["country"].upper()
        found = rank(row["name_en"], cities,
                     Conditions(kinds=frozenset({"city"}),
                                countries=frozenset({row["country"]}) if row["country"]
                                else frozenset()), limit=3)
        same = [c for c in found if c.match or c.name_score >= 97]
        city = thing_iri(plan.base, "city", row["slug"])
        if same:
            errors.append(RowError(line, f"{row['name_en']!r} is already in the data as "
                                         f"{same[0].entity.id} ({same[0].entity.name})"))
            continue
        if city in existing or city in plan.lines:
            errors.append(RowError(line, f"slug {row['slug']!r} is already taken ({city})"))
            continue
        try:
            add_city(plan.graph, row, line, plan.base)
        except TableError as exc:
            errors.append(RowError(line, str(exc).split(": ", 1)[-1]))
            continue
        plan.lines[city] = line
        plan.lines[thing_iri(plan.base, "place", row["slug"])] = line
    return errors


# ------------------------------------------------------------------ provenance, validation


def _provenance(plan: Plan, file_name: str, sha256: str, when: date) -> None:
    """The graph is derived from the spreadsheet, described like the seeds in graph/meta."""
    graph, base = plan.graph, plan.base
    source = URIRef(thing_iri(base, "source", plan.name))
    named = URIRef(graph_iri(base, plan.name))
    csv_type = URIRef(IANA_MEDIA_TYPES + "text/csv")
    graph.add((named, RDF.type, PROV.Entity))
    graph.add((named, DCTERMS.title, Literal(f"{plan.kind.capitalize()} imported from "
                                             f"{file_name}", lang="en")))
    graph.add((named, PROV_DERIVED, source))
    graph.add((source, RDF.type, FOAF.Document))
    graph.add((source, RDF.type, PROV.Entity))
    graph.add((source, DCTERMS.title, Literal(f"Spreadsheet {file_name}", lang="en")))
    graph.add((source, DCTERMS.format, csv_type))
    graph.add((csv_type, RDF.type, DCTERMS.MediaType))
    graph.add((csv_type, RDF.type, DCTERMS.MediaTypeOrExtent))
    graph.add((source, DCTERMS.identifier, Literal(file_name)))
    graph.add((source, DCTERMS.identifier, Literal(f"sha256:{sha256}")))
    graph.add((source, DCTERMS.issued, Literal(when.isoformat(), datatype=XSD.date)))


def _validate(plan: Plan, sources: Sources, settings: Settings) -> None:
    """Validate every source plus the new graph; violations become row errors."""
    iri = graph_iri(plan.base, plan.name)
    target = sources.dataset.graph(URIRef(iri))
    for triple in plan.graph:
        target.add(triple)
    sources.files[iri] = [plan.target]
    report = validate_sources(sources, load_shapes(settings.shapes_dir))
    errors = []
    for problem in report.problems:
        if problem.severity != "Violation":
            continue
        line = plan.lines.get(problem.focus, 0)
        path = f" {problem.path}" if problem.path else ""
        errors.append(RowError(line, f"<{problem.focus}>{path}: {problem.message}"))
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: e.line))


def _serialise(graph: Graph, base: str) -> str:
    out = Graph()
    for prefix, iri in data_prefixes(base).items():
        out.bind(prefix, iri)
    for kind in ("membership", "period", "city", "place", "country", "person", "group",
                 "network", "source"):
        out.bind(kind, f"{base}id/{kind}/")
    for triple in graph:
        out.add(triple)
    return out.serialize(format="turtle")


def _rebase(graph: Graph, base: str, new: str) -> Graph:
    def move(term):
        return URIRef(new + str(term)[len(base):]) if isinstance(term, URIRef) and \
            str(term).startswith(base) else term
    out = Graph()
    for s, p, o in graph:
        out.add((move(s), p, move(o)))
    return out
