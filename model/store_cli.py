"""``headline-lens model list | export | import``: move trained models between machines."""

from __future__ import annotations

import argparse
import json


def _list(args: argparse.Namespace) -> int:
    from model import store

    rows = store.list_models()
    if not rows:
        print(f"no headline-lens models in {store.store_home()}; train one with `headline-lens train`")
        return 0
    for row in rows:
        print(json.dumps(row) if args.json else f"{row['tag']:40} {row['created_at']}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from model import store

    print(store.export_model(args.tag, args.destination))
    return 0


def _import(args: argparse.Namespace) -> int:
    from model import store

    print(store.import_model(args.source))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``model`` command group."""
    parser = subparsers.add_parser("model", help="list, export and import stored models")
    commands = parser.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    listing = commands.add_parser("list", help="stored models, newest first")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(func=_list)
    export = commands.add_parser("export", help="write a stored model to a .bentomodel file")
    export.add_argument("tag", help="e.g. headline-lens:latest")
    export.add_argument("destination", help="file path to write")
    export.set_defaults(func=_export)
    importing = commands.add_parser("import", help="import a .bentomodel file")
    importing.add_argument("source")
    importing.set_defaults(func=_import)
