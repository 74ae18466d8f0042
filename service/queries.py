"""The named queries of ``queries/``: each ``.rq`` file with a header of ``#`` comment lines.

Header format (the first comment lines of the file)::

    # title: Chairs and vice-chairs over time
    # description: Every chair and vice-chair membership of a group, with its period.
    # param: group | iri | id/group/eurocities-migration-integration | The working group
    # param: year | year | 2013 | Optional: only memberships during this year
    # example: group=id/group/eurocities-migration-integration

A field may run on over indented comment lines (``#   more text``) up to the next field.
A parameter ``name`` binds the query variable ``?name`` as an RDF term (pyoxigraph
substitutions), never by splicing text into the query. ``iri`` values may be relative to the
base IRI. A parameter whose description starts with ``Optional`` may be left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urljoin

import pyoxigraph as ox

from service.namespaces import PREFIXES
from service.problems import Problem

XSD = PREFIXES["xsd"]
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
PARAM_TYPES = ("iri", "string", "integer", "date", "year")
#: Names the API keeps for itself (``format`` picks the results format).
RESERVED = frozenset({"format", "name"})


class QueryFileError(ValueError):
    """A query file whose header is malformed."""


class ParameterError(Problem):
    """A parameter value that does not fit its declared type (400 wherever it is given)."""

    def __init__(self, detail: str) -> None:
        super().__init__(400, detail)


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    example: str
    description: str

    @property
    def optional(self) -> bool:
        return self.description.lower().startswith("optional")

    def term(self, value: str, base: str) -> ox.NamedNode | ox.Literal:
        """The RDF term for a raw value; raises ParameterError with a readable message."""
        try:
            if self.type == "iri":
                iri = urljoin(base, value)
                if not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", iri):
                    raise ValueError("not an http(s) IRI")
                return ox.NamedNode(iri)
            if self.type == "integer":
                return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
            if self.type == "date":
                if not re.match(r"^\d{4}-\d{2}-\d{2}$", value):
                    raise ValueError("expected YYYY-MM-DD")
                return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
            if self.type == "year":
                if not re.match(r"^\d{4}$", value):
                    raise ValueError("expected a four-digit year")
                return ox.Literal(value, datatype=ox.NamedNode(XSD + "integer"))
            return ox.Literal(value)
        except ValueError as exc:
            raise ParameterError(f"parameter {self.name!r} ({self.type}): {exc}") from None


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    example: str
    text: str

    def example_values(self) -> dict[str, str]:
        return dict(parse_qsl(self.example))

    def bindings(self, values: dict[str, str], base: str) -> dict[str, ox.NamedNode | ox.Literal]:
        """Check and convert request values; unknown or missing required ones are errors."""
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ParameterError(f"unknown parameter(s): {', '.join(unknown)}")
        bound: dict[str, ox.NamedNode | ox.Literal] = {}
        for param in self.parameters:
            value = values.get(param.name, "")
            if value == "":
                if not param.optional:
                    raise ParameterError(f"missing required parameter {param.name!r}")
                continue
            bound[param.name] = param.term(value, base)
        return bound


#: A header field: ``# key: value`` with exactly one space after ``#``.
_FIELD = re.compile(r"^# ([a-z]+):(.*)$")
FIELDS = ("title", "description", "param", "example")


def parse_header(text: str, source: str = "query") -> tuple[dict[str, str], list[Parameter]]:
    """The header fields and parameters of a query's text (its leading ``#`` lines).

    A field runs on over the comment lines that follow it until the next field (continuation
    lines are indented: ``#   more text``), so a multi-line description is read whole.
    Raises QueryFileError for an unknown field or a malformed parameter.
    """
    fields: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        found = _FIELD.match(line)
        if found:
            key = found.group(1)
            if key not in FIELDS:
                raise QueryFileError(f"{source}: unknown header field {key!r} "
                                     f"(expected one of {', '.join(FIELDS)})")
            fields.append((key, [found.group(2).strip()]))
        elif fields and line[1:].strip():
            fields[-1][1].append(line[1:].strip())
    header: dict[str, str] = {}
    params: list[Parameter] = []
    for key, parts in fields:
        value = " ".join(p for p in parts if p)
        if key == "param":
            cells = [c.strip() for c in value.split("|")]
            if (len(cells) != 4 or cells[1] not in PARAM_TYPES or not _NAME.match(cells[0])
                    or cells[0] in RESERVED):
                raise QueryFileError(f"{source}: malformed param line: {value!r}")
            params.append(Parameter(*cells))
        else:
            header[key] = (header.get(key, "") + " " + value).strip()
    return header, params


def parse_query_file(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    header, params = parse_header(text, path.name)
    if not header.get("title") or not header.get("description"):
        raise QueryFileError(f"{path.name}: header needs a title and a description")
    return NamedQuery(
        name=path.stem,
        title=header["title"],
        description=header["description"],
        parameters=tuple(params),
        example=header.get("example", ""),
        text=text,
    )


def load_queries(folder: Path) -> dict[str, NamedQuery]:
    """Every named query of the folder, by name (the file name without ``.rq``)."""
    return {q.name: q for q in map(parse_query_file, sorted(folder.glob("*.rq")))}
