"""HTTP speed of the service: ``bentoml serve`` on 127.0.0.1, driven by an aiohttp client.

Prints (every loop bounded in requests and seconds):

- single-headline latency p50/p99 (uncached headlines, one request at a time);
- headlines/s with 64 headlines per request (one at a time, and 4 in flight);
- 1,000 single-headline requests at concurrency 200: throughput and error count;
- a 100-headline page answered entirely from the cache: p50 latency;
- the server's peak RSS (summed over its processes).

    python benchmarks/bench_http.py [--model PATH_OR_TAG | --untrained]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
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
from service_server import start_service  # noqa: E402

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
                name = f"{proc.pid}:{' '.join(proc.cmdline()[1:3])[:60]}"
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


async def run(url: str) -> None:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=250)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        fresh = iter(headline_texts(20_000, seed=1))

        def take(n: int) -> list[str]:
            return [next(fresh) for _ in range(n)]

        await sequential(session, url, [take(1) for _ in range(20)] + [take(64) for _ in range(3)])  # warm-up

        latencies, errors = await sequential(session, url, [take(1) for _ in range(300)])
        print(f"single headline, sequential: p50 {percentile(latencies, 50) * 1000:.1f} ms, "
              f"p99 {percentile(latencies, 99) * 1000:.1f} ms ({len(latencies)} requests, {errors} errors)")

        batches = [take(64) for _ in range(40)]
        latencies, errors = await sequential(session, url, batches)
        rate = 64 * len(latencies) / sum(latencies)
        print(f"64 per request, sequential: {rate:.0f} headlines/s ({len(latencies)} requests, {errors} errors)")
        answered, errors, seconds = await concurrent(session, url, [take(64) for _ in range(40)], 4)
        print(f"64 per request, 4 in flight: {answered / seconds:.0f} headlines/s ({errors} errors)")

        answered, errors, seconds = await concurrent(session, url, [take(1) for _ in range(1000)], 200)
        print(f"1000 single-headline requests, concurrency 200: {answered / seconds:.0f} headlines/s, "
              f"{seconds:.2f} s, {errors} errors")

        page = take(100)
        await sequential(session, url, [page])  # fills the cache
        latencies, errors = await sequential(session, url, [page] * 100)
        print(f"100-headline page, all cache hits: p50 {percentile(latencies, 50) * 1000:.1f} ms, "
              f"p99 {percentile(latencies, 99) * 1000:.1f} ms ({errors} errors)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="artifact directory or store tag (default: $HEADLINE_LENS_MODEL or newest)")
    parser.add_argument("--untrained", action="store_true", help="benchmark an untrained all-MiniLM-L6-v2 artifact")
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
                asyncio.run(run(f"{server.url}/score"))
            print(f"server peak RSS (all processes): {rss.peak / 2**20:.0f} MB")
            for name, peak in rss.by_process.items():
                print(f"  peak RSS of {name}: {peak / 2**20:.0f} MB")
            if FAILED_STATUSES:
                print(f"failed requests by status: {dict(Counter(FAILED_STATUSES))}")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
