"""Admission control under load: single-headline ``POST /score`` at concurrency 1, 16, 200, then 1 again.

Starts ``bentoml serve`` once per variant and repeat (variants interleaved, so a busy
machine slows both alike) and sends single-headline requests with aiohttp. Every headline
is new (the cache never answers). The last level, lone requests right after the burst,
shows whether the batcher holds requests it has learnt to hold. Writes every repeat, the
medians and the ratios to ``reports/admission.json``.

    python benchmarks/bench_admission.py [--model PATH_OR_TAG | --untrained] [--repeats 3]
        [--baseline-rev GIT_REV]

``--baseline-rev`` serves that commit's code (checked out in a temporary git worktree) as a
second variant beside this checkout's, on the same model: the committed JSON compares this
batcher with BentoML's adaptive ``CorkDispatcher`` of the commit before it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")

from bench_http import percentile, post  # noqa: E402
from bench_models import headline_texts, model_dir  # noqa: E402
from machine import machine_record  # noqa: E402
from service_server import REPO, start_service  # noqa: E402

REPORT = HERE.parent / "reports" / "admission.json"
#: (concurrency, requests sent) per load level; the last is lone requests after the burst.
LEVELS = ((1, 150), (16, 600), (200, 1_500), (1, 150))
LEVEL_NAMES = ("c=1", "c=16", "c=200", "c=1 after the burst")


async def _level(url: str, texts: list[str], concurrency: int) -> dict:
    """Send one single-headline request per text with ``concurrency`` in flight."""
    import aiohttp

    limit = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()

    async def one(session, text: str) -> None:
        async with limit:
            status, seconds = await post(session, url, [text])
        statuses[status] += 1
        if status == 200:
            latencies.append(seconds)

    connector = aiohttp.TCPConnector(limit=concurrency + 10)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(one(session, text) for text in texts))
        seconds = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "requests": len(texts),
        "answered_per_s": round(statuses[200] / seconds, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99) * 1000, 1) if latencies else None,
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
    }


async def _run_variant(url: str, fresh) -> list[dict]:
    await _level(url, [next(fresh) for _ in range(30)], 4)  # warm-up
    return [await _level(url, [next(fresh) for _ in range(count)], concurrency) for concurrency, count in LEVELS]


def _medians(runs: list[list[dict]]) -> list[dict]:
    out = []
    for index, (concurrency, _) in enumerate(LEVELS):
        rows = [run[index] for run in runs]
        out.append({
            "level": LEVEL_NAMES[index],
            "concurrency": concurrency,
            **{key: round(statistics.median(r[key] for r in rows if r[key] is not None), 1)
               for key in ("answered_per_s", "p50_ms", "p99_ms") if any(r[key] is not None for r in rows)},
            "non_200": sum(count for r in rows for code, count in r["statuses"].items() if code != "200"),
        })
    return out


@contextmanager
def _checkout(rev: str | None):
    """A temporary git worktree of ``rev`` (``None``: this checkout)."""
    if rev is None:
        yield REPO
        return
    with tempfile.TemporaryDirectory(prefix="bench-admission-rev-") as parent:
        tree = Path(parent) / "tree"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), rev],
                       check=True, capture_output=True)
        try:
            yield tree
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=False)


def _ratios(medians: dict[str, list[dict]], new: str, old: str) -> dict:
    return {
        row["level"]: {
            "throughput_new_over_old": round(row["answered_per_s"] / base["answered_per_s"], 2),
            "p50_new_over_old": round(row["p50_ms"] / base["p50_ms"], 2) if row.get("p50_ms") and base.get("p50_ms") else None,
        }
        for row, base in zip(medians[new], medians[old])
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="artifact directory or store tag (default: $HEADLINE_LENS_MODEL or newest)")
    parser.add_argument("--untrained", action="store_true", help="benchmark an untrained all-MiniLM-L6-v2 artifact")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline-rev", help="also serve this git revision's code, side by side")
    parser.add_argument("--out", type=Path, default=REPORT)
    args = parser.parse_args(argv)

    from model.artifact import load_manifest

    directory = model_dir(args.model, args.untrained)
    manifest = load_manifest(directory, verify_hash=False)
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip() or "this checkout"
    variants = {f"this checkout ({head})": None}
    if args.baseline_rev:
        variants[f"baseline ({args.baseline_rev})"] = args.baseline_rev
    fresh = iter(headline_texts(200_000, seed=7))
    runs: dict[str, list[list[dict]]] = {name: [] for name in variants}
    with ExitStack() as stack:
        trees = {name: stack.enter_context(_checkout(rev)) for name, rev in variants.items()}
        for repeat in range(args.repeats):
            for name, tree in trees.items():
                with tempfile.TemporaryDirectory(prefix="bench-admission-") as workdir:
                    # No rate limit (one client) and no cache (every request reaches admission control).
                    env = {"HEADLINE_LENS_RATE_LIMIT": "0", "HEADLINE_LENS_CACHE_SIZE": "0"}
                    server = start_service(directory, Path(workdir), env=env, source=tree)
                    try:
                        levels = asyncio.run(_run_variant(f"{server.url}/score", fresh))
                    finally:
                        server.stop()
                runs[name].append(levels)
                print(f"repeat {repeat + 1} {name}: " + "; ".join(
                    f"{label} {row['answered_per_s']}/s p50 {row['p50_ms']} ms p99 {row['p99_ms']} ms "
                    f"{row['statuses']}" for label, row in zip(LEVEL_NAMES, levels)), flush=True)
    medians = {name: _medians(rows) for name, rows in runs.items()}
    names = list(variants)
    ratios = _ratios(medians, names[0], names[1]) if len(names) == 2 else {}
    report = {
        "machine": machine_record(),
        "model": {"version": manifest.version, "onnx_sha256": manifest.onnx_sha256, "base_model": manifest.base_model},
        "levels": [{"level": name, "concurrency": c, "requests": n} for name, (c, n) in zip(LEVEL_NAMES, LEVELS)],
        "repeats": runs,
        "medians": medians,
        "ratios": ratios,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"medians": medians, "ratios": ratios}, indent=2))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
