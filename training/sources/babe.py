"""BABE (Spinde et al. 2021): news sentences with expert bias labels, and its published split.

Two files matter:

- ``babe/final_labels_SG2.csv`` (``;``-separated, UTF-8 BOM), the BABE set:
  ``Biased`` -> 1, ``Non-biased`` -> 0, ``No agreement`` dropped.
- ``babe/splits_annomatic/`` holds the train+dev / test split used by Horych et al.
  2025 (column ``label``, 1 = biased); it contains some sentences outside our SG2
  copy and slightly newer labels. Its rows are the benchmark, so their labels win.

``load`` yields the published split (train+dev -> ``split="train"``, test ->
``split="test"``) plus the SG2 sentences the split lacks, as ``split="train"`` (they
never appear in the test file, so they cannot leak into it). ``load_test`` returns the
test rows alone, for evaluation when BABE is not used for training. SG1 is not read:
it is a subset of SG2.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from training.sources.base import Row
from training.sources.tables import clean_text, labelled_texts

NAME = "babe"
SG2_FILE = "babe/final_labels_SG2.csv"
TRAIN_FILE = "babe/splits_annomatic/babe_train_dev_annomatic.csv"
TEST_FILE = "babe/splits_annomatic/babe_test_annomatic.csv"
FILES = (SG2_FILE, TRAIN_FILE, TEST_FILE)
FINAL_LABELS = {"Biased": 1.0, "Non-biased": 0.0, "No agreement": None}
SPLIT_LABELS = {0: 0.0, 1: 1.0}


def article_group(link: object, fallback: str) -> str:
    """The group of a sentence from article ``link``, shared with MBIC (same articles).

    MBIC holds BABE SG1's sentences: one key for both keeps an article's sentences on
    one side of a split whichever of the two datasets they come from.
    """
    text = clean_text(link)
    return f"article:{text}" if text else fallback


def _split_rows(data_dir: Path, relpath: str, split: str, weight: float) -> Iterator[Row]:
    # Only the train+dev file has news_link; grouping by article only matters inside train anyway.
    extra = ["news_link"] if relpath == TRAIN_FILE else []
    for index, text, bias, values in labelled_texts(Path(data_dir) / relpath, "label", SPLIT_LABELS, extra):
        group = article_group(values[0] if values else None, f"{NAME}:{split}:{index}")
        yield Row(text=text, source=NAME, bias=bias, group=group, weight=weight, split=split)


def final_labels(path: Path, source: str, weight: float = 1.0, **read_options: Any) -> Iterator[Row]:
    """Rows of a ``final_labels_*`` table (BABE's or MBIC's): labelled sentences, no split."""
    for index, text, bias, (link,) in labelled_texts(path, "label_bias", FINAL_LABELS, ["news_link"], **read_options):
        yield Row(text=text, source=source, bias=bias, group=article_group(link, f"{source}:{index}"), weight=weight)


def load_sg2(data_dir: Path, weight: float = 1.0) -> Iterator[Row]:
    """Yield the labelled SG2 sentences (no split), grouped by article link."""
    return final_labels(Path(data_dir) / SG2_FILE, NAME, weight, sep=";", encoding="utf-8-sig")


def load_test(data_dir: Path, weight: float = 1.0) -> list[Row]:
    """The published BABE test split (``split="test"``), for evaluation."""
    return list(_split_rows(data_dir, TEST_FILE, "test", weight))


def load(data_dir: Path, weight: float = 1.0) -> Iterator[Row]:
    """Yield the published split rows, then the SG2 sentences it does not contain."""
    seen: set[str] = set()
    for relpath, split in ((TRAIN_FILE, "train"), (TEST_FILE, "test")):
        for row in _split_rows(data_dir, relpath, split, weight):
            seen.add(row.text)
            yield row
    for row in load_sg2(data_dir, weight):
        if row.text not in seen:
            row.split = "train"
            yield row
