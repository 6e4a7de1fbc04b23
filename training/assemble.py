"""Turn the chosen sources into one table of normalised, merged, split rows.

Steps: load each source through its adapter, normalise with ``model.text.normalize``,
drop empty texts, merge identical normalised texts within a source (targets averaged),
assign grouped splits (``training.splits``), cap training rows per source. BABE's
published test split is always added as evaluation-only rows, and so are the titles and sentences
of BASIL's evaluation articles, so that their twins in any source stay out of training.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.labels import HEAD_NAMES
from model.text import normalize
from training.sources.base import Row
from training.splits import SPLITS, assign_splits, cap_train_rows
from training.train_config import TrainConfig

#: The human-labelled bias benchmark: always evaluation-only.
BENCHMARK_SOURCE = "babe"
COLUMNS = ["text", "source", *HEAD_NAMES, "weight", "group", "split", "clickbait_class"]


@dataclass
class Assembled:
    """The assembled table plus what the manifest records about it."""

    frame: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)

    def split(self, name: str, used_only: bool = True) -> pd.DataFrame:
        """Rows of one split (by default only the rows training may use)."""
        rows = self.frame[self.frame["split"] == name]
        return rows[rows["use"]] if used_only else rows

    def training_rows(self) -> pd.DataFrame:
        """Rows the model is fitted on: train split, capped, never evaluation-only."""
        rows = self.split("train")
        return rows[~rows["eval_only"]]


def verdicts(frame: pd.DataFrame, head: str) -> np.ndarray:
    """The binary labels a head's score is a probability of (NaN where unlabelled).

    For clickbait that is the readers' verdict (``clickbait_class``: Webis-17's median
    judgment), not the mean rating the model is trained on; other heads use ``target >= 0.5``.
    """
    targets = frame[head].to_numpy(dtype=float)
    if head == "clickbait" and "clickbait_class" in frame:
        classes = frame["clickbait_class"].to_numpy(dtype=float)
        targets = np.where(np.isnan(classes), targets, classes)
    return np.where(np.isnan(targets), np.nan, (targets >= 0.5).astype(float))


def rows_to_frame(rows: Iterable[Row]) -> pd.DataFrame:
    """Normalise texts, drop empties, and merge identical texts within each source.

    Merged targets are the mean of the known targets (conflicting binaries become
    0.5-ish soft targets); an official split keeps its most held-out value.
    """
    records = []
    for row in rows:
        text = normalize(row.text)
        if text:
            records.append(
                (text, row.source, row.clickbait, row.bias, row.weight, row.group or "", row.split, row.clickbait_class)
            )
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    if frame.empty:
        return frame
    for column in (*HEAD_NAMES, "clickbait_class"):
        frame[column] = frame[column].astype(float)
    order = {"test": 0, "validation": 1, "train": 2}
    frame["_rank"] = frame["split"].map(order).fillna(3)
    frame = frame.sort_values(["source", "text", "_rank"], kind="stable")
    merged = frame.groupby(["source", "text"], sort=False, as_index=False).agg(
        clickbait=("clickbait", "mean"),
        bias=("bias", "mean"),
        clickbait_class=("clickbait_class", "mean"),
        weight=("weight", "mean"),
        group=("group", "first"),
        split=("split", "first"),
        merged=("text", "size"),
    )
    # A merged duplicate is clickbait when most of its copies were; a source without a
    # separate verdict has its binary target as the class.
    verdict = merged["clickbait_class"].where(merged["clickbait_class"].isna(), merged["clickbait_class"] >= 0.5)
    merged["clickbait_class"] = (
        verdict.astype(float).fillna((merged["clickbait"] >= 0.5).astype(float)).where(merged["clickbait"].notna())
    )
    return merged.reset_index(drop=True)


def load_sources(config: TrainConfig, data_dir: Path) -> tuple[list[Row], list[str]]:
    """Rows of the configured sources (weights from the config) and the names loaded."""
    from training.sources.registry import SOURCES

    restricted = {name for name, info in SOURCES.items() if info.restricted}
    names = config.active_sources(restricted)
    unknown = [n for n in names if n not in SOURCES]
    if unknown:
        raise ValueError(f"unknown sources {unknown}; known: {', '.join(SOURCES)}")
    rows: list[Row] = []
    for name in names:
        info = SOURCES[name]
        weight = config.weights.get(name, info.default_weight)
        rows.extend(info.loader(data_dir, weight=weight))
    return rows, names


def benchmark_rows(data_dir: Path) -> list[Row]:
    """BABE's published test split, when its file is present (else no rows)."""
    from training.sources import babe

    if not (Path(data_dir) / babe.TEST_FILE).is_file():
        return []
    return list(babe.load_test(data_dir))


