"""Pictures of the data, drawn on the server as inline SVG (no JavaScript): a group's roles per
year, a network's structure, members per country, a city's groups over time.

Each chart is a SPARQL query over the live release (the resource bound as ``?s``, never
spliced in) plus a pure layout function that turns rows into boxes, bars and labels in a
fixed ``viewBox``; ``templates/_charts.html`` only prints them. Data changes only at a build,
so each chart is cached per (release, chart, resource).
"""

from __future__ import annotations

from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from threading import Lock

import pyoxigraph as ox

from service.namespaces import sparql_prefix_block
from service.store.base import Store
from service.store.remote import bind_values

PREFIXES = sparql_prefix_block()
WIDTH = 440
#: Role categories, in the order a reader looks for them, with their fill (light to dark
#: stays distinct in greyscale print).
CATEGORIES = (("chair", "Chair", "#16324f"), ("vice-chair", "Vice-chair", "#3f7cb5"),
              ("member", "Member", "#9cc3e6"), ("other", "Staff and other roles", "#e2e6ea"))
_DATE = "(time:inXSDDate|time:inXSDDateTimeStamp|time:inXSDgYearMonth|time:inXSDgYear)"
_EN = 'FILTER(LANG(?{0}) IN ("en", ""))'


def category(role_iri: str) -> str:
    """chair / vice-chair / member / other, from a role's local name (cn:chair-city …)."""
    local = role_iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1].lower()
    if "vice" in local:
        return "vice-chair"
    if local.startswith("chair") or local.endswith("chair"):
        return "chair"
    if "member" in local:
        return "member"
    return "other"


def year_of(term) -> int | None:
    text = term.value if term is not None else ""
    return int(text[:4]) if len(text) >= 4 and text[:4].isdigit() else None


