"""Example queries for the query page: the files of queries/ (header comments = summary)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from service.namespaces import PREFIXES, sparql_prefix_block


@dataclass(frozen=True)
class Example:
    name: str
    summary: str
    text: str


_P = sparql_prefix_block({k: v for k, v in PREFIXES.items() if k in ("org", "skos", "time")})

DEFAULT_QUERY = _P + """SELECT ?network ?label WHERE {
  ?network a org:FormalOrganization ; skos:prefLabel ?label .
} LIMIT 25
"""

BUILT_IN = (
    Example("networks", "The networks and their names.", DEFAULT_QUERY),
    Example("groups", "Units and working groups, with what they belong to.",
            _P + """SELECT ?unit ?label ?parent WHERE {
  { ?unit org:unitOf ?parent } UNION { ?unit org:subOrganizationOf ?parent }
  OPTIONAL { ?unit skos:prefLabel ?label }
} LIMIT 100
"""),
    Example("roles", "Dated roles: who held which role in which body, and when.",
            _P + """SELECT ?member ?organization ?role ?begin WHERE {
  ?m a org:Membership ; org:member ?member ; org:organization ?organization .
  OPTIONAL { ?m org:role ?role }
  OPTIONAL { ?m org:memberDuring/time:hasBeginning/time:inXSDDate ?begin }
} ORDER BY ?begin LIMIT 100
"""),
)


def _summary(text: str) -> str:
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        body = stripped.lstrip("#").strip()
        if body and ":" in body and body.split(":", 1)[0].lower() in ("summary", "title"):
            return body.split(":", 1)[1].strip()
        if body:
            return body
    return ""


def load(folder: Path) -> list[Example]:
    """The named queries of ``folder`` (``*.rq``), or built-in examples when there are none."""
    found = []
    if folder.is_dir():
        for path in sorted(folder.glob("*.rq")):
            try:
                text = path.read_text(encoding="utf-8")
            except OSError:
                continue
            found.append(Example(path.stem, _summary(text) or path.stem, text))
    return found or list(BUILT_IN)
