"""Fault: kill -9 in the middle of a feed run, then a re-run: no duplicates, nothing lost.

The scenario is the feeds suite's own test (one fixture for both); here it is repeated.
"""

from __future__ import annotations

from benchmarks.reliability_checks.pytest_run import run_pytest
from benchmarks.reliability_checks.result import CheckResult

KILL_TEST = "tests/test_feeds_cli.py::test_kill_9_mid_run_loses_nothing_and_rerun_completes"


def feed_kill_check(repeats: int = 3) -> CheckResult:
    """Run the kill -9 scenario ``repeats`` times; every run must pass."""
    passed = 0
    messages = []
    for _ in range(repeats):
        outcome = run_pytest([KILL_TEST])
        passed += outcome.ok
        messages.extend(outcome.messages)
    figures = {"runs": repeats, "passed": passed}
    return CheckResult("fault-feed-kill-9", passed == repeats, figures, "; ".join(dict.fromkeys(messages)))
