"""``python -m benchmarks [load|lookup|build|store|jsonld|memory|validate|...] [options]``: the one
command for benchmarks.

``make bench`` runs the load test; ``python -m benchmarks lookup`` and ``... build`` measure
resource lookups (web layer against the store) and build time against dataset size;
``... store`` the size and time the stored (set) default graph costs; ``... jsonld`` compares
JSON-LD and Turtle writers; ``... memory`` sends eight memory-hungry queries at once (default
cap); ``... validate`` SHACL validation time (pySHACL against the fast validator);
``... validate-change`` validating a one-triple write by what it changed against the whole store;
``... compare`` measures the service against Oxigraph's own server; ``... scale`` pages,
search and reconciliation on a generated 1M-triple dataset against the seed data; ``... write``
what one token write costs as the dataset grows.
"""

from __future__ import annotations

import sys

from benchmarks import (
    build,
    compare,
    jsonld,
    load,
    lookup,
    memory,
    scale,
    store,
    validate,
    validate_change,
    write,
)

COMMANDS = {"compare": compare.main, "load": load.main, "lookup": lookup.main, "build": build.main,
            "store": store.main, "jsonld": jsonld.main, "memory": memory.main,
            "validate": validate.main, "scale": scale.main, "write": write.main,
            "validate-change": validate_change.main}


def main(argv: list[str]) -> int:
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    return load.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
