"""``make reliability``: fuzz, contract, bad input, security, faults and soak against real servers.

Every check prints one line, ``PASS|FAIL <check>: <figures>``, and the run writes
``reports/reliability.md``. The exit status is 0 only when every check passed.

    python -m benchmarks.reliability                      # everything, 5-minute soak
    python -m benchmarks.reliability --soak-seconds 60    # a shorter soak
    python -m benchmarks.reliability --only security,faults

All traffic stays on 127.0.0.1/::1 (the feed server for SSRF and contract runs binds
127.0.0.2, also loopback). Every loop is bounded in requests and in time.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
# The scenarios, fixtures and matrices are shared with the test suite rather than copied.
sys.path.insert(0, str(TESTS))
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from benchmarks.reliability_checks.result import TINY, CheckResult, failed  # noqa: E402

GROUPS = ("fuzz", "contract", "bad-input", "security", "faults", "soak")
REPORT = ROOT / "reports" / "reliability.md"  # and reliability.json, the same figures as data
API_KEY = "reliability-check-key"
EXTENSION_ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
SECURITY_RATE_LIMIT = 20


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reliability", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="artifact directory or store tag (default: newest stored model, else a tiny test model)")
    parser.add_argument("--soak-seconds", type=float, default=300.0, help="soak duration (default 300)")
    parser.add_argument("--concurrency", type=int, default=100, help="soak clients (default 100)")
    parser.add_argument("--contract-examples", type=int, default=50, help="schemathesis examples per operation")
    parser.add_argument("--fuzz-profile", default="reliability", help="hypothesis profile: ci or reliability")
    parser.add_argument("--kill-repeats", type=int, default=3, help="runs of the feed kill -9 scenario")
    parser.add_argument("--only", default=",".join(GROUPS), help=f"comma-separated groups of {', '.join(GROUPS)}")
    parser.add_argument("--report", type=Path, default=REPORT, help="Markdown report to write")
    args = parser.parse_args(argv)
    args.groups = [g.strip() for g in args.only.split(",") if g.strip()]
    unknown = sorted(set(args.groups) - set(GROUPS))
    if unknown:
        parser.error(f"unknown groups {unknown}; choose from {', '.join(GROUPS)}")
    return args


def choose_model(requested: str | None, workdir: Path) -> tuple[Path, str]:
    """The artifact directory to serve and where it came from; a tiny test model when the store is empty."""
    from model.artifact import ArtifactError
    from model.store import resolve

    try:
        path = resolve(requested)
        return path, "requested" if requested else "newest stored model"
    except ArtifactError:
        if requested:
            raise
    from tiny_model import build_tiny_artifact  # needs the train extra (torch)

    path, _, _ = build_tiny_artifact(workdir / "tiny-model")
    return path, "tiny test model (no trained model in the store)"


class Runner:
    """Runs the selected checks, printing each result line as it comes."""

    def __init__(self, args: argparse.Namespace, model: Path, workdir: Path) -> None:
        from tiny_model import HEADLINES

        self.args = args
        self.model = model
        self.workdir = workdir
        self.headlines = HEADLINES
        self.results: list[CheckResult] = []

    def record(
        self, name: str, check: Callable[[], CheckResult | list[CheckResult]], runs_on: str | None = None
    ) -> None:
        """Run one check; a crash counts as a failure of that check, and the run goes on.

        ``runs_on`` overrides what the check says it ran on (the served model by default).
        """
        try:
            outcome = check()
        except Exception as exc:  # one broken check must not hide the others' results
            outcome = failed(name, exc)
        for result in outcome if isinstance(outcome, list) else [outcome]:
            if runs_on:
                result.runs_on = runs_on
            print(result.line(), flush=True)
            self.results.append(result)

    def server(self, name: str, env: dict[str, str]):
        from service_server import running_service

        return running_service(self.model, self.workdir / name, {"HEADLINE_LENS_RATE_LIMIT": "0", **env})

    def run(self) -> list[CheckResult]:
        groups = self.args.groups
        if "fuzz" in groups:
            from benchmarks.reliability_checks.fuzz import fuzz_checks

            self.record("fuzz", lambda: fuzz_checks(self.model, self.args.fuzz_profile))
        if {"contract", "bad-input", "security", "faults"} & set(groups):
            self.run_on_main_server()
        if "security" in groups:
            self.run_access_checks()
        if "faults" in groups:
            self.run_fault_checks()
        if "soak" in groups:
            self.run_soak()
        return self.results

    def run_on_main_server(self) -> None:
        from fixtures.feeds.feed_server import FeedServer

        from benchmarks.reliability_checks.security import ALLOWED_FEED_HOST

        groups = self.args.groups
        env = {"HEADLINE_LENS_FEED_ALLOW": f"{ALLOWED_FEED_HOST}/32"}
        with self.server("main", env) as server, FeedServer(host=ALLOWED_FEED_HOST) as feeds:
            port = int(server.url.rsplit(":", 1)[1])
            if "contract" in groups:
                from benchmarks.reliability_checks.contract import contract_check

                feed_url = feeds.add_file("/feed.xml", "rss2.xml")
                self.record("contract", lambda: contract_check(server.url, feed_url, self.args.contract_examples))
            if "bad-input" in groups:
                from benchmarks.reliability_checks.bad_input import bad_input_check

                self.record("bad-input-matrix", lambda: bad_input_check(server.url))
            if "security" in groups:
                from benchmarks.reliability_checks.security import entity_bomb_check, ssrf_check

                self.record("security-ssrf", lambda: ssrf_check(server.url, port))
                self.record("security-entity-bombs", lambda: entity_bomb_check(server.url, server.process.pid))
            if "faults" in groups:
                from benchmarks.reliability_checks.sqlite_faults import feedback_locked_check
                from benchmarks.reliability_checks.worker_kill import worker_kill_check

                database = self.workdir / "main" / "feedback.sqlite3"
                self.record("fault-sqlite-feedback-locked", lambda: feedback_locked_check(server.url, database))
                # Last on this server: it loses its worker.
                self.record(
                    "fault-worker-kill", lambda: worker_kill_check(server.url, server.process.pid, self.headlines)
                )

    def run_access_checks(self) -> None:
        from benchmarks.reliability_checks.security import access_check

        env = {
            "HEADLINE_LENS_API_KEYS": API_KEY,
            "HEADLINE_LENS_CORS_ORIGINS": EXTENSION_ORIGIN,
            "HEADLINE_LENS_RATE_LIMIT": str(SECURITY_RATE_LIMIT),
        }
        with self.server("access", env) as server:
            self.record(
                "security-api-key-cors", lambda: access_check(server.url, API_KEY, EXTENSION_ORIGIN, SECURITY_RATE_LIMIT)
            )

    def run_fault_checks(self) -> None:
        from benchmarks.reliability_checks.feed_kill import feed_kill_check
        from benchmarks.reliability_checks.sqlite_faults import feedback_read_only_check, feeds_store_checks
        from benchmarks.reliability_checks.startup import artifact_fault_check

        self.record("fault-artifact-at-start", lambda: artifact_fault_check(self.model, self.workdir / "artifacts"))
        # The kill -9 scenario lives in the test suite and scores with the tiny in-test model.
        self.record("fault-feed-kill-9", lambda: feed_kill_check(self.args.kill_repeats), runs_on=TINY)
        feedback_db = self.workdir / "main" / "feedback.sqlite3"
        self.record(
            "fault-sqlite-feedback-read-only",
            lambda: feedback_read_only_check(str(self.model), feedback_db, self.workdir / "feedback-ro"),
        )
        self.record("fault-sqlite-feeds", lambda: feeds_store_checks(str(self.model), self.workdir / "feeds-store"))

    def run_soak(self) -> None:
        from benchmarks.reliability_checks.soak import soak_check

        # Cache off: every headline reaches the model, and a filling cache is not mistaken for a leak.
        with self.server("soak", {"HEADLINE_LENS_CACHE_SIZE": "0"}) as server:
            self.record(
                "soak",
                lambda: soak_check(
                    server.url, server.process.pid, self.headlines, self.args.soak_seconds, self.args.concurrency
                ),
            )


def run_context(args: argparse.Namespace, model: Path, source: str) -> dict[str, str]:
    """What the report says about the run: when, which model, which machine."""
    import bentoml

    from model.artifact import load_manifest

    manifest = load_manifest(model, verify_hash=False)
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "model": f"{manifest.version} ({manifest.base_model}, {'int8' if manifest.quantized else 'fp32'}; {source})",
        "machine": f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}, Python {platform.python_version()}, "
        f"BentoML {bentoml.__version__}",
        "settings": f"groups={','.join(args.groups)}, soak={args.soak_seconds:g}s at concurrency {args.concurrency}, "
        f"contract examples={args.contract_examples}, fuzz profile={args.fuzz_profile}, kill repeats={args.kill_repeats}",
    }


def main(argv: list[str] | None = None) -> int:
    """Run the suite; 0 when every check passed."""
    from benchmarks.reliability_checks.report import write_json, write_report

    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="headline-lens-reliability-") as tmp:
        workdir = Path(tmp)
        model, source = choose_model(args.model, workdir)
        context = run_context(args, model, source)
        print(f"reliability: model {context['model']}", flush=True)
        results = Runner(args, model, workdir).run()
        hide = {tmp: "<workdir>", str(model): "<model>", str(ROOT): ".", str(Path.home()): "~"}
        write_report(args.report, results, context, hide)
        write_json(args.report.with_suffix(".json"), results, context, hide)
    passed = sum(r.passed for r in results)
    print(f"reliability: {passed}/{len(results)} checks passed; report in {args.report}", flush=True)
    return 0 if results and passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
