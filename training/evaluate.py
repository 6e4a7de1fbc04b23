"""Measure a saved artifact through ``model.Scorer``: the numbers are those of the serving code.

Held-out test rows of every source, BABE's published test split, the seed headlines,
and optionally a second model trained without Stop Clickbait (cross-dataset check).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, mean_squared_error, roc_auc_score

from model.labels import HEAD_NAMES
from training.assemble import Assembled, verdicts

#: ``texts -> (n, heads)`` calibrated probabilities for normalised texts.
ProbabilityFn = Callable[[list[str]], np.ndarray]

CROSS_SOURCE = "stop_clickbait"


@dataclass(frozen=True)
class EvaluationScope:
    """How much held-out data an evaluation scores.

    ``sources`` names the test sets scored (``None``: every one); ``test_rows_per_source``
    caps each one's rows (a seeded sample; ``None`` keeps all); ``extras`` adds the measures
    beyond the test sets' own: Webis-17's rating MSE (a second pass over its validation rows),
    the ABP titles and the BASIL span check (whose word occlusions cost as much as scoring the
    largest test set).
    """

    name: str = "full"
    sources: tuple[str, ...] | None = None
    test_rows_per_source: int | None = None
    extras: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for the report and the manifest."""
        return {**asdict(self), "sources": list(self.sources) if self.sources is not None else None}


#: Every test row, every check: what ``headline-lens evaluate`` and the README's figures use.
FULL = EvaluationScope()
#: A first run's evaluation: what the model check reads and nothing else. The default preset's
#: floors read the Webis-17 and BABE test sets, scored whole; the golden rankings score their
#: own texts. On the default model's checkpoint this took 17.5 s against 56.7 s when it also
#: sampled 2,000 rows of each larger test set and ran the rating and ABP passes (2 cores).
QUICK = EvaluationScope(name="quick", sources=("webis", "babe"), extras=False)


def held_out_rows(assembled: Assembled, scope: EvaluationScope = FULL, seed: int = 0) -> pd.DataFrame:
    """Held-out test rows of the ``scope``'s sources (evaluation-only ones included), capped per ``scope``."""
    test = assembled.split("test", used_only=False)
    # Rows labelled for no head (BASIL's evaluation articles) only hold their twins out of training.
    test = test[test[list(HEAD_NAMES)].notna().any(axis=1)]
    if scope.sources is not None:
        test = test[test["source"].isin(scope.sources)]
    cap = scope.test_rows_per_source
    if cap is None:
        return test
    keep = [rows.index if len(rows) <= cap else rows.sample(n=cap, random_state=seed).index
            for _, rows in test.groupby("source", sort=False)]
    # Input order kept: only which rows, not their order, depends on the cap.
    return test.loc[test.index.isin(np.concatenate(keep))] if keep else test


