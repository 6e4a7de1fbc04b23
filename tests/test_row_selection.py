"""Row selection: the easiest rows by an out-of-fold TF-IDF model, and where assembly applies it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from training.assemble import assemble_rows
from training.row_selection import easiest_rows
from training.sources.base import Row
from training.splits import cap_train_rows
from training.train_config import TrainConfig

#: Twenty sentences each way that a word settles ("outrageous" is loaded, "said" is reporting),
#: and ten each way where the labels do not follow the words (the same vocabulary in both classes).
CLEAR = [f"outrageous scheme number {i} by the senator" for i in range(20)] + \
        [f"the senator said on day {i} that the bill passed" for i in range(20)]
MIXED = [f"committee meeting {i} on the budget" for i in range(20)]
TEXTS = CLEAR + MIXED
LABELS = np.array([1.0] * 20 + [0.0] * 20 + [1.0, 0.0] * 10)[:, None]


def test_the_rows_a_word_settles_are_dropped_first_and_exactly_the_share():
    drop = easiest_rows(TEXTS, LABELS, share=0.5, seed=3)
    assert drop[:40].sum() == 30 and not drop[40:].any()
    assert drop.tolist() == easiest_rows(TEXTS, LABELS, share=0.5, seed=3).tolist()


def test_unlabelled_rows_and_single_class_heads_are_never_judged():
    labels = np.column_stack([LABELS[:, 0], np.zeros(len(TEXTS))])  # the second head has one class
    labels[:10, 0] = np.nan
    drop = easiest_rows(TEXTS, labels, share=1.0, seed=3)
    assert not drop[:10].any() and drop[10:].all()
    assert not easiest_rows(TEXTS, LABELS, share=0.0, seed=3).any()


def test_left_out_rows_are_never_sampled_and_held_out_rows_never_left_out():
    frame = pd.DataFrame({"text": list("abcdefgh"), "source": ["a"] * 8, "split": ["train"] * 6 + ["test"] * 2})
    left_out = np.array([True, True, False, False, False, False, True, True])
    keep = cap_train_rows(frame, {"a": 3}, seed=5, left_out=left_out)
    assert not keep[:2].any() and keep[2:6].sum() == 3 and keep[6:].all()


def test_assembly_drops_the_configured_share_before_the_cap_and_records_it():
    rows = [Row(text, "anno_lexical", bias=float(label), group=f"g{i}") for i, (text, label) in
            enumerate(zip(TEXTS, LABELS[:, 0]))]
    config = TrainConfig(seed=2, validation_fraction=0.0, test_fraction=0.0, drop_easiest={"anno_lexical": 0.5},
                         max_train_rows={"anno_lexical": 20})
    assembled = assemble_rows(rows, config)
    kept = assembled.training_rows()
    assert len(kept) == 20
    assert kept["text"].isin(MIXED).sum() > kept["text"].isin(CLEAR).sum()
    assert assembled.info["drop_easiest"] == {"anno_lexical": 0.5}
    plain = assemble_rows(rows, TrainConfig(seed=2, validation_fraction=0.0, test_fraction=0.0))
    assert len(plain.training_rows()) == 60 and plain.info["drop_easiest"] == {}


@pytest.mark.parametrize("share", [1.0, -0.1, "half"])
def test_a_share_outside_zero_to_one_is_refused_when_the_config_is_built(share):
    with pytest.raises(ValueError, match="drop_easiest.anno_lexical"):
        TrainConfig(drop_easiest={"anno_lexical": share})
