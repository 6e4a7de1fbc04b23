"""Evaluation metrics and the printed table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from training.assemble import Assembled
from training.evaluate import (
    FULL,
    QUICK,
    EvaluationScope,
    expected_calibration_error,
    head_metrics,
    held_out_rows,
    per_source_metrics,
    seed_checks,
)
from training.report import format_table, summary


def test_ece_is_zero_when_bins_match_their_targets_and_grows_with_miscalibration():
    probs = np.array([0.1] * 10 + [0.9] * 10)
    targets = np.array([0.1] * 10 + [0.9] * 10)
    assert expected_calibration_error(probs, targets) == pytest.approx(0.0)
    assert expected_calibration_error(probs, 1 - targets) == pytest.approx(0.8)


def test_head_metrics_against_soft_targets():
    probs = np.array([0.9, 0.2, 0.6, 0.1])
    targets = np.array([1.0, 0.4, 0.4, 0.0])
    metrics = head_metrics(probs, targets, threshold=0.5)
    assert metrics["mse"] == pytest.approx(np.mean((probs - targets) ** 2))
    assert metrics["accuracy"] == 0.75  # 0.6 vs 0.4 is the one mistake
    assert metrics["positives"] == 1 and metrics["roc_auc"] == 1.0


def test_per_source_metrics_skip_unlabelled_heads():
    frame = pd.DataFrame(
        {"source": ["a", "a", "b", "b"], "clickbait": [1.0, 0.0, np.nan, np.nan], "bias": [np.nan, np.nan, 1.0, 0.0]}
    )
    probs = np.array([[0.8, 0.5], [0.1, 0.5], [0.5, 0.7], [0.5, 0.2]])
    result = per_source_metrics(frame, probs, {"clickbait": 0.5, "bias": 0.5})
    assert set(result["a"]) == {"clickbait"} and set(result["b"]) == {"bias"}
    assert result["b"]["bias"]["macro_f1"] == 1.0


def test_seed_checks_use_the_labelled_seed_headlines():
    checks = seed_checks(lambda texts: np.array([[0.9 if "Shock" in t else 0.1, 0.6 if "Shock" in t else 0.0]
                                                 for t in texts]))
    assert checks["sensational_min_clickbait"] == pytest.approx(0.9)
    assert checks["sensational_max_bias"] == pytest.approx(0.6)  # seed 004's bias, not a wire headline's
    assert checks["wire_max_clickbait"] == pytest.approx(0.1)
    assert len(checks["wire"]) >= 5


def test_table_marks_goals_and_missing_values():
    model = {"test": {"webis": {"clickbait": {"rating_mse": 0.03, "f1": 0.8, "ece": 0.01}}}, "seeds": {}}
    rows = summary(model, baseline=None)
    by_key = {row["key"]: row for row in rows}
    assert by_key["webis_mse"]["met"] is False and by_key["webis_f1"]["met"] is True
    assert by_key["cross_accuracy"]["model"] is None and by_key["cross_accuracy"]["met"] is None
    table = format_table(rows)
    assert "| Webis-17 test: MSE vs mean rating (score mapped to rating) | <= 0.026 | 0.0300 | n/a | NO |" in table


def _assembled(sizes: dict[str, int]) -> Assembled:
    rows = [{"source": source, "text": f"{source} {i}", "split": split, "use": True, "clickbait": 0.0, "bias": None}
            for source, n in sizes.items() for split in ("train", "test") for i in range(n)]
    return Assembled(frame=pd.DataFrame(rows).sample(frac=1.0, random_state=1))


def test_held_out_rows_cap_large_test_sets_and_keep_small_ones_whole():
    assembled = _assembled({"webis": 30, "anno_lexical": 120, "babe": 5})
    everything = held_out_rows(assembled, FULL)
    assert len(everything) == 155 and (everything["split"] == "test").all()
    capped = held_out_rows(assembled, EvaluationScope(name="quick", test_rows_per_source=40, extras=False))
    assert capped["source"].value_counts().to_dict() == {"anno_lexical": 40, "webis": 30, "babe": 5}
    # A subset in the original order, and the same subset every time.
    assert list(capped.index) == [i for i in everything.index if i in set(capped.index)]
    assert capped.equals(held_out_rows(assembled, EvaluationScope(name="quick", test_rows_per_source=40)))



def test_test_rows_labelled_for_no_head_are_not_scored():
    assembled = _assembled({"webis": 30, "basil_articles": 20})
    assembled.frame.loc[assembled.frame["source"] == "basil_articles", "clickbait"] = None
    assert set(held_out_rows(assembled, FULL)["source"]) == {"webis"}


def test_a_scope_scores_only_its_sources():
    assembled = _assembled({"webis": 30, "anno_lexical": 120, "babe": 5})
    chosen = held_out_rows(assembled, EvaluationScope(name="some", sources=("babe", "webis")))
    assert chosen["source"].value_counts().to_dict() == {"webis": 30, "babe": 5}


def test_the_quick_scope_measures_every_floor_of_the_default_preset():
    # A floor the quick evaluation left unmeasured would fail every first run's model check.
    from training.report import ROWS
    from training.train_config import build_config

    paths = {key: path for key, *_, path in ROWS}
    floors = build_config("default", []).floors
    assert floors
    for key in floors:
        kind, source, _head, metric = paths[key]
        assert kind == "test" and source in QUICK.sources and metric != "rating_mse", key