def assemble_rows(rows: Iterable[Row], config: TrainConfig, eval_only_sources: set[str] = frozenset()) -> Assembled:
    """Split and cap in-memory rows (the data-dir-free core of ``assemble``)."""
    frame = rows_to_frame(rows)
    if frame.empty:
        raise ValueError("no rows to train on: every source was empty")
    frame["split"] = assign_splits(frame, config.seed, config.validation_fraction, config.test_fraction)
    frame["eval_only"] = frame["source"].isin(eval_only_sources)
    frame["use"] = cap_train_rows(frame, config.max_train_rows, config.seed, config.max_train_words,
                                  left_out=_easiest_train_rows(frame, config))
    sizes = (
        frame[frame["use"]].groupby(["source", "split"]).size().unstack(fill_value=0).reindex(columns=SPLITS, fill_value=0)
    )
    info = {
        "seed": config.seed,
        "validation_fraction": config.validation_fraction,
        "test_fraction": config.test_fraction,
        "max_train_rows": dict(config.max_train_rows),
        "max_train_words": dict(config.max_train_words),
        "drop_easiest": dict(config.drop_easiest),
        "weights": {s: float(w) for s, w in frame.groupby("source")["weight"].mean().items()},
        "split_sizes": {src: {k: int(v) for k, v in row.items()} for src, row in sizes.iterrows()},
        "evaluation_only": sorted(eval_only_sources),
    }
    return Assembled(frame=frame.reset_index(drop=True), info=info)


def _easiest_train_rows(frame: pd.DataFrame, config: TrainConfig) -> np.ndarray | None:
    """Train rows that ``config.drop_easiest`` leaves out (``training.row_selection``), or None."""
    if not config.drop_easiest:
        return None
    from training.row_selection import easiest_rows

    left_out = np.zeros(len(frame), dtype=bool)
    for source, share in config.drop_easiest.items():
        rows = np.flatnonzero(((frame["source"] == source) & (frame["split"] == "train")).to_numpy())
        pool = frame.iloc[rows]
        labels = np.stack([verdicts(pool, head) for head in HEAD_NAMES], axis=1)
        left_out[rows] = easiest_rows(pool["text"].tolist(), labels, share, config.seed)
    return left_out


def assemble(config: TrainConfig, data_dir: Path, hold_out_basil_articles: bool = True) -> Assembled:
    """Load, normalise, merge, split and cap the configured sources from ``data_dir``.

    ``hold_out_basil_articles=False`` rebuilds the splits of a model trained before BASIL's
    evaluation articles were held out (its manifest's ``data.evaluation_only`` lacks them).
    """
    from training.sources import babe, basil
    from training.sources.registry import file_hashes, sha256_file

    rows, names = load_sources(config, data_dir)
    hashes = file_hashes(data_dir, names)
    eval_only: set[str] = set()
    if BENCHMARK_SOURCE not in names:
        extra = benchmark_rows(data_dir)
        if extra:
            rows.extend(extra)
            eval_only.add(BENCHMARK_SOURCE)
            hashes[babe.TEST_FILE] = sha256_file(Path(data_dir) / babe.TEST_FILE)
    if hold_out_basil_articles and (articles := basil.held_out_rows(data_dir)):
        # The span check's articles: no source may train on their sentences (basil/ holds 3,743).
        rows.extend(articles)
        eval_only.add(basil.ARTICLES_SOURCE)
        hashes[basil.ARTICLES_FILE] = sha256_file(Path(data_dir) / basil.ARTICLES_FILE)
    assembled = assemble_rows(rows, config, eval_only)
    assembled.info["sources"] = names
    assembled.info["file_hashes"] = hashes
    return assembled
