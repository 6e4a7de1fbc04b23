"""Contract: schemathesis runs every operation of the server's own OpenAPI spec against it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from benchmarks.reliability_checks.contract_hooks import FEED_URL_ENV
from benchmarks.reliability_checks.result import CheckResult

HOOKS = Path(__file__).with_name("contract_hooks.py")
#: Per-operation settings: the statuses a schema-valid ``/score_feed`` body may get.
CONFIG = Path(__file__).with_name("schemathesis.toml")
#: "❌ ST101 Server error: 1" lines of the CLI summary.
_FAILURE = re.compile(r"(ST\d{3}) ([^:\n]+): (\d+)")
_GENERATED = re.compile(r"(\d+) generated")


def contract_check(
    base_url: str, feed_url: str, max_examples: int = 50, seed: int = 1, timeout_s: float = 900.0
) -> CheckResult:
    """Run ``schemathesis run <base_url>/docs.json`` with all checks; pass only with no failure at all.

    ``feed_url`` is a loopback feed that generated ``/score_feed`` URLs are pointed at.
    """
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(CONFIG),
        "run",
        f"{base_url}/docs.json",
        "--checks",
        "all",
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--no-color",
        "--generation-database",
        "none",
        "--max-failures",
        "200",
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS), FEED_URL_ENV: feed_url}
    try:
        completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return CheckResult("contract", False, {}, f"schemathesis ran over {timeout_s:.0f} s")
    output = completed.stdout + completed.stderr
    summary = output[output.rfind("SUMMARY") :] if "SUMMARY" in output else output[-3000:]
    failures = {f"{code} {title.strip()}": int(count) for code, title, count in _FAILURE.findall(summary)}
    generated = _GENERATED.search(summary)
    figures = {
        "test_cases": int(generated.group(1)) if generated else None,
        "max_examples": max_examples,
        "seed": seed,
        "server_errors": sum(n for name, n in failures.items() if name.startswith("ST101")),
        "failures": failures,
    }
    passed = completed.returncode == 0 and not failures
    headline = ", ".join(f"{name} x{count}" for name, count in failures.items()) or f"exit {completed.returncode}"
    detail = "" if passed else f"{headline}\n{_failure_digest(output)}"
    return CheckResult("contract", passed, figures, detail)


def _failure_digest(output: str) -> str:
    """The failure titles and reproduction commands schemathesis printed, without its long bodies."""
    keep = []
    for line in output.splitlines():
        stripped = line.strip()
        wanted = stripped.startswith(("- ST", "curl ", "Received:", "Documented:", "Expected:", "_" * 8))
        if wanted or (stripped.startswith("`{") and len(stripped) < 400):
            keep.append(stripped)
    return "\n".join(keep)[:6000] or output[-3000:]
