"""``python -m benchmarks [load] [options]``: the one command for benchmarks (``make bench``)."""

from __future__ import annotations

import sys

from benchmarks import load

COMMANDS = {"load": load.main}


def main(argv: list[str]) -> int:
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    return load.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
