"""Bad-input matrix over HTTP: every malformed body gets a 4xx with a message; the server keeps answering."""

from __future__ import annotations

from typing import Any

import httpx
from bad_inputs import ALL_CASES, GOOD_SCORE, BadInput, error_message

from benchmarks.reliability_checks.result import CheckResult


def send_case(client: httpx.Client, case: BadInput) -> tuple[int | None, str]:
    """The status and error message the server gives ``case`` (``None`` status: no answer)."""
    try:
        response = client.post(case.path, content=case.body, headers={"content-type": case.content_type})
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return response.status_code, error_message(response.content)


def still_answering(client: httpx.Client) -> bool:
    """A good ``/score`` request still gets a 200."""
    try:
        response = client.post("/score", content=GOOD_SCORE, headers={"content-type": "application/json"})
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def bad_input_check(base_url: str, rounds: int = 3, timeout_s: float = 30.0) -> CheckResult:
    """Send the whole matrix ``rounds`` times, each case followed by a good request."""
    outcomes: dict[str, Any] = {}
    sent = failures = 0
    problems = []
    with httpx.Client(base_url=base_url, timeout=timeout_s) as client:
        for _ in range(rounds):
            for case in ALL_CASES:
                status, message = send_case(client, case)
                sent += 1
                outcomes[case.name] = status
                if status is None or not 400 <= status < 500 or not message.strip():
                    failures += 1
                    problems.append(f"{case.name}: status {status}, message {message[:120]!r}")
                if not still_answering(client):
                    failures += 1
                    problems.append(f"after {case.name}: the server stopped answering /score")
    statuses: dict[str, int] = {}
    for status in outcomes.values():
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    figures = {"cases": len(ALL_CASES), "bad_requests": sent, "good_requests": sent, "bad_answers": failures,
               "statuses": statuses}
    return CheckResult("bad-input-matrix", failures == 0, figures, "; ".join(dict.fromkeys(problems)))
