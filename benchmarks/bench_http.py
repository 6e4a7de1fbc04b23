"""HTTP speed of the service: ``bentoml serve`` on 127.0.0.1, driven by an aiohttp client.

Prints (every loop bounded in requests and seconds):

- single-headline latency p50/p99 (uncached headlines, one request at a time);
- headlines/s with 64 headlines per request (one at a time, and 4 in flight);
- 1,000 single-headline requests at concurrency 200: throughput and error count;
- a 100-headline page answered entirely from the cache: p50 latency;
- the server's peak RSS (summed over its processes), in MiB.

The phases run ``--repeats`` times on one server (fresh headlines each time); every repeat
and the medians go to ``reports/http.json`` with the machine record and the model.

    python benchmarks/bench_http.py [--model PATH_OR_TAG | --untrained] [--repeats 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")

from bench_models import headline_texts, model_dir  # noqa: E402
from machine import machine_record  # noqa: E402
from service_server import start_service  # noqa: E402

REPORT = HERE.parent / "reports" / "http.json"
PHASE_SECONDS = 60.0  # no phase runs longer than this
FAILED_STATUSES: list[int] = []  # status of every failed request (0 = transport error)


class PeakRss:
    """Samples the summed RSS of a process and its children until stopped.

    ``peak`` is the highest sum seen; ``by_process`` the highest RSS of each process,
    keyed by a short name (``pid:command``), to show where the memory is.
    """

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        import psutil

        self._root = psutil.Process(pid)
        self._interval = interval
        self.peak = 0
        self.by_process: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        import psutil

        total = 0
        for proc in [self._root, *self._root.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):  # a worker may exit between listing and reading
                rss = proc.memory_info().rss
                total += rss
                # The program's name only: no machine paths in the committed JSON.
                words = proc.cmdline()[1:3]
                name = f"{proc.pid}:{' '.join([Path(w).name if w.startswith('/') else w for w in words])[:60]}"
                self.by_process[name] = max(self.by_process.get(name, 0), rss)
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self._interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def post(session, url: str, headlines: list[str]) -> tuple[int, float]:
    """Status (0 on a transport error) and latency in seconds of one /score call."""
    started = time.perf_counter()
    try:
        async with session.post(url, json={"headlines": headlines}) as response:
            await response.read()
            status = response.status
    except Exception:  # noqa: BLE001 - any failure counts as an error in the benchmark
        status = 0
    return status, time.perf_counter() - started


async def sequential(session, url: str, batches: list[list[str]]) -> tuple[list[float], int]:
    """Latencies of batches sent one at a time, and the error count."""
    latencies, errors = [], 0
    deadline = time.monotonic() + PHASE_SECONDS
    for batch in batches:
        status, seconds = await post(session, url, batch)
        latencies.append(seconds)
        if status != 200:
            errors += 1
            FAILED_STATUSES.append(status)
        if time.monotonic() > deadline:
            break
    return latencies, errors


async def concurrent(session, url: str, batches: list[list[str]], concurrency: int) -> tuple[int, int, float]:
    """(headlines answered, errors, seconds) for batches sent with ``concurrency`` in flight."""
    limit = asyncio.Semaphore(concurrency)
    answered, errors = 0, 0

    async def one(batch):
        nonlocal answered, errors
        async with limit:
            status, _ = await post(session, url, batch)
        if status == 200:
            answered += len(batch)
        else:
            errors += 1
            FAILED_STATUSES.append(status)

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(one(b) for b in batches)), timeout=PHASE_SECONDS)
    return answered, errors, time.perf_counter() - started


async def run(url: str, fresh) -> dict[str, float]:
    """One pass over every phase; returns its figures (and prints them)."""
    import aiohttp

    figures: dict[str, float] = {}
    connector = aiohttp.TCPConnector(limit=250)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:

        def take(n: int) -> list[str]:
            return [next(fresh) for _ in range(n)]

        await sequential(session, url, [take(1) for _ in range(20)] + [take(64) for _ in range(3)])  # warm-up

        latencies, errors = await sequential(session, url, [take(1) for _ in range(300)])
        figures["single_p50_ms"] = percentile(latencies, 50) * 1000
        figures["single_p99_ms"] = percentile(latencies, 99) * 1000
        figures["single_errors"] = errors

        batches = [take(64) for _ in range(40)]
        latencies, errors = await sequential(session, url, batches)
        figures["batch64_sequential_per_s"] = 64 * len(latencies) / sum(latencies)
        answered, errors, seconds = await concurrent(session, url, [take(64) for _ in range(40)], 4)
        figures["batch64_4_in_flight_per_s"] = answered / seconds

        answered, errors, seconds = await concurrent(session, url, [take(1) for _ in range(1000)], 200)
        figures["concurrency200_per_s"] = answered / seconds
        figures["concurrency200_seconds"] = seconds
        figures["concurrency200_errors"] = errors

        page = take(100)
        await sequential(session, url, [page])  # fills the cache
        latencies, errors = await sequential(session, url, [page] * 100)
        figures["cached_page_p50_ms"] = percentile(latencies, 50) * 1000
        figures["cached_page_p99_ms"] = percentile(latencies, 99) * 1000
    figures = {key: round(value, 2) for key, value in figures.items()}
    print(json.dumps(figures))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="artifact directory or store tag (default: $HEADLINE_LENS_MODEL or newest)")
    parser.add_argument("--untrained", action="store_true", help="benchmark an untrained all-MiniLM-L6-v2 artifact")
    parser.add_argument("--repeats", type=int, default=5, help="passes over every phase (default 5)")
    parser.add_argument("--out", type=Path, default=REPORT, help="JSON to write (default reports/http.json)")
    args = parser.parse_args(argv)

    directory = model_dir(args.model, args.untrained)
    with tempfile.TemporaryDirectory(prefix="bench-http-") as workdir:
        # Rate limiting (per client) would throttle the one benchmark client: measure the service itself.
        server = start_service(directory, Path(workdir), env={"HEADLINE_LENS_RATE_LIMIT": "0"})
        try:
            with PeakRss(server.process.pid) as rss:
                from model.artifact import load_manifest

                manifest = load_manifest(directory, verify_hash=False)
                print(f"model: {directory} (version {manifest.version}, base {manifest.base_model})")
                print(f"server: {server.url}, cores available: {len(os.sched_getaffinity(0))}")
                fresh = iter(headline_texts(100_000, seed=1))
                repeats = [asyncio.run(run(f"{server.url}/score", fresh)) for _ in range(args.repeats)]
            print(f"server peak RSS (all processes): {rss.peak / 2**20:.0f} MiB")
            for name, peak in rss.by_process.items():
                print(f"  peak RSS of {name}: {peak / 2**20:.0f} MiB")
            if FAILED_STATUSES:
                print(f"failed requests by status: {dict(Counter(FAILED_STATUSES))}")
        finally:
            server.stop()
    medians = {key: round(statistics.median(r[key] for r in repeats), 2) for key in repeats[0]}
    report = {
        "machine": machine_record(),
        "model": {"version": manifest.version, "onnx_sha256": manifest.onnx_sha256,
                  "format": manifest.training.get("export", {}).get("chosen", "int8" if manifest.quantized else "fp32")},
        "repeats": repeats,
        "medians": medians,
        "peak_rss_mib": round(rss.peak / 2**20, 1),
        "peak_rss_mib_by_process": {name: round(peak / 2**20, 1) for name, peak in rss.by_process.items()},
        "failed_statuses": dict(Counter(FAILED_STATUSES)),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"medians over {args.repeats} repeats: {json.dumps(medians)}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
