"""Write a synthetic source folder shaped like the curated one, streamed in bounded memory.

The folder holds ``data/`` (one Turtle file per synthetic source document, the city table as
``data/cities/cities.csv``, ``data/meta.ttl`` with every graph's provenance) and copies of
``ontology/``, ``shapes/`` and ``queries/``, so ``citynet build --root DIR`` builds it.

Shape of the data: networks (``org:FormalOrganization``) with forums and impact communities,
working groups under them, cities in real countries (names from the curated city table,
numbered copies beyond it, never with a guessed Wikidata link), people holding posts in
cities, yearly membership lists (one source per network and year) whose group sizes fall as
1/rank, a charter per network with signatures, and declared statistics. Only one group's
memberships of one year are in memory at a time; the same plan gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import pyoxigraph as ox

from service.build.tables import CITY_COLUMNS
from service.generate.plan import UNITS_PER_NETWORK, YEARS, Plan, plan_for
from service.namespaces import PREFIXES
from service.settings import PROJECT_ROOT

COPIED_FOLDERS = ("ontology", "shapes", "queries")
TOPICS = ("mobility", "culture", "migration and integration", "climate", "housing", "economy",
          "digital transition", "public health", "education", "energy", "urban safety",
          "social affairs", "governance", "waste and circular economy", "green areas")
FIRST_NAMES = ("Anna", "Jonas", "Maria", "Luca", "Sofia", "Mikkel", "Eva", "Pierre", "Ilse",
               "Tomas", "Elena", "Jan", "Clara", "Nikos", "Ines", "Lars", "Marta", "Paolo")
SURNAMES = ("Berg", "Rossi", "Novak", "Dupont", "Jensen", "Garcia", "Müller", "Virtanen",
            "Kowalski", "Silva", "Papadopoulos", "Janssen", "Horvat", "Lindqvist", "Byrne")
POST_TITLES = ("Deputy Mayor", "Head of Unit", "Policy Officer", "Senior Adviser",
               "Programme Manager", "Councillor")
PERSON_ROLES = ("chair", "vice-chair")
CITY_ROLES = ("member-city", "active-member-city")
PREFIX_LINES = "".join(
    f"@prefix {p}: <{PREFIXES[p]}> .\n"
    for p in ("cn", "org", "skos", "dct", "foaf", "schema", "prov", "time", "rdfs", "xsd",
              "dcat", "void", "owl")
)


def literal(text: str, lang: str | None = "en") -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


class Turtle:
    """One triple per line to a text stream (or nowhere), counting as it goes."""

    def __init__(self, out: TextIO | None) -> None:
        self.out = out
        self.count = 0
        if out is not None:
            out.write(PREFIX_LINES)

    def __call__(self, s: str, p: str, o: str) -> None:
        self.count += 1
        if self.out is not None:
            self.out.write(f"{s} {p} {o} .\n")


def _iri(kind: str, slug: str) -> str:
    return f"<id/{kind}/{slug}>"


class Generator:
    """Writes the parts of a plan; with ``out=None`` only counts (to size the plan)."""

    def __init__(self, plan: Plan, cities: list[dict[str, str]]) -> None:
        self.plan = plan
        self.cities = cities

    # ---------------------------------------------------------------- names
    def network(self, n: int) -> str:
        return f"net-{n + 1:02d}"

    def sources(self) -> list[tuple[str, str, str]]:
        """(graph name, file path under data/, title) for every source but meta and cities."""
        found = [("calendar", "calendar.ttl", "Calendar of the membership years")]
        for n in range(self.plan.networks):
            net = self.network(n)
            found.append((net, f"{net}.ttl", f"City network {n + 1:02d}: structure, people, "
                          "charter and key figures"))
            for year in YEARS:
                found.append((f"{net}-members-{year}", f"{net}-members-{year}.ttl",
                              f"City network {n + 1:02d}: membership list {year}"))
        return found

    # ---------------------------------------------------------------- parts
    def write_meta(self, t: Turtle) -> None:
        publisher = "<id/dataset/generated-publisher>"
        units = [("meta", "meta.ttl", "Sources, graph provenance and dataset description"),
                 *self.sources(), ("cities", "cities/cities.csv", "City table")]
        for name, path, title in units:
            source = _iri("source", name)
            t(source, "a", "foaf:Document")
            t(source, "a", "prov:Entity")
            t(source, "dct:title", literal(title))
            t(source, "dct:identifier", literal(path, None))
            t(source, "dct:publisher", publisher)
            t(f"<graph/{name}>", "a", "prov:Entity")
            t(f"<graph/{name}>", "dct:title", literal(f"Facts from: {title}"))
            t(f"<graph/{name}>", "prov:wasDerivedFrom", source)
        dataset = "<id/dataset/citynet>"
        for cls in ("dcat:Dataset", "void:Dataset"):
            t(dataset, "a", cls)
        t(dataset, "dct:title", literal(f"Synthetic CityNet dataset of about {self.plan.triples} "
                                        "triples"))
        t(dataset, "dct:description", literal("Generated city-network governance data for "
                                              "benchmarks and scale tests; not real facts."))
        t(dataset, "dct:publisher", publisher)
        t(dataset, "dct:license", "<https://creativecommons.org/licenses/by/4.0/>")
        t(dataset, "dct:issued", '"2026-01-01"^^xsd:date')
        t(dataset, "dct:modified", '"2026-01-01"^^xsd:date')
        t(dataset, "owl:versionInfo", literal("1.0.0", None))
        t(publisher, "a", "foaf:Agent")
        t(publisher, "foaf:name", literal("CityNet synthetic data generator"))

    def write_calendar(self, t: Turtle) -> None:
        for year in YEARS:
            period = _iri("period", str(year))
            t(period, "a", "time:ProperInterval")
            t(period, "rdfs:label", literal(str(year)))
            for edge, day in (("hasBeginning", "01-01"), ("hasEnd", "12-31")):
                instant = f"_:{edge}{year}"  # a blank node, as in the curated sources
                t(period, f"time:{edge}", instant)
                t(instant, "a", "time:Instant")
                t(instant, "time:inXSDDate", f'"{year}-{day}"^^xsd:date')

    def unit(self, n: int, u: int) -> str:
        kind = "forum" if u % 2 == 0 else "community"
        return _iri(kind, f"{self.network(n)}-{kind}-{u + 1}")

    def group(self, n: int, g: int) -> str:
        return _iri("group", f"{self.network(n)}-wg-{g + 1:05d}")

    def person(self, n: int, p: int) -> str:
        return _iri("person", f"{self.network(n)}-person-{p + 1:05d}")

    def city(self, c: int) -> str:
        return _iri("city", self.cities[c]["slug"])

    def write_network(self, t: Turtle, n: int) -> None:
        plan, net = self.plan, self.network(n)
        network = _iri("network", net)
        t(network, "a", "org:FormalOrganization")
        t(network, "a", "org:Organization")
        t(network, "skos:prefLabel", literal(f"City network {n + 1:02d}"))
        for u in range(UNITS_PER_NETWORK):
            unit = self.unit(n, u)
            kind = "Forum" if u % 2 == 0 else "Impact Community"
            t(unit, "a", "org:OrganizationalUnit")
            t(unit, "a", "org:Organization")
            t(unit, "skos:prefLabel", literal(f"{kind} {u + 1} of City network {n + 1:02d}"))
            t(unit, "org:unitOf", network)
            t(network, "org:hasUnit", unit)
        for g in range(plan.groups_per_network):
            group, topic = self.group(n, g), TOPICS[g % len(TOPICS)]
            t(group, "a", "org:OrganizationalUnit")
            t(group, "a", "org:Organization")
            t(group, "skos:prefLabel", literal(f"Working group {g + 1}: {topic}"))
            t(group, "dct:description", literal(f"The working group brings cities together on "
                                                f"{topic} and shares practice ({g + 1})."))
            t(group, "org:subOrganizationOf", self.unit(n, g % UNITS_PER_NETWORK))
        for p in range(plan.people_per_network):
            person = self.person(n, p)
            post = _iri("post", f"{net}-person-{p + 1:05d}-post")
            index = n * plan.people_per_network + p
            name = (f"{FIRST_NAMES[index % len(FIRST_NAMES)]} "
                    f"{SURNAMES[(index // len(FIRST_NAMES)) % len(SURNAMES)]}")
            t(person, "a", "foaf:Person")
            t(person, "foaf:name", literal(name, None))
            t(person, "org:holds", post)
            t(post, "a", "org:Post")
            t(post, "skos:prefLabel", literal(POST_TITLES[index % len(POST_TITLES)]))
            t(post, "org:postIn", self.city((index * 7) % len(self.cities)))
        charter = _iri("charter", f"{net}-charter")
        t(charter, "a", "cn:Charter")
        t(charter, "a", "foaf:Document")
        t(charter, "dct:title", literal(f"Charter of City network {n + 1:02d}"))
        t(charter, "dct:issued", f'"{YEARS[0] + n % len(YEARS)}"^^xsd:gYear')
        t(charter, "dct:publisher", network)
        for s in range(plan.signatories_per_network):
            signature = _iri("signature", f"{net}-charter-{s + 1:05d}")
            t(signature, "a", "cn:CharterSignature")
            t(signature, "cn:signatory", self.city((s * 3 + n) % len(self.cities)))
            t(signature, "cn:signed", charter)
        cities_reached = min(len(self.cities), plan.groups_per_network * 2 + 50)
        stats = (("groups", "working groups", plan.groups_per_network,
                  f"the network runs {plan.groups_per_network} working groups"),
                 ("cities", "cities in the network", cities_reached,
                  f"a network of over {cities_reached} cities"),
                 ("charterSignatories", "cities that signed the charter",
                  plan.signatories_per_network,
                  f"the charter has been signed by {plan.signatories_per_network} cities"))
        for key, label, value, wording in stats:
            stat = _iri("statistic", f"{net}-{key}")
            t(stat, "a", "cn:DeclaredStatistic")
            t(stat, "a", "schema:PropertyValue")
            t(stat, "schema:propertyID", literal(key, None))
            t(stat, "schema:name", literal(label))
            t(stat, "schema:minValue" if key == "cities" else "schema:value", str(value))
            t(stat, "schema:description", literal(wording))
            t(stat, "prov:wasDerivedFrom", _iri("source", net))
            t(network if key != "charterSignatories" else charter, "cn:declaredStatistic", stat)

    def write_members(self, t: Turtle, n: int, year_index: int) -> None:
        """One network's membership list of one year: each group's share of that year."""
        plan, net, year = self.plan, self.network(n), YEARS[year_index]
        years, ncities = len(YEARS), len(self.cities)
        for g in range(plan.groups_per_network):
            size = plan.group_sizes[g * plan.networks + n]
            count = size // years + (1 if year_index < size % years else 0)
            group = self.group(n, g)
            for j in range(count):
                slug = f"{net}-wg-{g + 1:05d}-{year}-{j + 1}"
                if j < len(PERSON_ROLES):
                    member = self.person(n, (g * 2 + j + year_index) % plan.people_per_network)
                    role = PERSON_ROLES[j]
                else:
                    member = self.city((g * 7919 + year_index * 31 + j) % ncities)
                    role = CITY_ROLES[(j + year_index) % 2]
                m = _iri("membership", slug)
                t(m, "a", "org:Membership")
                t(m, "org:member", member)
                t(m, "org:organization", group)
                t(m, "org:role", f"cn:{role}")
                t(m, "org:memberDuring", _iri("period", str(year)))


def city_rows(count: int, table: Path) -> list[dict[str, str]]:
    """The curated city table's rows, then numbered copies in the same countries (no QIDs)."""
    with table.open(encoding="utf-8", newline="") as f:
        real = list(csv.DictReader(f))
    rows = [dict(r) for r in real[:count]]
    copy = 2
    while len(rows) < count:
        for r in real:
            if len(rows) == count:
                break
            # the same kind of place in the same country; never its Wikidata link or notes
            rows.append({**r, "slug": f"{r['slug']}-{copy}", "name_en": f"{r['name_en']} {copy}",
                         "name_local": f"{r['name_local']} {copy}" if r["name_local"] else "",
                         "wikidata": "", "wikidata_status": "", "note": ""})
        copy += 1
    return rows


