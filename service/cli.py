"""``headline-lens score`` and ``headline-lens feedback export``.

``score`` runs the model in-process (``model.Scorer.score``) and prints the same result
shape as ``POST /score`` (``Score.to_dict()``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from model.labels import HEAD_NAMES

#: Headlines scored per model call when many come from stdin.
CHUNK = 256


def _read_headlines(args: argparse.Namespace) -> Iterator[str]:
    for item in args.headlines:
        if item == "-":
            # Blank lines separate nothing in a list of headlines: they are not headlines.
            yield from (line.rstrip("\r\n") for line in sys.stdin if line.strip())
        else:
            yield item


def _chunks(items: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _width(head: str) -> int:
    """Column width of a head's score in the table: its name, and never narrower than 0.000."""
    return max(len(head), 6)


def _table_row(result: dict[str, Any]) -> str:
    flags = ",".join(name for name, on in result["labels"].items() if on) or "-"
    scores = " ".join(f"{result[name]:{_width(name)}.3f}" for name in HEAD_NAMES)
    line = f"{scores}  {flags:15} {result['text']}"
    for span in result.get("spans") or []:
        cue = f", {span['cue']}" if span["cue"] else ""
        line += f"\n{'':35}{span['text']!r}: {span['head']} +{span['weight']:.2f}{cue}"
    return line


def _score(args: argparse.Namespace) -> int:
    from model.artifact import ArtifactError
    from model.scorer import Scorer
    from model.text import TextError
    from service.settings import load_config

    if not args.headlines:
        print("headline-lens score: give headlines as arguments, or - to read one per line from stdin", file=sys.stderr)
        return 2
    try:
        scorer = Scorer.load(args.model, threads=load_config().threads)
    except (ArtifactError, ValueError) as exc:  # ValueError: neither a directory nor a valid store tag
        print(f"headline-lens score: cannot load model {args.model or ''}: {exc}", file=sys.stderr)
        return 1
    if args.format == "table":
        print(" ".join(f"{name:>{_width(name)}}" for name in HEAD_NAMES) + f"  {'labels':15} text")
    offset = 0
    for chunk in _chunks(_read_headlines(args), CHUNK):
        try:
            scores = scorer.score(chunk, explain=args.explain)
        except TextError as exc:  # its index counts from the chunk: report the position in the whole input
            print(f"headline-lens score: headline {offset + exc.index} {exc.reason}", file=sys.stderr)
            return 2
        for score in scores:
            result = score.to_dict()
            print(json.dumps(result, ensure_ascii=False) if args.format == "jsonl" else _table_row(result))
        offset += len(chunk)
    return 0


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from service.feedback import FeedbackStore
    from service.settings import load_config

    path = Path(args.db) if args.db else load_config().feedback_path
    if not path.is_file():
        print(f"headline-lens feedback export: no feedback database at {path}", file=sys.stderr)
        return 1
    store = FeedbackStore(path)
    try:
        if args.out and args.out != "-":
            with open(args.out, "w", encoding="utf-8") as out:
                count = store.export_jsonl(out)
            print(f"wrote {count} feedback rows to {args.out}", file=sys.stderr)
        else:
            store.export_jsonl(sys.stdout)
    finally:
        store.close()
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``score`` and ``feedback`` commands."""
    score = subparsers.add_parser(
        "score",
        help="score headlines with the local model",
        description="Score headlines in-process; output has the same shape as the HTTP API's POST /score.",
    )
    score.add_argument("headlines", nargs="*", help='headlines, or "-" to read one per line from stdin (blank lines skipped)')
    score.add_argument("--format", choices=("table", "jsonl"), default="table", help="output format (default: table)")
    score.add_argument("--explain", action="store_true", help="add spans: the words driving each score")
    score.add_argument("--model", help="artifact directory or store tag (default: $HEADLINE_LENS_MODEL or the newest)")
    score.set_defaults(func=_score)

    feedback = subparsers.add_parser("feedback", help="user feedback collected by POST /feedback")
    actions = feedback.add_subparsers(dest="feedback_command", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="write feedback as JSONL (a training source)")
    export.add_argument("--db", help="feedback database (default: $HEADLINE_LENS_FEEDBACK_DB or the user data dir)")
    export.add_argument("--out", help="output file (default: stdout)")
    export.set_defaults(func=_export)
