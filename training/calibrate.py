"""Fit per-head calibration and decision thresholds on validation data (never on test).

The fitted parameters are plain lists/floats for the manifest; ``model.calibration.apply``
is what turns logits into probabilities, in training and in serving alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import f1_score

from model import calibration

#: Thresholds are searched on this grid; (0, 1) exclusive as the manifest requires.
THRESHOLD_GRID = np.round(np.arange(0.02, 0.985, 0.01), 2)


def _bce(probs: np.ndarray, targets: np.ndarray) -> float:
    probs = np.clip(probs, 1e-7, 1 - 1e-7)
    return float(-np.mean(targets * np.log(probs) + (1 - targets) * np.log(1 - probs)))


def fit_temperature(logits: np.ndarray, targets: np.ndarray) -> dict[str, Any]:
    """Temperature scaling: the one scalar T minimising BCE of ``sigmoid(logits / T)``."""
    result = minimize_scalar(
        lambda log_t: _bce(calibration.sigmoid(logits / np.exp(log_t)), targets), bounds=(-3, 3), method="bounded"
    )
    return {"method": "temperature", "temperature": float(np.exp(result.x))}


def fit_platt(logits: np.ndarray, targets: np.ndarray) -> dict[str, Any]:
    """Platt scaling: ``sigmoid(scale * logit + shift)`` fitted by logistic regression.

    Unlike isotonic regression it is strictly increasing, so it keeps the ranking (and the
    occlusion weights of explanations) and can reach both ends of the scale.
    """
    from sklearn.linear_model import LogisticRegression

    labels = (np.asarray(targets, float) >= 0.5).astype(int)
    if labels.min() == labels.max():
        return {"method": "none"}
    # A large C: plain maximum likelihood, as Platt's method is; the data are thousands of rows.
    fitted = LogisticRegression(C=1e4).fit(np.asarray(logits, float).reshape(-1, 1), labels)
    scale = float(fitted.coef_[0, 0])
    if scale <= 0:  # a head that ranks backwards on validation: leave it uncalibrated, not inverted
        return {"method": "none"}
    return {"method": "platt", "scale": scale, "shift": float(fitted.intercept_[0])}


def fit_isotonic(logits: np.ndarray, targets: np.ndarray) -> dict[str, Any]:
    """Isotonic regression from ``sigmoid(logit)`` to the (possibly soft) target."""
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
    iso.fit(calibration.sigmoid(logits), targets)
    return {"method": "isotonic", "x": iso.X_thresholds_.tolist(), "y": iso.y_thresholds_.tolist()}


def fit_calibration(logits: np.ndarray, targets: np.ndarray, method: str) -> dict[str, Any]:
    """A calibration spec for one head (``none``, ``temperature``, ``platt`` or ``isotonic``)."""
    if method not in calibration.METHODS:
        raise ValueError(f"unknown calibration method {method!r}; expected one of {calibration.METHODS}")
    if method == "none" or len(logits) == 0:
        return {"method": "none"}
    if method == "temperature":
        return fit_temperature(np.asarray(logits, float), np.asarray(targets, float))
    if method == "platt":
        return fit_platt(np.asarray(logits, float), np.asarray(targets, float))
    return fit_isotonic(np.asarray(logits, float), np.asarray(targets, float))


def threshold_score(labels: np.ndarray, predicted: np.ndarray, metric: str) -> float:
    """F1 of the positive class (``f1``) or the mean F1 of both classes (``macro_f1``)."""
    if metric == "f1":
        return float(f1_score(labels, predicted, zero_division=0))
    if metric == "macro_f1":
        return float(f1_score(labels, predicted, average="macro", zero_division=0))
    raise ValueError(f"unknown threshold metric {metric!r}; expected f1 or macro_f1")


def tune_threshold(probs: np.ndarray, labels: np.ndarray, metric: str = "f1") -> float:
    """The grid threshold that maximises ``metric``; 0.5 when there is nothing to tune on."""
    labels = np.asarray(labels).astype(int)
    if len(labels) == 0 or labels.min() == labels.max():
        return 0.5
    scores = [threshold_score(labels, (probs >= t).astype(int), metric) for t in THRESHOLD_GRID]
    return float(THRESHOLD_GRID[int(np.argmax(scores))])
