"""User feedback exported by ``headline-lens feedback export``, as training rows.

Each JSONL line is ``{"text", "head", "score", "comment"?, "created_at"}`` where
``head`` is one of the model's heads and ``score`` (0..1) the user's target for it.
A line sets only its own head; assembly merges several lines about the same text.
A malformed line stops loading with its line number: silently skipping a user's
correction would train on less than they gave.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from model.labels import HEAD_NAMES
from training.sources.base import Row
from training.sources.tables import SourceFormatError, clean_text, jsonl_records

NAME = "feedback"


def _parse(record: object, where: str) -> tuple[str, str, float]:
    if not isinstance(record, dict):
        raise SourceFormatError(f"{where}: expected a JSON object, got {type(record).__name__}")
    text = clean_text(record.get("text")) if isinstance(record.get("text"), str) else None
    if text is None:
        raise SourceFormatError(f"{where}: 'text' must be a non-empty string")
    head = record.get("head")
    if head not in HEAD_NAMES:
        raise SourceFormatError(f"{where}: 'head' must be one of {list(HEAD_NAMES)}, got {head!r}")
    score = record.get("score")
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0.0 <= score <= 1.0:
        raise SourceFormatError(f"{where}: 'score' must be a number in [0, 1], got {score!r}")
    return text, head, float(score)


def load(path: Path, weight: float = 1.0) -> Iterator[Row]:
    """Yield one row per feedback line in the JSONL file ``path``, with that head's target set."""
    path = Path(path)
    if path.is_dir():
        # A data directory passed where the export file belongs: say so instead of "missing".
        raise SourceFormatError(
            f"{path} is a directory; pass the JSONL file written by `headline-lens feedback export`"
        )
    for where, record in jsonl_records(path):
        text, head, score = _parse(record, where)
        yield Row(text=text, source=NAME, group=f"{NAME}:{text}", weight=weight, **{head: score})