def truncate(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


# --- queries -------------------------------------------------------------------------------

def group_roles_query() -> str:
    """The memberships of the group ?s: role and first/last year."""
    return PREFIXES + f"""SELECT ?s ?m ?role ?begin ?end WHERE {{
  ?m a org:Membership ; org:organization ?s ; org:role ?role .
  OPTIONAL {{ ?m org:memberDuring ?p .
    OPTIONAL {{ ?p time:hasBeginning/{_DATE} ?begin }}
    OPTIONAL {{ ?p time:hasEnd/{_DATE} ?end }} }}
}}"""


def structure_query() -> str:
    """Networks, their forums / impact communities, and the working groups under each."""
    query = f"""SELECT DISTINCT ?net ?netLabel ?unit ?unitLabel ?group WHERE {{
  ?net a org:FormalOrganization ; skos:prefLabel ?netLabel . {_EN.format("netLabel")}
  OPTIONAL {{
    {{ ?unit org:unitOf ?net FILTER NOT EXISTS {{ ?unit org:subOrganizationOf ?any }}
       FILTER EXISTS {{ ?g org:subOrganizationOf ?unit }} }}
    OPTIONAL {{ ?unit skos:prefLabel ?unitLabel {_EN.format("unitLabel")} }}
    OPTIONAL {{ ?group org:subOrganizationOf ?unit }}
  }}
}}"""
    return PREFIXES + query


def direct_groups_query() -> str:
    """Working groups attached to a network directly (no forum or community named)."""
    query = """SELECT DISTINCT ?net ?group WHERE {
  ?net a org:FormalOrganization .
  ?group org:unitOf ?net FILTER NOT EXISTS { ?group org:subOrganizationOf ?u }
  FILTER NOT EXISTS { ?x org:subOrganizationOf ?group }
}"""
    return PREFIXES + query


def countries_query(one_network: bool) -> str:
    """Member cities per country (of the network ?s, or of every network)."""
    net = "?g (org:subOrganizationOf|org:unitOf)* ?s ." if one_network else ""
    keep = "?s" if one_network else ""
    return PREFIXES + f"""SELECT {keep} ?country ?label (COUNT(DISTINCT ?city) AS ?n) WHERE {{
  ?m a org:Membership ; org:member ?city ; org:organization ?g . {net}
  ?city dct:spatial/schema:containedInPlace ?country .
  OPTIONAL {{ ?country rdfs:label|skos:prefLabel ?label {_EN.format("label")} }}
}} GROUP BY {keep} ?country ?label ORDER BY DESC(?n) ?label"""


def city_groups_query() -> str:
    """The memberships of the city ?s: group, role and first/last year."""
    return PREFIXES + f"""SELECT ?s ?m ?group ?groupLabel ?role ?begin ?end WHERE {{
  ?m a org:Membership ; org:member ?s ; org:organization ?group ; org:role ?role .
  OPTIONAL {{ ?group skos:prefLabel ?groupLabel {_EN.format("groupLabel")} }}
  OPTIONAL {{ ?m org:memberDuring ?p .
    OPTIONAL {{ ?p time:hasBeginning/{_DATE} ?begin }}
    OPTIONAL {{ ?p time:hasEnd/{_DATE} ?end }} }}
}}"""


def networks_query(groups: Iterable[ox.NamedNode]) -> str:
    """The network (its English label) above each of ``groups``.

    A query of its own, over the given groups: as an OPTIONAL of the memberships query,
    pyoxigraph walks the ``*`` path from every group of the dataset before joining (0.24 s
    for a city of 57 memberships at 10M triples, against 4 ms for this one)."""
    values = " ".join(str(g) for g in groups)
    return PREFIXES + f"""SELECT ?group ?netLabel WHERE {{ VALUES ?group {{ {values} }}
  ?group (org:subOrganizationOf|org:unitOf)* ?net . ?net a org:FormalOrganization ;
         skos:prefLabel ?netLabel {_EN.format("netLabel")} }}"""


# --- layouts -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float
    fill: str
    label: str = ""


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    bold: bool = False
    title: str = ""
    fill: str = "#1d232a"


@dataclass
class Chart:
    """Everything the template draws: size, accessible title and description, shapes."""

    id: str
    title: str
    desc: str
    height: float
    width: float = WIDTH
    boxes: list[Box] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    lines: list[tuple[float, float, float, float]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    query: str = ""  # the named query that gives the same data, for "open in the editor"
    params: dict[str, str] = field(default_factory=dict)


def _legend(chart: Chart, used: Iterable[str], y: float) -> float:
    x = 0.0
    for key, name, fill in CATEGORIES:
        if key not in used:
            continue
        chart.boxes.append(Box(x, y - 10, 12, 12, fill))
        chart.texts.append(Text(x + 16, y, name))
        x += 26 + 7.2 * len(name)
    return y + 14


def roles_per_year(rows: Iterable[tuple[str, int | None, int | None]], label: str) -> Chart | None:
    """Stacked bars: memberships per year by role category. Rows: (role IRI, begin, end)."""
    counts: dict[int, Counter] = defaultdict(Counter)
    for role, begin, end in rows:
        if begin is None and end is None:
            continue
        first, last = begin or end, end or begin
        for year in range(first, min(last, first + 50) + 1):
            counts[year][category(role)] += 1
    if not counts:
        return None
    years = list(range(min(counts), max(counts) + 1))
    used = {c for counter in counts.values() for c in counter}
    top = max(sum(c.values()) for c in counts.values())
    chart = Chart("roles-chart", f"Roles in {label} per year",
                  "Memberships per year, by role: " + "; ".join(
                      f"{y}: " + ", ".join(f"{counts[y][k]} {n.lower()}" for k, n, _ in CATEGORIES
                                          if counts[y][k]) for y in years if counts[y]) + ".",
                  0)
    y0 = _legend(chart, used, 14) + 18
    plot_h, left = 170.0, 30.0
    step = (WIDTH - left) / len(years)
    bar = min(48.0, step * 0.7)
    for tick in _ticks(top):
        ty = y0 + plot_h - plot_h * tick / top
        chart.lines.append((left, ty, WIDTH, ty))
        chart.texts.append(Text(left - 4, ty + 4, str(tick), "end"))
    for i, year in enumerate(years):
        x = left + i * step + (step - bar) / 2
        base = y0 + plot_h
        for key, name, fill in CATEGORIES:
            n = counts[year][key]
            if not n:
                continue
            h = plot_h * n / top
            base -= h
            chart.boxes.append(Box(x, base, bar, h, fill, f"{year}: {n} {name.lower()}"))
        total = sum(counts[year].values())
        if total:
            chart.texts.append(Text(x + bar / 2, base - 4, str(total), "middle", True))
        if len(years) <= 12 or i % 2 == 0:
            chart.texts.append(Text(x + bar / 2, y0 + plot_h + 16, str(year), "middle"))
    chart.height = y0 + plot_h + 24
    return chart


def _ticks(top: int) -> list[int]:
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000, 10**9) if top / s <= 5)
    return list(range(0, top + 1, step))


