"""The outcome of one reliability check: pass/fail, the figures behind it, and why."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

SERVED, TINY, BOTH, NO_MODEL = "served model", "tiny test model", "tiny test model + served model", "no model"


@dataclass
class CheckResult:
    """One check's verdict. ``figures`` are the measured numbers; ``detail`` explains a failure."""

    name: str
    passed: bool
    figures: dict[str, Any] = field(default_factory=dict)
    detail: str = ""
    #: What the check ran on: the served model, the tiny in-test model (behaviour, not the
    #: product's scores), both, or no model at all. Set by the runner.
    runs_on: str = SERVED

    def line(self) -> str:
        """``PASS|FAIL <check>: <figures>``, the line the runner prints."""
        shown = ", ".join(f"{key}={_compact(value)}" for key, value in self.figures.items())
        text = f"{'PASS' if self.passed else 'FAIL'} {self.name}: {shown}"
        if not self.passed and self.detail:
            text += f" -- {self.detail.splitlines()[0][:300]}"
        return text


def _compact(value: Any) -> str:
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return str(value)


def failed(name: str, exc: BaseException) -> CheckResult:
    """A check that could not run to the end counts as failed, with the reason."""
    return CheckResult(name, False, {}, f"check crashed: {type(exc).__name__}: {exc}")
