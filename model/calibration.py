"""Map raw head logits to calibrated probabilities, with plain numpy.

Training fits the parameters on validation data; the manifest carries them, so
serving applies exactly what evaluation measured.
"""

from __future__ import annotations

from typing import Any

import numpy as np

METHODS = ("none", "temperature", "platt", "isotonic")


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))))


def validate(spec: dict[str, Any]) -> None:
    """Raise ``ValueError`` if a calibration spec is not usable."""
    method = spec.get("method")
    if method not in METHODS:
        raise ValueError(f"unknown calibration method {method!r}; expected one of {METHODS}")
    if method == "temperature" and not float(spec.get("temperature", 0)) > 0:
        raise ValueError("temperature calibration needs a positive 'temperature'")
    if method == "platt" and not (float(spec.get("scale", 0)) > 0 and np.isfinite(float(spec.get("shift", np.nan)))):
        raise ValueError("platt calibration needs a positive 'scale' and a finite 'shift'")
    if method == "isotonic":
        x, y = spec.get("x"), spec.get("y")
        if not x or not y or len(x) != len(y):
            raise ValueError("isotonic calibration needs equal-length, non-empty 'x' and 'y'")
        if any(b < a for a, b in zip(x, x[1:])):
            raise ValueError("isotonic calibration 'x' must be non-decreasing")


def apply(logits: np.ndarray, spec: dict[str, Any]) -> np.ndarray:
    """Turn logits of one head into calibrated probabilities in [0, 1]."""
    method = spec.get("method", "none")
    if method == "temperature":
        probs = sigmoid(np.asarray(logits) / float(spec["temperature"]))
    elif method == "platt":
        probs = sigmoid(float(spec["scale"]) * np.asarray(logits) + float(spec["shift"]))
    elif method == "isotonic":
        probs = np.interp(sigmoid(logits), spec["x"], spec["y"])
    else:
        probs = sigmoid(logits)
    return np.clip(probs, 0.0, 1.0)
