import numpy as np
import pandas as pd

from training.augment import JOINERS, SOURCE, composite_rows, framed_rows, with_composites, with_configured_composites
from training.train_config import TrainConfig


def _train(n: int = 20) -> pd.DataFrame:
    teases = [f"You Won't Believe What Happened To Number {i}" for i in range(n)]
    plains = [f"Council approves budget item {i}" for i in range(2 * n)]
    return pd.DataFrame(
        {
            "text": teases + plains,
            "source": "webis",
            "clickbait": [0.9] * n + [0.1] * (2 * n),
            "bias": np.nan,
            "weight": 1.0,
            "group": [f"g{i}" for i in range(3 * n)],
            "split": "train",
            "use": True,
            "eval_only": False,
        }
    )


def test_tease_composites_keep_the_tease_score_and_plain_ones_stay_low():
    rows = composite_rows(_train(), count=10, seed=0, weight=0.5)
    assert len(rows) == 20 and set(rows["source"]) == {SOURCE} and set(rows["split"]) == {"train"}
    teases, plains = rows.iloc[:10], rows.iloc[10:]
    assert all("Believe" in t and "Council" in t for t in teases["text"])
    assert (teases["clickbait"] == 0.9).all() and (plains["clickbait"] == 0.1).all()
    assert plains["text"].str.contains("Believe").sum() == 0
    assert rows["bias"].isna().all() and (rows["weight"] == 0.5).all()


def test_composites_are_built_only_from_the_rows_given():
    train = _train()
    rows = composite_rows(train, count=10, seed=1, weight=0.5)
    pieces = set(train["text"])
    for text in rows["text"]:
        assert any(text.startswith(p) for p in pieces) and any(text.endswith(p) for p in pieces)


def test_zero_count_changes_nothing_and_count_is_capped():
    train = _train(3)
    assert with_composites(train, 0, 0, 0.5) is train
    assert len(composite_rows(train, count=100, seed=0, weight=0.5)) == 6


def test_an_auxiliary_target_can_mark_only_the_tease_composites():
    from model.labels import HEAD_NAMES
    from training.train import targets_and_weights

    rows = composite_rows(_train(), count=10, seed=0, weight=0.5)
    targets, weights = targets_and_weights(rows, {f"{SOURCE}:clickbait": {"bias": 0.0}}, 0.2)
    bias = HEAD_NAMES.index("bias")
    teases = rows["clickbait"].to_numpy() >= 0.5
    assert teases.sum() == 10
    assert (weights[teases, bias] == 0.2).all() and (targets[teases, bias] == 0.0).all()
    assert (weights[~teases, bias] == 0.0).all()  # plain + plain: no bias target either way


def _with_sentences(train: pd.DataFrame) -> pd.DataFrame:
    sentences = pd.DataFrame({
        "text": [f"The senator slammed the reckless plan {i}." for i in range(5)]
        + [f"The senate passed the bill {i}." for i in range(5)]
        + ["A very long sentence " + "word " * 30 + "that no headline would have."],
        "source": "anno_lexical", "clickbait": np.nan, "bias": [1.0] * 5 + [0.0] * 5 + [1.0],
        "weight": 1.0, "group": [f"s{i}" for i in range(11)], "split": "train", "use": True, "eval_only": False,
    })
    return pd.concat([train, sentences], ignore_index=True)


def test_framed_composites_keep_the_sentence_bias_and_the_tease_score():
    train = _with_sentences(_train())
    rows = framed_rows(train, count=100, seed=0, weight=0.5)
    assert len(rows) == 10  # the 11th sentence is longer than any headline
    by_text = dict(zip(train["text"].str.rstrip("."), train["bias"]))
    for text, bias, clickbait in zip(rows["text"], rows["bias"], rows["clickbait"]):
        lead = next(t for t in by_text if text.startswith(t))
        assert bias == by_text[lead] and clickbait == 0.9 and "Believe" in text
        assert not any(text.startswith(lead + "." + j) for j in JOINERS)  # no full stop before the joiner
    assert sorted(rows["bias"]) == [0.0] * 5 + [1.0] * 5 and set(rows["source"]) == {SOURCE}


def test_framed_composites_can_leave_the_clickbait_head_alone():
    train = _with_sentences(_train())
    labelled = framed_rows(train, count=100, seed=0, weight=0.5)
    bias_only = framed_rows(train, count=100, seed=0, weight=0.5, label_clickbait=False)
    assert bias_only["clickbait"].isna().all() and labelled["clickbait"].notna().all()
    pd.testing.assert_frame_equal(bias_only.drop(columns="clickbait"), labelled.drop(columns="clickbait"))
    config = TrainConfig(composite_framed_rows=100, seed=0, composite_weight=0.5, composite_framed_clickbait=False)
    added = with_configured_composites(train, config).iloc[len(train):]
    assert len(added) == len(bias_only) and added["clickbait"].isna().all()


def test_framed_composites_can_join_plain_headlines_instead_of_teases():
    train = _with_sentences(_train())
    rows = framed_rows(train, count=100, seed=0, weight=0.5, partner="plain")
    assert len(rows) == 10 and (rows["clickbait"] == 0.1).all()
    assert rows["text"].str.contains("Council").all() and not rows["text"].str.contains("Believe").any()
    assert sorted(rows["bias"]) == [0.0] * 5 + [1.0] * 5
    config = TrainConfig(composite_framed_rows=100, seed=0, composite_weight=0.5, composite_framed_partner="plain")
    pd.testing.assert_frame_equal(with_configured_composites(train, config).iloc[len(train):].reset_index(drop=True),
                                  rows.reset_index(drop=True), check_dtype=False)


def test_framed_composites_are_added_after_the_plain_ones_without_changing_them():
    train = _with_sentences(_train())
    plain_only = with_composites(train, 10, 0, 0.5)
    both = with_composites(train, 10, 0, 0.5, framed=4)
    assert len(both) == len(plain_only) + 4
    pd.testing.assert_frame_equal(both.iloc[: len(plain_only)], plain_only)


def test_framed_composites_frame_longer_sentences_when_allowed():
    train = _with_sentences(_train())
    longest = max(len(t.split()) for t in train["text"][train["bias"].notna()])
    assert len(with_composites(train, 0, 0, 0.5, framed=100)) == len(train) + 10
    framed = with_composites(train, 0, 0, 0.5, framed=100, framed_max_words=longest)
    assert len(framed) == len(train) + 11


def test_the_configured_composites_follow_the_train_config():
    train = _with_sentences(_train())
    config = TrainConfig(composite_rows=10, seed=0, composite_weight=0.5, composite_framed_rows=100,
                         composite_framed_max_words=40)
    expected = with_composites(train, 10, 0, 0.5, framed=100, framed_max_words=40)
    pd.testing.assert_frame_equal(with_configured_composites(train, config), expected)
    assert len(expected) == len(train) + 20 + 11
