"""SemEval-2023 Task 3 persuasion techniques (MAGPIE preprocessing): ``Loaded_Language`` as bias.

Reads ``semeval23_task3_persuasion/preprocessed.csv`` (English news paragraphs with
one 0/1 column per technique). The official SemEval split is lost in this copy.
The underlying data's terms are not stated, so the registry marks it restricted.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from training.sources.base import Row
from training.sources.tables import labelled_texts

NAME = "semeval"
FILES = ("semeval23_task3_persuasion/preprocessed.csv",)
LABELS = {0: 0.0, 1: 1.0}


def load(data_dir: Path, weight: float = 1.0) -> Iterator[Row]:
    """Yield every paragraph with ``bias`` = its ``Loaded_Language`` flag."""
    for index, text, bias, _ in labelled_texts(Path(data_dir) / FILES[0], "Loaded_Language", LABELS):
        yield Row(text=text, source=NAME, bias=bias, group=f"{NAME}:{index}", weight=weight)
