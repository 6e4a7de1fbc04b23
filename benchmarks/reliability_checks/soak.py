"""Soak: sustained concurrent load on loopback; no errors and no memory growth after warm-up."""

from __future__ import annotations

import asyncio
from typing import Any

from benchmarks.reliability_checks.load import run_load
from benchmarks.reliability_checks.processes import RSSSampler, mib, tree_rss
from benchmarks.reliability_checks.result import CheckResult

#: Growth of the server's resident memory allowed between warm-up and the end.
MAX_RSS_GROWTH = 0.10
#: The warm-up point: minute 1 of a 5-minute soak, proportionally earlier in shorter ones.
WARMUP_S = 60.0
#: Upper bound on requests per second of soak, so the loop is bounded in count as well as time.
MAX_RPS = 5_000


def soak_body(headlines: list[str]) -> Any:
    """Request ``n``: 1 to 4 headlines, each made unique so every one reaches the model."""

    def body(n: int) -> dict[str, list[str]]:
        count = n % 4 + 1
        return {"headlines": [f"{headlines[(n + k) % len(headlines)]} ({n}.{k})" for k in range(count)]}

    return body


def soak_check(
    base_url: str, server_pid: int, headlines: list[str], seconds: float, concurrency: int, timeout_s: float = 10.0
) -> CheckResult:
    """Load ``/score`` for ``seconds`` at ``concurrency``; compare RSS at warm-up and at the end."""
    warmup_s = min(WARMUP_S, seconds / 5)
    rss_before = tree_rss(server_pid)
    with RSSSampler(server_pid) as sampler:
        stats = asyncio.run(
            run_load(
                f"{base_url}/score",
                soak_body(headlines),
                concurrency=concurrency,
                duration_s=seconds,
                max_requests=int(seconds * MAX_RPS),
                timeout_s=timeout_s,
            )
        )
    rss_warm = sampler.at(warmup_s)
    rss_end = sampler.samples[-1][1] if sampler.samples else 0
    growth = (rss_end - rss_warm) / rss_warm if rss_warm else float("inf")
    figures = {
        "seconds": round(stats.elapsed_s, 1),
        "concurrency": concurrency,
        **stats.summary(),
        "rss_before_mib": mib(rss_before),
        f"rss_at_{int(warmup_s)}s_mib": mib(rss_warm),
        "rss_end_mib": mib(rss_end),
        "rss_growth_pct": round(100 * growth, 2),
    }
    problems = []
    if stats.sent == 0:
        problems.append("no request was sent")
    if stats.errors:
        problems.append(f"{stats.errors} requests failed: {dict(stats.statuses)} {dict(stats.exceptions)}")
    if growth >= MAX_RSS_GROWTH:
        problems.append(f"server RSS grew {100 * growth:.1f}% after warm-up (limit {100 * MAX_RSS_GROWTH:.0f}%)")
    return CheckResult("soak", not problems, figures, "; ".join(problems))
