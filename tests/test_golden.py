"""The model check: golden rankings and evaluation floors, on hand-made score functions."""

from __future__ import annotations

import numpy as np

from model.artifact import Manifest
from training.golden import CLICKBAIT_STYLE_NEUTRAL, MINIMAL_PAIRS, model_check, seed_headlines

LOADED = {loaded for _, loaded in MINIMAL_PAIRS}


def _score(clickbait_for, bias_for):
    return lambda texts: np.array([[clickbait_for(t), bias_for(t)] for t in texts])


def _sensible(text: str) -> float:
    return 0.9 if "Shock" in text else 0.1


def test_a_sensible_model_passes_every_check():
    check = model_check(_score(_sensible, lambda t: 0.8 if t in LOADED else 0.2))
    assert check["passed"], check
    assert {c["name"] for c in check["checks"]} == {
        "seed_004_above_wire", "loaded_above_neutral", "clickbait_style_is_not_bias"}


def test_each_check_can_fail():
    flat = model_check(_score(lambda t: 0.5, lambda t: 0.5))
    failed = {c["name"] for c in flat["checks"] if not c["passed"]}
    assert not flat["passed"] and failed == {"seed_004_above_wire", "loaded_above_neutral", "clickbait_style_is_not_bias"}

    # The bias head fires on teasers: loaded beats neutral, but teasers score higher still.
    teasing = model_check(_score(_sensible, lambda t: 0.95 if t in CLICKBAIT_STYLE_NEUTRAL else
                                 (0.6 if t in LOADED else 0.2)))
    assert [c["name"] for c in teasing["checks"] if not c["passed"]] == ["clickbait_style_is_not_bias"]


def test_pair_floor_counts_pairs():
    two_lost = {loaded for _, loaded in MINIMAL_PAIRS[:2]}
    score = _score(_sensible, lambda t: 0.1 if t in two_lost else (0.8 if t in LOADED else 0.2))
    share = 1 - 2 / len(MINIMAL_PAIRS)
    assert model_check(score, pair_floor=share)["passed"]
    check = model_check(score, pair_floor=share + 0.01)
    pairs = next(c for c in check["checks"] if c["name"] == "loaded_above_neutral")
    assert not pairs["passed"] and set(pairs["detail"]["missed"]) == two_lost


def test_floors_read_the_evaluation_summary():
    score = _score(_sensible, lambda t: 0.8 if t in LOADED else 0.2)
    metrics = {"summary": [{"key": "webis_auc", "model": 0.9}, {"key": "babe_auc", "model": None}]}
    check = model_check(score, metrics, {"webis_auc": 0.85})
    assert check["passed"]
    check = model_check(score, metrics, {"webis_auc": 0.95, "babe_auc": 0.5})
    assert [c["name"] for c in check["checks"] if not c["passed"]] == ["floor:webis_auc", "floor:babe_auc"]


def test_seed_headlines_come_from_the_labels():
    sensational, wire = seed_headlines()
    assert any("Shock" in s for s in sensational) and len(wire) >= 5


def test_manifest_reports_the_check():
    manifest = Manifest(version="v1", heads=[], base_model="x", max_length=8)
    assert "not run" in manifest.check_report()
    manifest.check = model_check(_score(lambda t: 0.5, lambda t: 0.5))
    report = manifest.check_report()
    assert "FAILED" in report and "[FAIL] seed_004_above_wire" in report
