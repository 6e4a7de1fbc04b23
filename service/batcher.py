"""Merge concurrent ``/score`` requests into shared model calls, without holding any request.

One worker runs one model call at a time. Texts that arrive while it is busy queue up, and
the next call takes all of them (up to ``max_batch_size``): under load the calls grow by
themselves, and a lone request goes to the model at once. Nothing waits to fill a batch.

Why not BentoML's adaptive batcher (the ``CorkDispatcher`` behind ``batchable=True``,
used here until it was measured on this pattern): it holds a request for the mean wait it
has observed, and the held requests' waits feed that mean, so after a burst a lone
headline kept waiting ~88 ms instead of ~7 ms (``benchmarks/bench_admission.py``,
``reports/admission.json``). This batcher uses public asyncio/anyio APIs only.

Overload: a text whose estimated wait (texts ahead of it times the measured seconds per
text) passes ``max_latency_ms`` is refused at once with a 503, and a queued text that has
waited longer than that is shed with a 503 rather than run late.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
from bentoml.exceptions import ServiceUnavailable

OVERLOADED = "the scorer is overloaded; retry later"
#: Weight of the newest call in the running seconds-per-text estimate.
SMOOTHING = 0.2


@dataclass
class _Queued:
    text: str
    future: asyncio.Future
    enqueued: float = field(default_factory=time.monotonic)


class Batcher:
    """``await batcher(texts)`` scores texts, sharing model calls with other requests' texts.

    ``score_texts`` is a blocking function from a list of texts to one result per text; it
    runs in a worker thread, one call at a time.
    """

    def __init__(self, score_texts: Callable[[list[str]], list[Any]], max_latency_ms: int, max_batch_size: int):
        self._score_texts = score_texts
        self._max_wait = max_latency_ms / 1000
        self._max_batch = max_batch_size
        self._queue: deque[_Queued] = deque()
        self._in_flight = 0
        self._seconds_per_text = 0.0  # unknown until the first call: admit
        self._wake: asyncio.Event | None = None
        self._worker: asyncio.Task | None = None

    async def __call__(self, texts: list[str]) -> list[Any]:
        if not texts:
            return []
        ahead = len(self._queue) + self._in_flight + len(texts)
        if ahead * self._seconds_per_text > self._max_wait:
            raise ServiceUnavailable(OVERLOADED)
        loop = asyncio.get_running_loop()
        if self._worker is None or self._worker.done():
            self._wake = asyncio.Event()
            self._worker = loop.create_task(self._work())
        queued = [_Queued(text, loop.create_future()) for text in texts]
        self._queue.extend(queued)
        self._wake.set()
        return list(await asyncio.gather(*(item.future for item in queued)))

    def _take_batch(self) -> list[_Queued]:
        """Up to ``max_batch_size`` live queued texts; those that waited too long are shed."""
        batch: list[_Queued] = []
        now = time.monotonic()
        while self._queue and len(batch) < self._max_batch:
            item = self._queue.popleft()
            if item.future.done():  # the request was cancelled (client gone)
                continue
            if now - item.enqueued > self._max_wait:
                item.future.set_exception(ServiceUnavailable(OVERLOADED))
                continue
            batch.append(item)
        return batch

    def _timed_call(self, texts: list[str]) -> tuple[list[Any], float]:
        # Timed in the worker thread: under a burst the event loop answers late, and counting
        # that delay as model time would shed requests the model had time for.
        started = time.perf_counter()
        results = self._score_texts(texts)
        return results, time.perf_counter() - started

    async def _work(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while batch := self._take_batch():
                self._in_flight = len(batch)
                try:
                    results, seconds = await anyio.to_thread.run_sync(self._timed_call, [item.text for item in batch])
                    if len(results) != len(batch):
                        raise RuntimeError(f"the model returned {len(results)} results for {len(batch)} texts")
                except Exception as error:  # noqa: BLE001 - every waiting request gets the error
                    _settle(batch, error=error)
                    continue
                except BaseException:  # cancelled on shutdown: no request may wait forever
                    _settle(batch)
                    raise
                finally:
                    self._in_flight = 0
                per_text = seconds / len(batch)
                self._seconds_per_text = per_text if not self._seconds_per_text else (
                    SMOOTHING * per_text + (1 - SMOOTHING) * self._seconds_per_text)
                for item, result in zip(batch, results):
                    if not item.future.done():
                        item.future.set_result(result)

    def shutdown(self) -> None:
        """Stop the worker and cancel queued work (on service shutdown)."""
        if self._worker is not None:
            self._worker.cancel()
        _settle(self._queue)
        self._queue.clear()


def _settle(items, error: BaseException | None = None) -> None:
    """Fail (with ``error``) or cancel every still-waiting request among ``items``."""
    for item in items:
        if not item.future.done():
            if error is None:
                item.future.cancel()
            else:
                item.future.set_exception(error)
