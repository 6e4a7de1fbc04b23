"""``headline-lens model list | export | import | pull``: move trained models between machines."""

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


def _pull(args: argparse.Namespace) -> int:
    import sys

    from model.pull import PullError, pull

    try:
        tag = pull(args.url, args.sha256, progress=not args.no_progress)
    except PullError as exc:
        print(f"headline-lens model pull: {exc}; the model store is unchanged", file=sys.stderr)
        return 1
    print(tag)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``model`` command group."""
    parser = subparsers.add_parser("model", help="list, export, import and pull stored models")
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
    pulling = commands.add_parser(
        "pull",
        help="download a .bentomodel, check it and import it",
        description="Download a .bentomodel over http(s), check its sha256 (when given) and that it is a valid "
        "headline-lens model, then import it. A file that fails any check is refused; the store is unchanged.",
    )
    pulling.add_argument("url", help="http(s) URL of a .bentomodel file (from `headline-lens model export`)")
    pulling.add_argument("--sha256", metavar="HEX", help="expected SHA-256 of the file")
    pulling.add_argument("--no-progress", action="store_true", help="no progress bar")
    pulling.set_defaults(func=_pull)
