"""Write the JSON-LD dump in a process of its own: ``python -m service.build.jsonld_dump
NQUADS OUT CONTEXT``.

The JSON-LD writer is the one dump written by Python statement by statement, so for a big
dataset :func:`service.build.dumps.write_dumps` runs it here, beside the build's other work,
instead of on a thread waiting for the GIL. A plain child process (not ``multiprocessing``,
which would import the caller's main script again) that reads the named graphs' N-Quads and
the context (pickled by the parent into its own scratch folder) and writes ``OUT``.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox

from service import jsonld


def write(nquads: Path, out: Path, context: jsonld.Context) -> dict[str, tuple[int, int]]:
    """The JSON-LD dump of the N-Quads file ``nquads`` (grouped by graph, then subject);
    where each graph's object is in it."""
    with out.open("wb") as handle:
        return jsonld.write_dataset(ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS),
                                    handle, context)


def start(nquads: Path, out: Path, context: jsonld.Context, scratch: Path) -> subprocess.Popen:
    """Start writing in a child process; :func:`finish` waits for it."""
    saved = scratch / "context.pickle"
    saved.write_bytes(pickle.dumps(context))
    process = subprocess.Popen([sys.executable, "-m", __name__, str(nquads), str(out), str(saved)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.out = out  # type: ignore[attr-defined]
    return process


def finish(process: subprocess.Popen) -> tuple[Path, dict[str, tuple[int, int]]]:
    """Wait for the child; the dump's path and where each graph's object is in it (what the
    child printed). Raise with its last error line if it failed."""
    printed, errors = process.communicate()
    if process.returncode != 0:
        lines = errors.decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"the JSON-LD dump failed: {lines[-1] if lines else process.returncode}")
    parts = json.loads(printed)
    return process.out, {g: tuple(at) for g, at in parts.items()}  # type: ignore[attr-defined]


def main(argv: list[str]) -> int:
    nquads, out, saved = (Path(arg) for arg in argv)
    print(json.dumps(write(nquads, out, pickle.loads(saved.read_bytes()))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
