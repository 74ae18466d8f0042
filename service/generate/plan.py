"""How many of each thing a generated dataset of about N triples holds, and how skewed.

Pure arithmetic: the writer (:mod:`service.generate.dataset`) follows the plan exactly, so
the triple count is known before a byte is written. Memberships fill whatever the fixed
parts (networks, units, groups, cities, people, charters, statistics, provenance) leave.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

YEARS = tuple(range(2010, 2026))
UNITS_PER_NETWORK = 6
MEMBERSHIP_TRIPLES = 5  # a, org:member, org:organization, org:role, org:memberDuring
MIN_TRIPLES = 2_000

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)\s*$")
_SCALE = {"": 1, "k": 1_000, "m": 1_000_000, "g": 1_000_000_000}


def parse_size(text: str) -> int:
    """``100k``, ``1M``, ``2.5m``, ``10000`` -> an integer number of triples."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"not a size: {text!r} (expected a number with an optional k, M or G)")
    value = int(float(match.group(1)) * _SCALE[match.group(2).lower()])
    if value < MIN_TRIPLES:
        raise ValueError(f"size {value} is too small: at least {MIN_TRIPLES} triples")
    return value


def zipf_sizes(total: int, count: int, floor: int) -> list[int]:
    """Split ``total`` into ``count`` sizes >= ``floor`` falling as 1/rank (a few huge, most small).

    Deterministic; the sizes sum to ``total`` exactly (rounding goes to the largest).
    """
    spare = max(0, total - floor * count)
    harmonic = sum(1 / rank for rank in range(1, count + 1))
    sizes = [floor + int(spare / (rank * harmonic)) for rank in range(1, count + 1)]
    sizes[0] += total - sum(sizes)
    return sizes


@dataclass(frozen=True)
class Plan:
    """Counts for one generated dataset."""

    triples: int
    networks: int
    groups_per_network: int
    cities: int
    people_per_network: int
    signatories_per_network: int
    group_sizes: tuple[int, ...]  # memberships per group, over all years, largest first

    @property
    def memberships(self) -> int:
        return sum(self.group_sizes)

    @property
    def groups(self) -> int:
        return self.networks * self.groups_per_network


def plan_for(triples: int, fixed_triples) -> Plan:
    """The plan whose total is as close to ``triples`` as memberships allow.

    ``fixed_triples(plan)`` counts everything but memberships (the writer knows how).
    """
    networks = max(2, min(12, triples // 1_000_000))
    memberships = int(triples * 0.8) // MEMBERSHIP_TRIPLES
    groups_per_network = max(3, memberships // 80 // networks)
    groups = networks * groups_per_network
    draft = zipf_sizes(memberships, groups, len(YEARS))
    largest_per_year = -(-draft[0] // len(YEARS))
    cities = max(52, triples // 500, largest_per_year + 2)
    people = max(10, groups_per_network)
    plan = Plan(triples, networks, groups_per_network, cities, people,
                max(1, cities // 3), tuple(draft))
    remaining = max(groups * len(YEARS), triples - fixed_triples(plan))
    sizes = zipf_sizes(remaining // MEMBERSHIP_TRIPLES, groups, len(YEARS))
    return Plan(triples, networks, groups_per_network, cities, people,
                plan.signatories_per_network, tuple(sizes))
