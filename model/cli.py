"""The ``headline-lens`` command.

Each package contributes its sub-commands through the ``headline_lens.commands``
entry-point group, so ``model`` never imports ``training`` or ``service``.
A plugin's ``register(subparsers)`` adds parsers whose ``func(args) -> int`` runs.
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import entry_points

COMMAND_GROUP = "headline_lens.commands"


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every installed plugin's sub-commands."""
    parser = argparse.ArgumentParser(
        prog="headline-lens", description="Score news headlines for clickbait and loaded framing."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for entry in sorted(entry_points(group=COMMAND_GROUP), key=lambda e: e.name):
        try:
            register = entry.load()
        except ImportError as exc:
            # A missing optional extra should not break the commands that do work.
            print(f"headline-lens: commands from {entry.name!r} unavailable: {exc}", file=sys.stderr)
            continue
        register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
