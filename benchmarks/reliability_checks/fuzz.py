"""Fuzz checks: the hypothesis properties of ``tests/test_reliability_*.py``, with more examples."""

from __future__ import annotations

from benchmarks.reliability_checks.pytest_run import run_pytest
from benchmarks.reliability_checks.result import CheckResult

#: check name -> test module holding its properties.
FUZZ_MODULES = {
    "fuzz-normalize": "tests/test_reliability_text.py",
    "fuzz-scorer": "tests/test_reliability_scorer.py",
    "fuzz-feed-parser": "tests/test_reliability_feeds.py",
}
#: The hypothesis profile registered in ``tests/reliability_strategies.py`` for long runs.
PROFILE = "reliability"


def fuzz_checks(examples_profile: str = PROFILE) -> list[CheckResult]:
    """One result per fuzzed component."""
    results = []
    for name, module in FUZZ_MODULES.items():
        outcome = run_pytest([module], env={"HYPOTHESIS_PROFILE": examples_profile})
        results.append(
            CheckResult(
                name,
                outcome.ok,
                {
                    "profile": examples_profile,
                    "tests_passed": outcome.passed,
                    "tests_failed": outcome.failed,
                    "seconds": round(outcome.seconds, 1),
                },
                "; ".join(outcome.messages),
            )
        )
    return results