def structure(networks: dict[str, tuple[str, dict[str, tuple[str, int]], int]],
              scope: str) -> Chart | None:
    """An indented tree: network → forums / impact communities (with their working groups)
    → groups attached to the network directly. ``networks``: iri -> (label, units, direct),
    units: iri -> (label, group count)."""
    if not networks:
        return None
    chart = Chart("structure-chart", f"Structure of {scope}",
                  "", 0)
    parts, y = [], 6.0
    for _, (label, units, direct) in sorted(networks.items(), key=lambda n: n[1][0]):
        chart.boxes.append(Box(0, y, WIDTH, 26, "#16324f"))
        chart.texts.append(Text(8, y + 18, truncate(label, 48), bold=True, title=label,
                                fill="#ffffff"))
        top = y + 26
        y += 32
        said = []
        rows = sorted(units.values()) + ([("Groups directly under the network", direct)]
                                         if direct else [])
        for name, groups in rows:
            chart.lines.append((12, top, 12, y + 12))
            chart.lines.append((12, y + 12, 24, y + 12))
            chart.boxes.append(Box(24, y, WIDTH - 24, 24, "#e4ebf2"))
            chart.texts.append(Text(32, y + 16, truncate(name, 40), title=name))
            chart.texts.append(Text(WIDTH - 8, y + 16, f"{groups} group{'s' * (groups != 1)}",
                                    "end", True))
            said.append(f"{name} ({groups} working group{'s' * (groups != 1)})")
            y += 30
        parts.append(f"{label}: " + ("; ".join(said) if said else "no units"))
        y += 6
    chart.desc = ". ".join(parts) + "."
    chart.height = y
    return chart


def per_country(rows: list[tuple[str, int]], scope: str, most: int = 12) -> Chart | None:
    """Horizontal bars: member cities per country, largest first (the rest summed)."""
    if not rows:
        return None
    shown = rows[:most]
    rest = sum(n for _, n in rows[most:])
    if rest:
        shown = [*shown, (f"{len(rows) - most} other countries", rest)]
    top = max(n for _, n in shown)
    chart = Chart("countries-chart", f"Member cities per country, {scope}",
                  "Member cities per country: " + ", ".join(f"{c} {n}" for c, n in shown) + ".",
                  len(shown) * 22 + 8)
    left = 130.0
    for i, (name, n) in enumerate(shown):
        y = 4 + i * 22
        chart.texts.append(Text(left - 6, y + 13, truncate(name, 20), "end", title=name))
        w = (WIDTH - left - 30) * n / top
        chart.boxes.append(Box(left, y, w, 16, "#3f7cb5", f"{name}: {n}"))
        chart.texts.append(Text(left + w + 4, y + 13, str(n)))
    return chart


def city_timeline(rows: list[tuple[str, str, str, int | None, int | None]], label: str
                  ) -> Chart | None:
    """One row per group (with its network), a bar per membership over the years, coloured
    by role. Rows: (group label, network label, role IRI, first year, last year)."""
    dated = [r for r in rows if r[3] is not None or r[4] is not None]
    if not dated:
        return None
    first = min((r[3] or r[4]) for r in dated)
    last = max((r[4] or r[3]) for r in dated)
    groups = list(OrderedDict.fromkeys((g, n) for g, n, *_ in sorted(dated)))
    used = {category(r[2]) for r in dated}
    chart = Chart("city-chart", f"Groups of {label} over time",
                  "Memberships of " + label + ": " + "; ".join(
                      f"{g} ({n}), {category(role).replace('-', ' ')} {b or e}–{e or b}"
                      for g, n, role, b, e in sorted(dated)) + ".", 0)
    y = _legend(chart, used, 14) + 6
    span = last - first + 1
    step = WIDTH / span
    for i in range(span):
        chart.texts.append(Text(i * step + step / 2, y + 12, str(first + i), "middle"))
        chart.lines.append((i * step, y + 16, i * step, y + 18 + 44 * len(groups)))
    y += 20
    fills = {k: f for k, _, f in CATEGORIES}
    for gi, (group, network) in enumerate(groups):
        gy = y + gi * 44
        chart.texts.append(Text(0, gy + 13, truncate(f"{group} · {network}", 60), bold=True,
                                title=f"{group} ({network})"))
        for g, n, role, b, e in dated:
            if (g, n) != (group, network):
                continue
            b, e = b or e, e or b
            chart.boxes.append(Box((b - first) * step + 2, gy + 18, (e - b + 1) * step - 4, 18,
                                   fills[category(role)],
                                   f"{g}: {category(role).replace('-', ' ')}, {b}–{e}"))
    chart.height = y + 44 * len(groups) + 4
    return chart


