"""Run pytest selections in a subprocess and read their verdicts from a JUnit XML report.

The fuzz properties and the feeds engineer's kill -9 test live in ``tests/``; the
reliability runner runs them from there (with more examples) instead of copying them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class PytestOutcome:
    """Counts per outcome and the ids of the failed tests."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    returncode: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """All selected tests ran and passed (a run that selected nothing is not a pass)."""
        return self.returncode == 0 and self.failed == 0 and self.passed > 0


def run_pytest(selection: list[str], env: dict[str, str] | None = None, timeout_s: float = 1800) -> PytestOutcome:
    """Run ``pytest selection`` from the repo root and return its outcome."""
    with tempfile.TemporaryDirectory(prefix="reliability-pytest-") as tmp:
        report = Path(tmp) / "junit.xml"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", *selection]
        try:
            completed = subprocess.run(
                command, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout_s
            )
        except subprocess.TimeoutExpired:
            return PytestOutcome(failed=1, failures=["(timeout)"], messages=[f"pytest ran over {timeout_s} s"], returncode=-1)
        outcome = PytestOutcome(returncode=completed.returncode)
        if not report.is_file():
            outcome.messages.append(completed.stdout[-2000:] + completed.stderr[-2000:])
            return outcome
        for suite in ET.parse(report).getroot().iter("testsuite"):
            outcome.seconds += float(suite.get("time", 0))
        for case in ET.parse(report).getroot().iter("testcase"):
            test_id = f"{case.get('classname')}::{case.get('name')}"
            problem = case.find("failure") if case.find("failure") is not None else case.find("error")
            if problem is not None:
                outcome.failed += 1
                outcome.failures.append(test_id)
                outcome.messages.append(f"{test_id}: {(problem.get('message') or '').splitlines()[0][:300]}")
            elif case.find("skipped") is not None:
                outcome.skipped += 1
                outcome.messages.append(f"{test_id} skipped: {case.find('skipped').get('message', '')[:200]}")
            else:
                outcome.passed += 1
        return outcome
