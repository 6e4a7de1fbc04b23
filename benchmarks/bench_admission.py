"""Admission control under load: single-headline ``POST /score`` at concurrency 1, 16 and 200.

Starts ``bentoml serve`` once per variant and repeat (variants interleaved, so a busy
machine slows both alike) and sends single-headline requests with aiohttp. Every headline
is new (the cache never answers). Writes every repeat and the medians to
``reports/admission.json``.

    python benchmarks/bench_admission.py [--model PATH_OR_TAG | --untrained] [--repeats 3]

The committed JSON compares BentoML's adaptive batcher (``service/batcher.py``) with a
bounded thread pool that answered 503 when full; it was measured at commit dcaaea3, the
last that had both (``--variants pool,batcher`` there). The batcher won at concurrency 16
and 200 and was kept; on later commits only ``batcher`` exists.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")

from bench_http import percentile, post  # noqa: E402
from bench_models import headline_texts, model_dir  # noqa: E402
from machine import machine_record  # noqa: E402
from service_server import start_service  # noqa: E402

REPORT = HERE.parent / "reports" / "admission.json"
#: (concurrency, requests sent) per load level.
LEVELS = ((1, 150), (16, 600), (200, 1_500))


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
            "concurrency": concurrency,
            **{key: round(statistics.median(r[key] for r in rows if r[key] is not None), 1)
               for key in ("answered_per_s", "p50_ms", "p99_ms") if any(r[key] is not None for r in rows)},
            "non_200": sum(count for r in rows for code, count in r["statuses"].items() if code != "200"),
        })
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="artifact directory or store tag (default: $HEADLINE_LENS_MODEL or newest)")
    parser.add_argument("--untrained", action="store_true", help="benchmark an untrained all-MiniLM-L6-v2 artifact")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--variants", default="batcher", help="comma-separated; only 'batcher' after dcaaea3")
    parser.add_argument("--out", type=Path, default=REPORT)
    args = parser.parse_args(argv)

    from model.artifact import load_manifest

    directory = model_dir(args.model, args.untrained)
    manifest = load_manifest(directory, verify_hash=False)
    variants = args.variants.split(",")
    if variants != ["batcher"]:
        parser.error("only the batcher exists now; check out commit dcaaea3 to measure the pool beside it")
    fresh = iter(headline_texts(200_000, seed=7))
    runs: dict[str, list[list[dict]]] = {variant: [] for variant in variants}
    for repeat in range(args.repeats):
        for variant in variants:
            with tempfile.TemporaryDirectory(prefix="bench-admission-") as workdir:
                # No rate limit (one client) and no cache (every request reaches admission control).
                env = {"HEADLINE_LENS_RATE_LIMIT": "0", "HEADLINE_LENS_CACHE_SIZE": "0"}
                server = start_service(directory, Path(workdir), env=env)
                try:
                    levels = asyncio.run(_run_variant(f"{server.url}/score", fresh))
                finally:
                    server.stop()
            runs[variant].append(levels)
            print(f"repeat {repeat + 1} {variant}: " + "; ".join(
                f"c={row['concurrency']} {row['answered_per_s']}/s p50 {row['p50_ms']} ms p99 {row['p99_ms']} ms "
                f"{row['statuses']}" for row in levels), flush=True)
    medians = {variant: _medians(rows) for variant, rows in runs.items()}
    ratios = {}
    if {"pool", "batcher"} <= set(medians):
        ratios = {
            f"c={p['concurrency']}": {
                "throughput_pool_over_batcher": round(p["answered_per_s"] / b["answered_per_s"], 2),
                "p50_pool_over_batcher": round(p["p50_ms"] / b["p50_ms"], 2) if p.get("p50_ms") and b.get("p50_ms") else None,
            }
            for p, b in zip(medians["pool"], medians["batcher"])
        }
    report = {
        "machine": machine_record(),
        "model": {"version": manifest.version, "onnx_sha256": manifest.onnx_sha256, "base_model": manifest.base_model},
        "levels": [{"concurrency": c, "requests": n} for c, n in LEVELS],
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
