"""Fuzz checks: the hypothesis properties of ``tests/test_reliability_*.py``, with more examples."""

from __future__ import annotations

from pathlib import Path

from benchmarks.reliability_checks.pytest_run import run_pytest
from benchmarks.reliability_checks.result import BOTH, NO_MODEL, CheckResult

#: check name -> (test module holding its properties, what it runs on). The scorer properties run
#: on the tiny in-test model and, through ``HEADLINE_LENS_MODEL``, on the served model too.
FUZZ_MODULES = {
    "fuzz-normalize": ("tests/test_reliability_text.py", NO_MODEL),
    "fuzz-scorer": ("tests/test_reliability_scorer.py", BOTH),
    "fuzz-feed-parser": ("tests/test_reliability_feeds.py", NO_MODEL),
}
#: The hypothesis profile registered in ``tests/reliability_strategies.py`` for long runs.
PROFILE = "reliability"


def fuzz_checks(model: Path, examples_profile: str = PROFILE) -> list[CheckResult]:
    """One result per fuzzed component; ``model`` is the served artifact."""
    results = []
    for name, (module, runs_on) in FUZZ_MODULES.items():
        outcome = run_pytest([module], env={"HYPOTHESIS_PROFILE": examples_profile, "HEADLINE_LENS_MODEL": str(model)})
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
                runs_on,
            )
        )
    return results
