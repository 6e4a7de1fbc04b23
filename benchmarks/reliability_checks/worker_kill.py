"""Fault: SIGKILL the serving worker under load; the service must recover by itself, no client hangs."""

from __future__ import annotations

import asyncio
import os
import signal
import time

from benchmarks.reliability_checks.load import HANG_MARGIN_S, run_load
from benchmarks.reliability_checks.processes import worker_pids
from benchmarks.reliability_checks.result import CheckResult

#: How long the service may take to answer again after losing its worker.
RECOVERY_LIMIT_S = 60.0


async def _kill_worker_after(server_pid: int, delay_s: float) -> tuple[int | None, float]:
    """Wait ``delay_s``, SIGKILL one serving worker; return its pid and the kill time (monotonic)."""
    await asyncio.sleep(delay_s)
    pids = worker_pids(server_pid)
    if not pids:
        return None, time.monotonic()
    os.kill(pids[0], signal.SIGKILL)
    return pids[0], time.monotonic()


def worker_kill_check(
    base_url: str,
    server_pid: int,
    headlines: list[str],
    concurrency: int = 20,
    seconds: float = 45.0,
    kill_after_s: float = 10.0,
    timeout_s: float = 10.0,
) -> CheckResult:
    """Load ``/score``, kill the worker ``kill_after_s`` in, and keep loading until ``seconds``."""

    def body(n: int) -> dict[str, list[str]]:
        return {"headlines": [f"{headlines[n % len(headlines)]} [{n}]"]}

    async def scenario():
        started = time.monotonic()
        load = asyncio.create_task(
            run_load(
                f"{base_url}/score",
                body,
                concurrency=concurrency,
                duration_s=seconds,
                max_requests=int(seconds * 2_000),
                timeout_s=timeout_s,
            )
        )
        killed, killed_at = await _kill_worker_after(server_pid, kill_after_s)
        stats = await load
        return stats, killed, killed_at - started

    stats, killed, kill_time = asyncio.run(scenario())
    replacements = worker_pids(server_pid)
    after = [(t, ok) for t, ok in stats.timeline if t > kill_time]
    first_ok_after = next((t for t, ok in sorted(after) if ok), None)
    recovery_s = None if first_ok_after is None else round(first_ok_after - kill_time, 2)
    figures = {
        **stats.summary(),
        "killed_pid": killed,
        "new_worker_pids": replacements,
        "recovery_s": recovery_s,
        "client_timeout_s": timeout_s,
    }
    problems = []
    if killed is None:
        problems.append("no serving worker process found to kill")
    elif killed in replacements or not replacements:
        problems.append("the killed worker was not replaced")
    if recovery_s is None or recovery_s > RECOVERY_LIMIT_S:
        problems.append(f"no successful answer within {RECOVERY_LIMIT_S:.0f} s after the kill")
    if stats.hangs or max(stats.latencies_s, default=0) > timeout_s + HANG_MARGIN_S:
        problems.append(f"{stats.hangs} requests hung past the client timeout")
    return CheckResult("fault-worker-kill", not problems, figures, "; ".join(problems))
