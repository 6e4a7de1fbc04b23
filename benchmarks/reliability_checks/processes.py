"""The ``bentoml serve`` process tree: its serving workers and their memory."""

from __future__ import annotations

import threading
import time

import psutil

#: BentoML 1.4 starts each service worker as ``python -m _bentoml_impl.worker.service ...``.
WORKER_MARKER = "_bentoml_impl.worker"


def worker_pids(server_pid: int) -> list[int]:
    """PIDs of the serving workers under the ``bentoml serve`` process ``server_pid``."""
    found = []
    for child in psutil.Process(server_pid).children(recursive=True):
        try:
            if any(WORKER_MARKER in part for part in child.cmdline()):
                found.append(child.pid)
        except psutil.NoSuchProcess:
            continue
    return found


def tree_rss(server_pid: int) -> int:
    """Resident memory, bytes, of the server process and all its descendants."""
    total = 0
    root = psutil.Process(server_pid)
    for process in [root, *root.children(recursive=True)]:
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


class RSSSampler:
    """Samples ``tree_rss`` every ``interval_s`` in a background thread: ``with RSSSampler(pid) as s``."""

    def __init__(self, server_pid: int, interval_s: float = 1.0) -> None:
        self.server_pid = server_pid
        self.interval_s = interval_s
        #: (seconds since start, bytes)
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start = time.monotonic()
        while not self._stop.is_set():
            try:
                self.samples.append((time.monotonic() - start, tree_rss(self.server_pid)))
            except psutil.NoSuchProcess:
                return
            self._stop.wait(self.interval_s)

    def at(self, seconds: float) -> int:
        """The sample taken closest to ``seconds`` after the start (0 without samples)."""
        if not self.samples:
            return 0
        return min(self.samples, key=lambda sample: abs(sample[0] - seconds))[1]

    def __enter__(self) -> RSSSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def mib(size: int) -> float:
    """Bytes as MiB, one decimal."""
    return round(size / 2**20, 1)
