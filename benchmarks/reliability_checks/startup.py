"""Fault: ``bentoml serve`` on a corrupted or mismatched artifact must exit with a message naming the problem."""

from __future__ import annotations

from pathlib import Path

from artifact_faults import FAULTS, broken_copy
from service_server import start_service

from benchmarks.reliability_checks.result import CheckResult

#: Longest a refused start may take before it counts as "kept running".
START_TIMEOUT_S = 60.0


def artifact_fault_check(artifact: Path, workdir: Path) -> CheckResult:
    """Start the service on each broken copy of ``artifact``; every start must fail clearly."""
    outcomes = {}
    problems = []
    exited = clear = 0
    for fault in FAULTS:
        broken = broken_copy(artifact, fault, workdir / fault.name)
        try:
            server = start_service(broken, workdir / f"{fault.name}-run", timeout=START_TIMEOUT_S)
        except RuntimeError as refused:
            message = str(refused)
            # start_service says "exited" when the process ended, "not ready" when it kept running.
            did_exit = message.startswith("bentoml serve exited")
            said_why = fault.expected.lower() in message.lower()
            exited += did_exit
            clear += said_why
            outcomes[fault.name] = "exited" if did_exit else "kept restarting"
            if not did_exit:
                problems.append(f"{fault.name}: did not exit within {START_TIMEOUT_S:.0f} s (worker restarted in a loop)")
            if not said_why:
                problems.append(f"{fault.name}: the output does not say {fault.expected!r}")
        else:
            server.stop()
            outcomes[fault.name] = "served"
            problems.append(f"{fault.name}: the service started on a broken artifact")
    figures = {"faults": len(FAULTS), "exited": exited, "clear_message": clear, "outcomes": outcomes}
    return CheckResult("fault-artifact-at-start", not problems, figures, "; ".join(problems))
