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
    default_threshold: float = 0.5


HEADS: tuple[Head, ...] = (
    Head(
        "clickbait",
        "Clickbait / sensationalism: teasing, withholding or exaggerating to earn a click.",
    ),
    Head(
        "bias",
        "Bias / loaded framing: subjective, loaded or one-sided wording.",
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
