"""``headline-lens archive score``: score a Parquet or JSON Lines archive into Parquet shards."""

from __future__ import annotations

import argparse
import sys


def _score(args: argparse.Namespace) -> int:
    from model.artifact import ArtifactError
    from model.store import resolve
    from service.archive import ArchiveError, score_local, score_ray

    try:
        artifact = str(resolve(args.model))
    except (ArtifactError, ValueError) as exc:
        print(f"headline-lens archive score: cannot load model {args.model or ''}: {exc}", file=sys.stderr)
        return 1
    try:
        if args.engine == "ray":
            try:
                import ray  # noqa: F401
            except ImportError:
                print("headline-lens archive score: --engine ray needs Ray Data: pip install 'headline-lens[archive]'",
                      file=sys.stderr)
                return 2
            summary = score_ray(args.input, args.output, artifact, column=args.column, batch_size=args.batch_size,
                                address=args.address, actors=args.actors)
        else:
            if args.address:
                print("headline-lens archive score: --address needs --engine ray", file=sys.stderr)
                return 2
            summary = score_local(args.input, args.output, artifact, column=args.column, batch_size=args.batch_size)
    except ArchiveError as exc:
        print(f"headline-lens archive score: {exc}", file=sys.stderr)
        return 2
    print(f"scored {summary.rows} rows ({summary.errors} error records) in {summary.seconds:.1f} s "
          f"with the {summary.engine} engine; Parquet shards in {args.output}", file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``archive`` command group."""
    from service.archive import BATCH_SIZE

    parser = subparsers.add_parser("archive", help="score a headline archive (Parquet or JSON Lines)")
    actions = parser.add_subparsers(dest="archive_command", metavar="ACTION", required=True)
    score = actions.add_parser(
        "score",
        help="score every row of an archive into Parquet shards",
        description="Score a Parquet or JSON Lines archive (a file or a directory of shards). The output "
                    "directory gets Parquet shards with every input column plus the scores, labels, "
                    "model_version and error (empty or too long text becomes an error record).",
    )
    score.add_argument("--input", required=True, help="a .parquet/.jsonl file or a directory of them")
    score.add_argument("--output", required=True, help="directory for the Parquet shards (absent or empty)")
    score.add_argument("--engine", choices=("local", "ray"), default="local",
                       help="local: this process; ray: Ray Data actors (default: local)")
    score.add_argument("--address", help="Ray cluster to join, e.g. auto or ray://head:10001 (default: start a local Ray)")
    score.add_argument("--model", help="artifact directory or store tag (default: $HEADLINE_LENS_MODEL or the newest)")
    score.add_argument("--column", default="title", help="the column holding the headlines (default: title)")
    score.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=f"rows per batch (default: {BATCH_SIZE})")
    score.add_argument("--actors", type=int, help="Ray engine: most scorer actors (default: one per cluster core)")
    score.set_defaults(func=_score)