# --- the charts of a page, cached per release ----------------------------------------------

_CACHE: OrderedDict[tuple, object] = OrderedDict()
_LOCK = Lock()
_CACHE_SIZE = 512


def cached(release_id: str, key: tuple, make: Callable[[], object]) -> object:
    """``make()`` once per (release, key); the oldest entries go first past the size."""
    full = (release_id, *key)
    with _LOCK:
        if full in _CACHE:
            _CACHE.move_to_end(full)
            return _CACHE[full]
    value = make()
    with _LOCK:
        _CACHE[full] = value
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return value


def _bound(query: str, iri: str | None) -> str:
    """``query`` with ?s bound to ``iri`` by a VALUES block (pyoxigraph's ``substitutions``
    do not reach its join order: a chart would start from every membership of the dataset)."""
    return bind_values(query, {"s": ox.NamedNode(iri)}) if iri else query


def for_group(store: Store, iri: str, label: str) -> Chart | None:
    rows = [(r["role"].value, year_of(r["begin"]), year_of(r["end"]))
            for r in store.query(_bound(group_roles_query(), iri))]
    chart = roles_per_year(rows, label)
    if chart is not None:
        chart.query, chart.params = "chairs-over-time", {"group": iri}
    return chart


def for_networks(store: Store, iri: str | None, label: str) -> list[Chart]:
    """Structure and members per country, of one network (``iri``) or of all of them."""
    one = iri is not None
    networks: dict[str, list] = {}
    units: dict[str, dict[str, set]] = defaultdict(dict)
    unit_labels: dict[str, str] = {}
    for r in store.query(structure_query()):
        net = r["net"].value
        if one and net != iri:
            continue
        networks.setdefault(net, [r["netLabel"].value, 0])
        if r["unit"] is not None:
            unit = r["unit"].value
            unit_labels[unit] = r["unitLabel"].value if r["unitLabel"] else unit
            units[net].setdefault(unit, set())
            if r["group"] is not None:
                units[net][unit].add(r["group"].value)
    for r in store.query(direct_groups_query()):
        if r["net"].value in networks:
            networks[r["net"].value][1] += 1
    tree = {net: (name, {u: (unit_labels[u], len(g)) for u, g in units[net].items()}, direct)
            for net, (name, direct) in networks.items()}
    countries = [(r["label"].value if r["label"] else r["country"].value, int(r["n"].value))
                 for r in store.query(_bound(countries_query(one), iri))]
    charts = [structure(tree, label), per_country(countries, label)]
    if charts[0] is not None:
        charts[0].query = "network-structure"
        charts[0].params = {"network": iri} if iri else {}
    if charts[1] is not None:
        charts[1].query = "cities-per-country"
    return [c for c in charts if c is not None]


def for_city(store: Store, iri: str, label: str) -> Chart | None:
    memberships = list(store.query(_bound(city_groups_query(), iri)))
    networks: dict[ox.NamedNode, list[str]] = {}
    groups = {r["group"] for r in memberships}
    if groups:
        for r in store.query(networks_query(sorted(groups, key=str))):
            networks.setdefault(r["group"], []).append(r["netLabel"].value)
    rows = [(r["groupLabel"].value if r["groupLabel"] else r["group"].value, network,
             r["role"].value, year_of(r["begin"]), year_of(r["end"]))
            for r in memberships for network in networks.get(r["group"], [""])]
    chart = city_timeline(list(dict.fromkeys(rows)), label)
    if chart is not None:
        chart.query, chart.params = "groups-of-city", {"city": iri}
    return chart
