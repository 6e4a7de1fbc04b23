"""BASIL (Fan et al. 2019), sentence-level MAGPIE preprocessing: lexical vs. no bias.

Reads ``basil/preprocessed.csv``. ``label`` 0 = lexical (loaded wording) -> bias 1,
2 = not biased -> bias 0. Label 1, informational bias, is about which facts are
chosen rather than the wording, so it says nothing about the bias head and is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from training.sources.base import Row
from training.sources.tables import labelled_texts

NAME = "basil"
FILES = ("basil/preprocessed.csv",)
LABELS = {0: 1.0, 1: None, 2: 0.0}


def load(data_dir: Path, weight: float = 1.0) -> Iterator[Row]:
    """Yield the lexical-bias and not-biased sentences with ``bias`` 1/0."""
    for index, text, bias, _ in labelled_texts(Path(data_dir) / FILES[0], "label", LABELS):
        # The preprocessed file keeps no article id, so each sentence is its own group.
        yield Row(text=text, source=NAME, bias=bias, group=f"{NAME}:{index}", weight=weight)
