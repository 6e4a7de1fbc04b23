"""An in-memory LRU cache of score results, keyed by model version and normalised text.

Keys include the model version so a new model never answers with an old model's
scores. Values are result dicts without spans; callers get copies.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class ScoreCache:
    """Least-recently-used cache; ``size == 0`` disables it. Thread-safe."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, version: str, text: str) -> dict[str, Any] | None:
        """A copy of the cached result, or ``None``."""
        key = (version, text)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
        return {**entry, "labels": dict(entry["labels"])}

    def put(self, version: str, text: str, result: dict[str, Any]) -> None:
        """Store a result (its spans, if any, are not kept)."""
        if self.size <= 0:
            return
        entry = {k: v for k, v in result.items() if k != "spans"}
        entry["labels"] = dict(entry["labels"])
        with self._lock:
            self._entries[(version, text)] = entry
            self._entries.move_to_end((version, text))
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
