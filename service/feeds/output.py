"""Feed results as records, files (JSONL, CSV, Parquet) and a per-feed summary table."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import fields as dataclass_fields
from pathlib import Path
from statistics import fmean
from typing import Any

from model.labels import HEAD_NAMES
from service.feeds.parse import FeedItem

FORMATS = (".jsonl", ".csv", ".parquet")
TOP_TITLES = 3


def item_record(
    item: FeedItem, *, feed_url: str | None, feed_title: str | None, score: dict[str, Any] | None,
    skip_reason: str | None,
) -> dict[str, Any]:
    """One scored item: the feed, the item's fields, ``score`` (``Score.to_dict()``) or ``skip_reason``."""
    fields = {spec.name: getattr(item, spec.name) for spec in dataclass_fields(item)}  # asdict deep-copies: slow
    return {"feed_url": feed_url, "feed_title": feed_title, **fields, "score": score, "skip_reason": skip_reason}


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    """A record with the score spread over columns, for tables (CSV, Parquet)."""
    flat = {key: value for key, value in record.items() if key != "score"}
    score = record.get("score") or {}
    for head in HEAD_NAMES:
        flat[head] = score.get(head)
        flat[f"{head}_label"] = score.get("labels", {}).get(head)
    flat["model_version"] = score.get("model_version")
    return flat


def write_results(records: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Write records to ``.jsonl`` (nested score), ``.csv`` or ``.parquet`` (flat columns)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"unknown output format {path.suffix!r}; use one of {', '.join(FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".jsonl":
        with path.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        return path
    flat = [_flat(record) for record in records]
    columns = list(_flat(item_record(FeedItem(title=""), feed_url=None, feed_title=None, score=None,
                                     skip_reason=None)))
    if suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(flat)
        return path
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {head: pa.float64() for head in HEAD_NAMES} | {f"{head}_label": pa.bool_() for head in HEAD_NAMES}
    schema = pa.schema([(name, types.get(name, pa.string())) for name in columns])
    pq.write_table(pa.Table.from_pylist(flat, schema=schema), path)
    return path


def summarize(records: Sequence[dict[str, Any]], top: int = TOP_TITLES) -> list[dict[str, Any]]:
    """Per feed: items, scored, mean clickbait, share over the clickbait threshold, mean bias,
    and the ``top`` most sensational (highest clickbait) titles."""
    by_feed: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_feed.setdefault(record["feed_url"], []).append(record)
    summaries = []
    for feed_url, rows in by_feed.items():
        scored = [row for row in rows if row.get("score")]
        clickbait = [row["score"]["clickbait"] for row in scored]
        ranked = sorted(scored, key=lambda row: row["score"]["clickbait"], reverse=True)
        summaries.append(
            {
                "feed_url": feed_url,
                "feed_title": rows[0].get("feed_title"),
                "items": len(rows),
                "scored": len(scored),
                "mean_clickbait": round(fmean(clickbait), 4) if scored else None,
                "share_clickbait": round(sum(row["score"]["labels"]["clickbait"] for row in scored) / len(scored), 4)
                if scored else None,
                "mean_bias": round(fmean(row["score"]["bias"] for row in scored), 4) if scored else None,
                "top_sensational": [row["score"]["text"] for row in ranked[:top]],
            }
        )
    return summaries


def format_summary(summaries: Sequence[dict[str, Any]], width: int = 48) -> str:
    """The summary as a plain-text table, one feed per block."""
    if not summaries:
        return "no items stored for these feeds"

    def number(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    lines = [f"{'feed':{width}}  {'items':>6} {'scored':>6} {'clickbait':>9} {'>thresh':>7} {'bias':>6}"]
    for summary in summaries:
        name = (summary["feed_title"] or summary["feed_url"])[:width]
        lines.append(
            f"{name:{width}}  {summary['items']:>6} {summary['scored']:>6} {number(summary['mean_clickbait']):>9} "
            f"{number(summary['share_clickbait']):>7} {number(summary['mean_bias']):>6}"
        )
        lines.extend(f"    {rank}. {title[:100]}" for rank, title in enumerate(summary["top_sensational"], 1))
    return "\n".join(lines)
