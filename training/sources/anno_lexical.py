"""anno-lexical (Horych et al. 2025): news sentences with LLM-annotated lexical bias.

Reads ``anno_lexical/anno-lexical-{train,dev,test}.parquet``; ``label`` 1 = lexically
biased. Labels are synthetic (a vote of LLM annotators), so evaluate on human labels.
The dataset's own train/dev/test files become the rows' official split.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from training.sources.base import Row
from training.sources.tables import labelled_texts

NAME = "anno_lexical"
SPLIT_BY_FILE = {
    "anno_lexical/anno-lexical-train.parquet": "train",
    "anno_lexical/anno-lexical-dev.parquet": "validation",
    "anno_lexical/anno-lexical-test.parquet": "test",
}
FILES = tuple(SPLIT_BY_FILE)
LABELS = {0: 0.0, 1: 1.0}


def load(data_dir: Path, weight: float = 1.0) -> Iterator[Row]:
    """Yield every sentence with ``bias`` 0/1 and ``split`` from the file it came from."""
    for relpath, split in SPLIT_BY_FILE.items():
        for _, text, bias, (sentence_id,) in labelled_texts(Path(data_dir) / relpath, "label", LABELS, ["sentence_id"]):
            yield Row(text=text, source=NAME, bias=bias, group=f"{NAME}:{sentence_id}", weight=weight, split=split)
