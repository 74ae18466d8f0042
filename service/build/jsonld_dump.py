"""Write the JSON-LD dump in a process of its own: ``python -m service.build.jsonld_dump
NQUADS OUT CONTEXT``.

The JSON-LD writer is the one dump written by Python statement by statement, so for a big
dataset :func:`service.build.dumps.write_dumps` runs it here, beside the build's other work,
instead of on a thread waiting for the GIL. A plain child process (not ``multiprocessing``,
which would import the caller's main script again) that reads the named graphs' N-Quads and
the context (pickled by the parent into its own scratch folder) and writes ``OUT``.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox

from service import jsonld


def write(nquads: Path, out: Path, context: jsonld.Context) -> None:
    """The JSON-LD dump of the N-Quads file ``nquads`` (grouped by graph, then subject)."""
    with out.open("wb") as handle:
        jsonld.write_dataset(ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS), handle,
                             context)


def start(nquads: Path, out: Path, context: jsonld.Context, scratch: Path) -> subprocess.Popen:
    """Start writing in a child process; :func:`finish` waits for it."""
    saved = scratch / "context.pickle"
    saved.write_bytes(pickle.dumps(context))
    return subprocess.Popen([sys.executable, "-m", __name__, str(nquads), str(out), str(saved)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish(process: subprocess.Popen) -> None:
    """Wait for the child; raise with its last error line if it failed."""
    _, errors = process.communicate()
    if process.returncode != 0:
        lines = errors.decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"the JSON-LD dump failed: {lines[-1] if lines else process.returncode}")


def main(argv: list[str]) -> int:
    nquads, out, saved = (Path(arg) for arg in argv)
    write(nquads, out, pickle.loads(saved.read_bytes()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