def city_triples(rows: list[dict[str, str]]) -> int:
    """Triples the city-table converter makes of ``rows`` (see service.build.tables)."""
    per_city = sum(7 + 2 * (1 + bool(r["name_local"])) + bool(r["wikidata"]) + bool(r["note"])
                   for r in rows)
    return per_city + 4 * len({r["country"] for r in rows})


def vocabulary_triples(ontology: Path) -> int:
    """The vocabulary graph (and its three provenance triples) the build adds."""
    return 3 + sum(len(list(ox.parse(path=str(p), format=ox.RdfFormat.TURTLE)))
                   for p in sorted(ontology.glob("*.ttl")))


def _fixed(plan: Plan, table: Path, ontology: Path) -> int:
    gen = Generator(plan, city_rows(plan.cities, table))
    t = Turtle(None)
    gen.write_meta(t)
    gen.write_calendar(t)
    for n in range(plan.networks):
        gen.write_network(t, n)
    return t.count + city_triples(gen.cities) + vocabulary_triples(ontology)


@contextmanager
def _turtle_file(path: Path) -> Iterator[Turtle]:
    with path.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as f:
        yield Turtle(f)


def generate(triples: int, out: Path, project: Path = PROJECT_ROOT,
             progress: Callable[[str], None] | None = None) -> Plan:
    """Write a source folder of about ``triples`` triples under ``out`` (which must not hold data/)."""
    table, ontology = project / "data" / "cities" / "cities.csv", project / "ontology"
    if (out / "data").exists():
        raise FileExistsError(f"{out / 'data'} already exists; choose an empty folder")
    plan = plan_for(triples, lambda p: _fixed(p, table, ontology))
    gen = Generator(plan, city_rows(plan.cities, table))
    data = out / "data"
    (data / "cities").mkdir(parents=True)
    for folder in COPIED_FOLDERS:
        shutil.copytree(project / folder, out / folder)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CITY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(gen.cities)
    (data / "cities" / "cities.csv").write_text(buffer.getvalue(), encoding="utf-8")
    with _turtle_file(data / "meta.ttl") as t:
        gen.write_meta(t)
    with _turtle_file(data / "calendar.ttl") as t:
        gen.write_calendar(t)
    for n in range(plan.networks):
        with _turtle_file(data / f"{gen.network(n)}.ttl") as t:
            gen.write_network(t, n)
        for y in range(len(YEARS)):
            with _turtle_file(data / f"{gen.network(n)}-members-{YEARS[y]}.ttl") as t:
                gen.write_members(t, n, y)
        if progress:
            progress(f"network {n + 1}/{plan.networks} written")
    return plan
