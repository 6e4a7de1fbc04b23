"""Build result dicts (``Score.to_dict()`` shape) for normalised headlines.

One function for every in-process caller (the CLI, the service's batched model call),
so HTTP, CLI and feeds answer in the same shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from model.explain import add_spans
from model.scorer import Scorer


def score_results(scorer: Scorer, normalized: Sequence[str], explain: bool = False) -> list[dict[str, Any]]:
    """One result per text, in order; duplicates are scored once; ``explain`` adds ``spans``."""
    unique = list(dict.fromkeys(normalized))
    by_text = {score.text: score for score in scorer.score_normalized(unique)}
    results = [by_text[text].to_dict() for text in normalized]
    if explain:
        add_spans(results, scorer.probabilities)
    return results
