"""Admission control for model calls: a bounded pool that answers 503 when it is full.

Every text runs through the graph as its own row (see ``model.scorer``), so merging
requests into shared batches buys nothing; what the service needs is a bound on the work
it has accepted. ``ScoringPool`` admits a request's texts while fewer than
``max_queued`` texts are waiting or running, runs at most ``concurrency`` model calls at
a time in worker threads, and refuses the rest at once with BentoML's
``ServiceUnavailable`` (HTTP 503), so an overloaded service answers quickly instead of
letting requests time out. Measured against BentoML's adaptive batcher in
``benchmarks/bench_admission.py`` (``reports/admission.json``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import anyio
from bentoml.exceptions import ServiceUnavailable

Result = TypeVar("Result")


class ScoringPool:
    """``await pool(texts)`` runs ``score(texts)`` in a worker thread, or raises 503 when full."""

    def __init__(self, score: Callable[[list[str]], Sequence[Result]], max_queued: int, concurrency: int) -> None:
        if max_queued < 1 or concurrency < 1:
            raise ValueError("max_queued and concurrency must be at least 1")
        self._score = score
        self.max_queued = max_queued
        self._limiter = anyio.CapacityLimiter(concurrency)
        self._admitted = 0  # only touched on the event loop: no lock needed

    @property
    def admitted(self) -> int:
        """Texts accepted and not yet answered."""
        return self._admitted

    async def __call__(self, texts: list[str]) -> list[Result]:
        if not texts:
            return []
        # A request larger than the whole bound is admitted when the pool is idle, so that
        # a legal request is never refused on an empty service.
        if self._admitted and self._admitted + len(texts) > self.max_queued:
            raise ServiceUnavailable(
                f"the scorer is overloaded ({self._admitted} headlines queued); retry later"
            )
        self._admitted += len(texts)
        try:
            return list(await anyio.to_thread.run_sync(self._score, texts, limiter=self._limiter))
        finally:
            self._admitted -= len(texts)

    def shutdown(self) -> None:
        """Nothing to cancel: every admitted request holds its own work."""
