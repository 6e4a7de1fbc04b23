"""An in-memory LRU cache of scores, keyed by model version and normalised text.

Keys include the model version so a new model never answers with an old model's
scores. Values are immutable ``model.Score`` objects without spans, shared as they are.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict

from model.result import Score


class ScoreCache:
    """Least-recently-used cache; ``size == 0`` disables it. Thread-safe."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, str], Score] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, version: str, text: str) -> Score | None:
        """The cached score, or ``None``."""
        key = (version, text)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        return entry

    def put(self, version: str, score: Score) -> None:
        """Store a score (without its spans: those depend on the request's ``explain``)."""
        if self.size <= 0:
            return
        key = (version, score.text)
        entry = score if score.spans is None else dataclasses.replace(score, spans=None)
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
