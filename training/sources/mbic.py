"""MBIC (Spinde et al. 2021): crowd bias labels for the same sentences as BABE SG1.

Reads ``mbic/final_labels_MBIC.xlsx``: ``Biased`` -> 1, ``Non-biased`` -> 0,
``No agreement`` dropped (BABE's vocabulary and columns). The crowd labels often
disagree with BABE's expert labels on the very same sentences, so MBIC is at most a
noisy extra view of BABE and must never serve as an independent evaluation set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from training.sources.babe import final_labels
from training.sources.base import Row

NAME = "mbic"
FILES = ("mbic/final_labels_MBIC.xlsx",)


def load(data_dir: Path, weight: float = 1.0) -> Iterator[Row]:
    """Yield the labelled sentences with ``bias`` 1/0, grouped by article like BABE's."""
    return final_labels(Path(data_dir) / FILES[0], NAME, weight)
