"""A generated dataset big enough for a build to take seconds, generated and built once per
session; each test gets its own copy of its sources and of its var/ folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.build.pipeline import build
from service.settings import PROJECT_ROOT, Settings, load_settings
from tests.conftest import BASE

GENERATED_TRIPLES = 100_000


@dataclass(frozen=True)
class Generated:
    root: Path  # the generated sources
    var: Path  # a var/ folder with their release live


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    root = tmp_path_factory.mktemp("generated") / "root"
    subprocess.run([sys.executable, "-m", "service.cli", "generate", "--triples",
                    str(GENERATED_TRIPLES), "--out", str(root)], cwd=PROJECT_ROOT, check=True,
                   capture_output=True)
    settings = load_settings({"root": root, "var": root.parent / "var", "base": BASE},
                             environ={})
    build(settings)
    return Generated(root, settings.var)


def generated_copy(generated: Generated, folder: Path) -> Settings:
    """Private sources (writes journal into them) and var/ (the live release) for one test."""
    shutil.copytree(generated.root, folder / "root")
    shutil.copytree(generated.var, folder / "var", symlinks=True)
    return load_settings({"root": folder / "root", "var": folder / "var", "base": BASE},
                         environ={})
