"""Run the real service (``bentoml serve``) on a free loopback port, for tests.

Reuse it from any test module with a module- or session-scoped fixture::

    @pytest.fixture(scope="module")
    def server(tiny_artifact, tmp_path_factory):
        with running_service(tiny_artifact, tmp_path_factory.mktemp("svc")) as srv:
            yield srv

    def test_something(server):
        httpx.post(f"{server.url}/score", json={"headlines": ["..."]})

Extra environment variables (e.g. ``HEADLINE_LENS_API_KEYS``) go in ``env``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT_S = 90.0


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServiceServer:
    """A running ``bentoml serve`` process."""

    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        """Everything the server printed so far (stdout and stderr)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Stop the server and its worker processes."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def start_service(
    model: str | Path,
    workdir: Path,
    env: dict[str, str] | None = None,
    timeout: float = STARTUP_TIMEOUT_S,
    source: Path = REPO,
) -> ServiceServer:
    """Start the service on a free port with ``model`` and wait until ``/readyz`` answers 200.

    The feedback and feed databases go to ``workdir`` unless ``env`` names others. ``source``
    is the checkout whose code is served (another commit's, to benchmark against it).
    """
    import httpx

    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    full_env = {
        **os.environ,
        "BENTOML_DO_NOT_TRACK": "true",
        "HF_HUB_OFFLINE": "1",
        "HEADLINE_LENS_MODEL": str(model),
        "HEADLINE_LENS_FEEDBACK_DB": str(workdir / "feedback.sqlite3"),
        "HEADLINE_LENS_FEED_DB": str(workdir / "feeds.sqlite3"),
        **(env or {}),
    }
    if source != REPO:
        full_env["PYTHONPATH"] = str(source)
    log_path = workdir / f"server-{port}.log"
    bentoml = Path(sys.executable).parent / "bentoml"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(bentoml), "serve", "service.service:HeadlineLens", "--host", "127.0.0.1", "--port", str(port)],
            cwd=source,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # one process group: stop() ends the workers too
        )
    server = ServiceServer(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"bentoml serve exited with {process.returncode}:\n{server.log()[-3000:]}")
        try:
            if httpx.get(f"{server.url}/readyz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"service not ready after {timeout:.0f}s:\n{server.log()[-3000:]}")


@contextmanager
def running_service(model: str | Path, workdir: Path, env: dict[str, str] | None = None) -> Iterator[ServiceServer]:
    """``start_service`` as a context manager that always stops the server."""
    server = start_service(model, workdir, env)
    try:
        yield server
    finally:
        server.stop()
