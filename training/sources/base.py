"""The row every dataset adapter yields, whatever the source's own format."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    """One training or evaluation example.

    ``clickbait`` and ``bias`` are targets in [0, 1], or ``None`` when the source
    says nothing about that head (the loss masks it). ``group`` keeps related rows
    (e.g. identical normalised texts) on the same side of every split. ``split``
    is set when the source ships an official split ("train", "validation", "test").
    ``clickbait_class`` is the binary reader verdict (1.0 or 0.0) where it differs from
    ``clickbait >= 0.5``: Webis-17 trains on the mean rating but calibrates on the class.
    """

    text: str
    source: str
    clickbait: float | None = None
    bias: float | None = None
    group: str = ""
    weight: float = 1.0
    split: str | None = None
    clickbait_class: float | None = None
