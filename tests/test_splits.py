"""Grouped splits: no normalised text (case-folded) ever lands in two splits."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from training.splits import SPLITS, assign_splits, cap_train_rows, connected_groups, text_key

WORDS = ["Quote", "of", "the", "day", "Top", "stories", "You", "won't", "believe", "this"]
texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)
case = st.sampled_from([str, str.lower, str.upper])
rows = st.lists(
    st.tuples(texts, case, st.sampled_from(["webis", "stop_clickbait", "anno_lexical"]),
              st.sampled_from(["", "g1", "g2", "g3"]), st.sampled_from([None, None, "train", "validation", "test"])),
    min_size=1,
    max_size=60,
)


def frame_of(raw) -> pd.DataFrame:
    return pd.DataFrame(
        [{"text": style(text), "source": source, "group": group, "split": split}
         for text, style, source, group, split in raw]
    )


@settings(max_examples=150, deadline=None)
@given(rows, st.integers(0, 2**16))
def test_no_text_and_no_adapter_group_in_two_splits(raw, seed):
    frame = frame_of(raw)
    frame["assigned"] = assign_splits(frame, seed).to_numpy()
    assert set(frame["assigned"]) <= set(SPLITS)
    by_text = frame.groupby(frame["text"].map(text_key))["assigned"].nunique()
    assert (by_text == 1).all()
    grouped = frame[frame["group"] != ""]
    assert (grouped.groupby(["source", "group"])["assigned"].nunique() == 1).all()


@settings(max_examples=100, deadline=None)
@given(rows, st.integers(0, 2**16))
def test_official_splits_hold_and_the_most_held_out_wins(raw, seed):
    frame = frame_of(raw)
    assigned = assign_splits(frame, seed)
    rank = {"train": 0, "validation": 1, "test": 2}
    for split, got in zip(frame["split"], assigned):
        if isinstance(split, str):
            assert rank[got] >= rank[split]


@settings(max_examples=50, deadline=None)
@given(rows, st.integers(0, 2**16))
def test_splits_are_reproducible_for_a_seed(raw, seed):
    frame = frame_of(raw)
    assert assign_splits(frame, seed).tolist() == assign_splits(frame.copy(), seed).tolist()


def test_fractions_are_roughly_respected_on_many_groups():
    frame = pd.DataFrame({"text": [f"headline {i}" for i in range(2000)], "source": "webis", "group": "", "split": None})
    counts = assign_splits(frame, seed=3, validation_fraction=0.1, test_fraction=0.1).value_counts()
    assert 1500 <= counts["train"] <= 1700
    assert 150 <= counts["validation"] <= 250 and 150 <= counts["test"] <= 250


def test_different_seeds_give_different_splits():
    frame = pd.DataFrame({"text": [f"headline {i}" for i in range(500)], "source": "webis", "group": "", "split": None})
    assert assign_splits(frame, 1).tolist() != assign_splits(frame, 2).tolist()


def test_a_text_in_two_sources_is_one_group():
    frame = pd.DataFrame(
        {"text": ["Same Text", "same text", "other"], "source": ["webis", "stop_clickbait", "webis"],
         "group": ["", "", ""], "split": [None, None, None]}
    )
    ids = connected_groups(frame)
    assert ids[0] == ids[1] != ids[2]


def test_capping_drops_only_training_rows_and_is_seeded():
    frame = pd.DataFrame(
        {"source": ["a"] * 10 + ["b"] * 4, "split": ["train"] * 8 + ["test"] * 2 + ["train"] * 4}
    )
    keep = cap_train_rows(frame, {"a": 3}, seed=5)
    assert keep[frame["split"] == "test"].all()
    assert keep[frame["source"] == "b"].all()
    assert keep[(frame["source"] == "a") & (frame["split"] == "train")].sum() == 3
    assert keep.tolist() == cap_train_rows(frame, {"a": 3}, seed=5).tolist()


def test_word_limit_drops_long_training_rows_before_the_cap_samples_the_rest():
    texts = ["one two three four five six"] * 6 + ["one two"] * 6 + ["a long held out row of many words"] * 2
    frame = pd.DataFrame({"text": texts, "source": ["a"] * 14, "split": ["train"] * 12 + ["test"] * 2})
    keep = cap_train_rows(frame, {"a": 4}, seed=5, max_words={"a": 3})
    assert not keep[:6].any()  # six words > 3
    assert keep[6:12].sum() == 4  # the cap samples among the short rows
    assert keep[12:].all()  # held-out rows are never dropped
    assert cap_train_rows(frame, {}, seed=5, max_words={"b": 1}).all()  # another source's limit
