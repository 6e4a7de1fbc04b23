"""The heads the model predicts, their meaning and default decision thresholds.

This module is the single definition of the label schema. Training writes it into
every artifact's manifest; serving refuses artifacts written for another schema.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Bump when heads are added, removed, renamed or reordered.
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Head:
    """One output of the model: a graded score in [0, 1]."""

    name: str
    description: str
    #: What the calibrated score is a probability of.
    meaning: str = ""
    default_threshold: float = 0.5


HEADS: tuple[Head, ...] = (
    Head(
        "clickbait",
        "Clickbait / sensationalism: teasing, withholding or exaggerating to earn a click.",
        "Probability that readers would call the headline clickbait (calibrated to the majority verdict "
        "of five Webis-17 judges).",
    ),
    Head(
        "bias",
        "Bias / loaded framing: subjective, loaded or one-sided wording.",
        "Probability that the wording is loaded or one-sided (calibrated to sentence-level annotations "
        "of loaded language).",
    ),
)

#: Head names in the order of the model's output columns.
HEAD_NAMES: tuple[str, ...] = tuple(head.name for head in HEADS)


def head(name: str) -> Head:
    """Return the head called ``name``, or raise ``KeyError`` naming the known heads."""
    for candidate in HEADS:
        if candidate.name == name:
            return candidate
    raise KeyError(f"unknown head {name!r}; known heads: {', '.join(HEAD_NAMES)}")
