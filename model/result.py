"""``Score``: the one result type of headline-lens, immutable, with one field per head.

Every way in (library, CLI, ``POST /score``, feeds, evaluation) produces ``Score``
objects; JSON is made once, at the edge, by :meth:`Score.to_dict`. The head fields are
generated from ``model.labels.HEADS``, so a new head appears here by itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from model.labels import HEAD_NAMES


@dataclasses.dataclass(frozen=True)
class Span:
    """A word (or, for the bias head, a short phrase) that drives a head's score: ``text[start:end]``
    of the scored (normalised) text."""

    start: int
    end: int
    text: str
    head: str
    #: How much the head's log-odds fall when the word (of a phrase: its strongest word) is removed.
    weight: float
    #: The matching cue of ``model.cues``' taxonomy, if any.
    cue: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The span's JSON shape."""
        return dataclasses.asdict(self)


class ScoreMethods:
    """What every ``Score`` can do; the fields come from ``make_dataclass`` below."""

    def __post_init__(self) -> None:
        # Frozen all the way down: cached results are shared between requests, so nothing may change them.
        object.__setattr__(self, "labels", MappingProxyType(dict(self.labels)))
        if self.spans is not None:
            object.__setattr__(self, "spans", tuple(self.spans))

    def __reduce__(self) -> tuple[Any, ...]:
        # A MappingProxyType cannot be pickled: rebuild from plain values (process pools, Ray).
        return (type(self).from_dict, (self.to_dict(),))

    @property
    def scores(self) -> dict[str, float]:
        """``{head: probability}`` in the model's column order."""
        return {name: getattr(self, name) for name in HEAD_NAMES}

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape shared by the HTTP API, the CLI and feed output (a fresh dict each call)."""
        out: dict[str, Any] = {"text": self.text, **self.scores, "labels": dict(self.labels)}
        out["model_version"] = self.model_version
        if self.spans is not None:
            out["spans"] = [span.to_dict() for span in self.spans]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Any:
        """Rebuild a ``Score`` from its :meth:`to_dict` shape (e.g. a ``POST /score`` answer)."""
        spans = data.get("spans")
        return cls(
            text=data["text"],
            labels=data["labels"],
            model_version=data["model_version"],
            spans=None if spans is None else [Span(**span) for span in spans],
            **{name: float(data[name]) for name in HEAD_NAMES},
        )

    def with_spans(self, spans: Sequence[Span]) -> Any:
        """A copy of this score that carries ``spans``."""
        return dataclasses.replace(self, spans=tuple(spans))


Score = dataclasses.make_dataclass(
    "Score",
    [
        ("text", str),
        *[(name, float) for name in HEAD_NAMES],
        ("labels", Mapping[str, bool]),
        ("model_version", str),
        ("spans", "tuple[Span, ...] | None", dataclasses.field(default=None)),
    ],
    bases=(ScoreMethods,),
    frozen=True,
    namespace={
        "__doc__": "The calibrated scores of one text: ``text``, one float per head, ``labels``, "
        "``model_version`` and, when explained, ``spans``. Immutable."
    },
)
# make_dataclass names its caller's module only from Python 3.12 on; pickling needs it on 3.10 too.
Score.__module__ = __name__
