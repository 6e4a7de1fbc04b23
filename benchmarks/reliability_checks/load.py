"""A bounded HTTP load generator: N concurrent clients, stopping by count and by time.

Used by the soak and by the worker-kill fault. Every request has its own timeout, and a
hard backstop slightly above it, so a hung server shows up as a counted "hang", never as
a hung benchmark.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Seconds past the client timeout after which a request counts as hung.
HANG_MARGIN_S = 2.0


@dataclass
class LoadStats:
    """What a load run saw."""

    sent: int = 0
    ok: int = 0
    #: HTTP status -> count (2xx included).
    statuses: Counter = field(default_factory=Counter)
    #: Exception class name -> count (timeouts, refused and reset connections).
    exceptions: Counter = field(default_factory=Counter)
    #: Requests that outlived their timeout plus ``HANG_MARGIN_S``.
    hangs: int = 0
    latencies_s: list[float] = field(default_factory=list)
    #: (seconds since start, ok?) per finished request, for recovery timelines.
    timeline: list[tuple[float, bool]] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def errors(self) -> int:
        """Requests that did not get a 2xx answer."""
        return self.sent - self.ok

    def percentile(self, q: float) -> float:
        """Latency percentile ``q`` (0..100) in seconds; 0 when nothing finished."""
        if not self.latencies_s:
            return 0.0
        ordered = sorted(self.latencies_s)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))]

    def summary(self) -> dict[str, Any]:
        """The figures printed and written to the report."""
        return {
            "requests": self.sent,
            "ok": self.ok,
            "errors": self.errors,
            "hangs": self.hangs,
            "statuses": dict(sorted(self.statuses.items())),
            "exceptions": dict(self.exceptions),
            "rps": round(self.sent / self.elapsed_s, 1) if self.elapsed_s else 0.0,
            "p50_ms": round(self.percentile(50) * 1000, 1),
            "p99_ms": round(self.percentile(99) * 1000, 1),
            "max_ms": round(max(self.latencies_s, default=0.0) * 1000, 1),
        }


async def run_load(
    url: str,
    body: Callable[[int], dict[str, Any]],
    *,
    concurrency: int,
    duration_s: float,
    max_requests: int,
    timeout_s: float = 10.0,
    headers: dict[str, str] | None = None,
) -> LoadStats:
    """POST ``body(n)`` to ``url`` from ``concurrency`` clients until ``duration_s`` or ``max_requests``.

    Returns counts of answers by status and of failures by exception; never raises for
    a failing server.
    """
    import aiohttp

    stats = LoadStats()
    start = time.monotonic()
    deadline = start + duration_s
    counter = iter(range(max_requests))
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)

    async def one(session: aiohttp.ClientSession, n: int) -> None:
        began = time.monotonic()
        ok = False
        try:
            async with asyncio.timeout(timeout_s + HANG_MARGIN_S):
                async with session.post(url, json=body(n), headers=headers) as response:
                    await response.read()
                    stats.statuses[response.status] += 1
                    ok = 200 <= response.status < 300
        except TimeoutError as exc:
            latency = time.monotonic() - began
            if latency >= timeout_s + HANG_MARGIN_S - 0.05:
                stats.hangs += 1
            stats.exceptions[type(exc).__name__] += 1
        except (aiohttp.ClientError, OSError) as exc:
            stats.exceptions[type(exc).__name__] += 1
        finished = time.monotonic()
        stats.latencies_s.append(finished - began)
        stats.timeline.append((finished - start, ok))
        stats.ok += ok

    async def client(session: aiohttp.ClientSession) -> None:
        while time.monotonic() < deadline:
            n = next(counter, None)
            if n is None:
                return
            stats.sent += 1
            await one(session, n)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
    stats.elapsed_s = time.monotonic() - start
    return stats
