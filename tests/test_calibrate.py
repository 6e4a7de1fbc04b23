"""Calibration and threshold fitting on validation scores."""

from __future__ import annotations

import numpy as np
import pytest

from model import calibration
from training.calibrate import fit_calibration, tune_threshold


def _overconfident(n: int = 4000, temperature: float = 3.0, seed: int = 0):
    """Logits whose true probability is sigmoid(logit / temperature)."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 4, n)
    labels = (rng.uniform(size=n) < calibration.sigmoid(logits / temperature)).astype(float)
    return logits, labels


def test_temperature_scaling_recovers_the_temperature():
    logits, labels = _overconfident(temperature=3.0)
    spec = fit_calibration(logits, labels, "temperature")
    calibration.validate(spec)
    assert spec["temperature"] == pytest.approx(3.0, rel=0.15)


def test_isotonic_spec_is_valid_monotone_and_lowers_the_error():
    logits, labels = _overconfident()
    spec = fit_calibration(logits, labels, "isotonic")
    calibration.validate(spec)
    probs = calibration.apply(logits, spec)
    assert np.all(np.diff(calibration.apply(np.sort(logits), spec)) >= -1e-12)
    raw_brier = np.mean((calibration.sigmoid(logits) - labels) ** 2)
    assert np.mean((probs - labels) ** 2) < raw_brier


def test_isotonic_accepts_soft_targets():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=500)
    soft = np.clip(calibration.sigmoid(logits) * 0.6 + 0.1, 0, 1)
    spec = fit_calibration(logits, soft, "isotonic")
    assert np.abs(calibration.apply(logits, spec) - soft).max() < 0.05


def test_none_and_unknown_methods():
    assert fit_calibration(np.zeros(3), np.zeros(3), "none") == {"method": "none"}
    with pytest.raises(ValueError, match="sigmoid"):
        fit_calibration(np.zeros(3), np.zeros(3), "sigmoid")


def test_platt_scaling_recovers_scale_and_shift_and_reaches_the_extremes():
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 3, 20000)
    labels = (rng.uniform(size=logits.size) < calibration.sigmoid(0.5 * logits - 1.0)).astype(float)
    spec = fit_calibration(logits, labels, "platt")
    calibration.validate(spec)
    assert spec["scale"] == pytest.approx(0.5, rel=0.1)
    assert spec["shift"] == pytest.approx(-1.0, abs=0.1)
    probs = calibration.apply(np.array([-20.0, 0.0, 20.0]), spec)
    assert probs[0] < 0.01 and probs[2] > 0.99
    assert np.all(np.diff(calibration.apply(np.sort(logits), spec)) > 0)  # strictly increasing: ranking kept


def test_platt_refuses_to_invert_a_head_that_ranks_backwards():
    logits = np.linspace(-3, 3, 200)
    assert fit_calibration(logits, (logits < 0).astype(float), "platt") == {"method": "none"}


def test_threshold_maximises_f1_on_a_separable_case():
    probs = np.array([0.1, 0.2, 0.3, 0.35, 0.7, 0.8])
    labels = np.array([0, 0, 0, 1, 1, 1])
    threshold = tune_threshold(probs, labels, "f1")
    assert 0.3 < threshold <= 0.35


def test_macro_f1_threshold_differs_from_f1_when_positives_are_rare():
    rng = np.random.default_rng(2)
    labels = (rng.uniform(size=2000) < 0.1).astype(int)
    probs = np.where(labels == 1, rng.uniform(0.3, 1.0, 2000), rng.beta(2, 5, 2000))
    f1_t, macro_t = tune_threshold(probs, labels, "f1"), tune_threshold(probs, labels, "macro_f1")
    assert 0 < f1_t < 1 and 0 < macro_t < 1
    assert f1_t != macro_t


def test_threshold_defaults_to_one_half_without_both_classes():
    assert tune_threshold(np.array([0.2, 0.9]), np.array([1, 1])) == 0.5
    assert tune_threshold(np.array([]), np.array([])) == 0.5


def test_heads_fitted_on_the_calibration_rows_alone_match_those_fitted_on_all_validation_rows():
    import pandas as pd

    from training.pipeline import calibration_rows, fit_heads
    from training.train_config import TrainConfig

    rng = np.random.default_rng(3)
    n = 300
    source = rng.choice(["webis", "stop_clickbait", "anno_lexical"], n)
    validation = pd.DataFrame({
        "source": source,
        "clickbait": np.where(source == "anno_lexical", np.nan, rng.uniform(0, 1, n)),
        "bias": np.where(source == "anno_lexical", rng.integers(0, 2, n).astype(float), np.nan),
        "eval_only": False,
    })
    logits = rng.normal(size=(n, 2)) + validation[["clickbait", "bias"]].fillna(0.5).to_numpy() * 2
    config = TrainConfig()
    used = calibration_rows(validation, config)
    assert set(used["source"]) == {"webis", "anno_lexical"}  # clickbait calibrates on Webis only
    positions = validation.index.get_indexer(used.index)
    assert fit_heads(logits[positions], used, config) == fit_heads(logits, validation, config)