def expected_calibration_error(probs: np.ndarray, targets: np.ndarray, bins: int = 10) -> float:
    """ECE with equal-width bins: mean |mean prediction - mean target| weighted by bin size.

    Targets may be soft (Webis ``truthMean``), so this measures agreement with the graded score.
    """
    if len(probs) == 0:
        return float("nan")
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(probs, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        in_bin = index == b
        if in_bin.any():
            total += in_bin.sum() * abs(probs[in_bin].mean() - targets[in_bin].mean())
    return float(total / len(probs))


def reliability_bins(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """The reliability diagram as data: per equal-width score bin, mean score, observed rate, count."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(probs, edges[1:-1]), 0, bins - 1)
    return [
        {"bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}", "mean_score": round(float(probs[index == b].mean()), 4),
         "observed": round(float(labels[index == b].mean()), 4), "n": int((index == b).sum())}
        for b in range(bins) if (index == b).any()
    ]


def head_metrics(
    probs: np.ndarray, targets: np.ndarray, threshold: float, labels: np.ndarray | None = None
) -> dict[str, float]:
    """Classification metrics and ECE against the binary ``labels`` (default ``targets >= 0.5``).

    ``mse`` compares the score with the (possibly soft) target as it is; for Webis-17 see
    ``rating_mse`` in ``evaluate_scorer``, which first maps the score to the mean rating.
    """
    labels = ((targets >= 0.5) if labels is None else labels).astype(int)
    predicted = (probs >= threshold).astype(int)
    both_classes = 0 < labels.sum() < len(labels)
    return {
        "n": int(len(targets)),
        "positives": int(labels.sum()),
        "mse": float(mean_squared_error(targets, probs)),
        "accuracy": float(accuracy_score(labels, predicted)),
        "f1": float(f1_score(labels, predicted, zero_division=0)),
        "macro_f1": float(f1_score(labels, predicted, average="macro", zero_division=0)),
        "roc_auc": float(roc_auc_score(labels, probs)) if both_classes else float("nan"),
        "ece": expected_calibration_error(probs, labels.astype(float)),
    }


def per_source_metrics(
    frame: pd.DataFrame, probs: np.ndarray, thresholds: dict[str, float]
) -> dict[str, dict[str, dict[str, float]]]:
    """``{source: {head: metrics}}`` over the rows of ``frame`` labelled for each head."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for source in sorted(frame["source"].unique()):
        in_source = (frame["source"] == source).to_numpy()
        for j, head in enumerate(HEAD_NAMES):
            labelled = in_source & frame[head].notna().to_numpy()
            if labelled.sum():
                targets = frame[head].to_numpy(dtype=float)[labelled]
                labels = verdicts(frame, head)[labelled]
                out.setdefault(source, {})[head] = head_metrics(probs[labelled, j], targets, thresholds[head], labels)
    return out


def seed_checks(score_raw: Callable[[list[str]], np.ndarray]) -> dict[str, Any]:
    """The golden seed checks: the sensational headline of seed 004, and every wire-style seed headline.

    Seed 004's bias is recorded too: its label is 0.2 (emotive, not politically slanted), so a
    bias flag there is clickbait style read as loaded framing.
    """
    from training.golden import seed_headlines

    sensational, wire = seed_headlines()
    sensational_raw = score_raw(sensational) if sensational else np.zeros((0, len(HEAD_NAMES)))
    sensational_scores = sensational_raw[:, 0]
    sensational_bias = sensational_raw[:, HEAD_NAMES.index("bias")]
    wire_scores = score_raw(wire)[:, 0] if wire else np.zeros(0)
    return {
        "sensational": dict(zip(sensational, sensational_scores.round(4).tolist())),
        "sensational_min_clickbait": float(sensational_scores.min()) if len(sensational_scores) else float("nan"),
        "sensational_max_bias": float(sensational_bias.max()) if len(sensational_bias) else float("nan"),
        "wire": dict(zip(wire, wire_scores.round(4).tolist())),
        "wire_max_clickbait": float(wire_scores.max()) if len(wire_scores) else float("nan"),
    }


def cross_accuracy(probs: ProbabilityFn, threshold: float, assembled: Assembled) -> dict[str, float]:
    """Clickbait accuracy on Stop Clickbait's held-out rows of a model that never saw Stop Clickbait."""
    rows = assembled.split("test", used_only=False)
    rows = rows[(rows["source"] == CROSS_SOURCE) & rows["clickbait"].notna()]
    if rows.empty:
        return {"n": 0, "accuracy": float("nan")}
    predicted = probs(rows["text"].tolist())[:, 0] >= threshold
    return {"n": int(len(rows)), "accuracy": float(accuracy_score(rows["clickbait"] >= 0.5, predicted))}


def scorer_raw(scorer) -> Callable[[list[str]], np.ndarray]:
    """Score raw texts the way users do: ``Scorer.score`` normalises them first."""
    return lambda texts: np.array(
        [[getattr(s, head) for head in HEAD_NAMES] for s in scorer.score(list(texts))]
    ).reshape(-1, len(HEAD_NAMES))


RATING_SOURCE = "webis"


def _calibration_rows(frame: pd.DataFrame, head: str, manifest) -> np.ndarray:
    """Rows labelled for ``head`` from the sources its calibration was fitted on (all when unrecorded)."""
    sources = manifest.training.get("config", {}).get("calibrate_on", {}).get(head) or frame["source"].unique()
    return (frame[head].notna() & frame["source"].isin(sources) & ~frame["source"].isin(["babe"])).to_numpy()


def rating_mse(scorer, assembled: Assembled, test: pd.DataFrame, test_probs: np.ndarray) -> float | None:
    """MSE against Webis-17's mean rating, after an isotonic map from score to rating fitted on validation.

    The clickbait score is a probability of the readers' verdict, not their mean rating; this
    measures how much of the graded rating the score still carries (the notes' MSE figures).
    """
    from sklearn.isotonic import IsotonicRegression

    validation = assembled.split("validation")
    validation = validation[(validation["source"] == RATING_SOURCE) & validation["clickbait"].notna()]
    on_test = ((test["source"] == RATING_SOURCE) & test["clickbait"].notna()).to_numpy()
    if validation.empty or not on_test.any():
        return None
    column = HEAD_NAMES.index("clickbait")
    mapping = IsotonicRegression(out_of_bounds="clip").fit(
        scorer.probabilities(validation["text"].tolist())[:, column], validation["clickbait"].to_numpy(float)
    )
    rated = mapping.predict(test_probs[on_test, column])
    return float(mean_squared_error(test["clickbait"].to_numpy(float)[on_test], rated))


def evaluate_scorer(
    scorer, assembled: Assembled, cross_scorer=None, test: pd.DataFrame | None = None, rating: bool = True
) -> tuple[dict[str, Any], np.ndarray]:
    """All metrics of a served model on held-out rows (``test``, default every test row), and its test scores.

    ``rating`` adds Webis-17's rating MSE, which scores Webis-17's validation rows too.
    """
    test = held_out_rows(assembled) if test is None else test
    probs = scorer.probabilities(test["text"].tolist())
    thresholds = scorer.manifest.thresholds
    result: dict[str, Any] = {
        "thresholds": thresholds,
        "test": per_source_metrics(test, probs, thresholds),
        "seeds": seed_checks(scorer_raw(scorer)),
        "reliability": {
            head: reliability_bins(probs[known, j], verdicts(test, head)[known])
            for j, head in enumerate(HEAD_NAMES)
            if (known := _calibration_rows(test, head, scorer.manifest)).any()
        },
    }
    mse = rating_mse(scorer, assembled, test, probs) if rating else None
    if mse is not None:
        result["test"][RATING_SOURCE]["clickbait"]["rating_mse"] = mse
    if cross_scorer is not None:
        result["cross_dataset"] = {
            "model": cross_scorer.version,
            "trained_on": cross_scorer.manifest.data.get("sources", []),
            **cross_accuracy(cross_scorer.probabilities, cross_scorer.manifest.thresholds["clickbait"], assembled),
        }
    return result, probs
