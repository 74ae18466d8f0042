"""The Reconciliation API's JSON schemas (spec 0.2 and 1.0-draft, ../shared/reference),
resolved locally and never fetched."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7


def schema_validators(folder: Path) -> dict[str, Draft7Validator]:
    """A validator per schema file, each ``$ref`` ("type.json", the swagger schema) resolved
    from the same folder by ``$id``; the registry has no retriever, so nothing is fetched."""
    contents = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")}
    registry = Registry().with_resources(
        (c["$id"].rstrip("#"), Resource.from_contents(c, default_specification=DRAFT7))
        for c in contents.values())
    return {name: Draft7Validator(c, registry=registry) for name, c in contents.items()}


@pytest.fixture(scope="session")
def schemas(shared_dir: Path) -> Callable[[str, str], Draft7Validator]:
    """``schemas("0.2", "manifest.json")``: the validator of one schema of one spec version."""
    root = shared_dir / "reference" / "reconciliation-api"
    versions = {v: schema_validators(root / v / "schemas") for v in ("0.2", "1.0-draft")}
    return lambda version, name: versions[version][name]


@pytest.fixture(scope="session")
def valid(schemas) -> Callable[[str, object], None]:
    """Assert a payload is valid against a 0.2 schema, listing every error when it is not."""
    def check(name: str, payload: object) -> None:
        errors = [f"{list(e.absolute_path)}: {e.message}"
                  for e in schemas("0.2", name).iter_errors(payload)]
        assert not errors, errors
    return check
