"""BASIL (Fan et al. 2019), sentence-level MAGPIE preprocessing: lexical vs. no bias.

Reads ``basil/preprocessed.csv``. ``label`` 0 = lexical (loaded wording) -> bias 1,
2 = not biased -> bias 0. Label 1, informational bias, is about which facts are
chosen rather than the wording, so it says nothing about the bias head and is dropped.

``basil_articles/articles.jsonl`` holds BASIL's 2010-2014 articles with their loaded-phrase
spans, for evaluation only. MAGPIE's sentences include those articles' sentences (3,743 of its
7,987 rows), so ``held_out_rows`` turns them into evaluation-only rows: assembly then keeps every
identical ``basil/`` sentence in the test split, and the span check measures sentences the
model has never been trained on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from training.sources.base import Row
from training.sources.tables import jsonl_records, labelled_texts

NAME = "basil"
FILES = ("basil/preprocessed.csv",)
LABELS = {0: 1.0, 1: None, 2: 0.0}
#: The article release with phrase spans (data README: evaluation and development only).
ARTICLES_FILE = "basil_articles/articles.jsonl"
ARTICLES_SOURCE = "basil_articles"


def load(data_dir: Path, weight: float = 1.0) -> Iterator[Row]:
    """Yield the lexical-bias and not-biased sentences with ``bias`` 1/0."""
    for index, text, bias, _ in labelled_texts(Path(data_dir) / FILES[0], "label", LABELS):
        # The preprocessed file keeps no article id, so each sentence is its own group.
        yield Row(text=text, source=NAME, bias=bias, group=f"{NAME}:{index}", weight=weight)


def held_out_rows(data_dir: Path) -> list[Row]:
    """Every title and sentence of ``basil_articles/`` as an unlabelled test row (none without the file).

    They carry no targets: they are never trained on or scored as a test set, and exist so that
    their twins in ``basil/`` (the same sentence, merged by the splits' case-folded text key) land
    in the test split with them.
    """
    path = Path(data_dir) / ARTICLES_FILE
    if not path.is_file():
        return []
    rows = []
    for number, (_, article) in enumerate(jsonl_records(path)):
        # One group per article; named by position, not by path, so splits never depend on where the data is.
        group = f"{ARTICLES_SOURCE}:{number}"
        for text in [article.get("title") or "", *article.get("sentences", [])]:
            if str(text).strip():
                rows.append(Row(text=str(text), source=ARTICLES_SOURCE, group=group, split="test"))
    return rows
