"""``python -m benchmarks [load|lookup|build|store|validate] [options]``: the one command.

``make bench`` runs the load test; ``python -m benchmarks lookup`` and ``... build`` measure
resource lookups (web layer against the store) and build time against dataset size;
``... store`` the size and time the stored (set) default graph costs; ``... validate`` SHACL
validation time (pySHACL against the fast validator).
"""

from __future__ import annotations

import sys

from benchmarks import build, load, lookup, store, validate

COMMANDS = {"load": load.main, "lookup": lookup.main, "build": build.main, "store": store.main,
            "validate": validate.main}


def main(argv: list[str]) -> int:
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    return load.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
