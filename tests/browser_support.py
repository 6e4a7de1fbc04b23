"""Helpers for the browser tests: Debian's Chromium, a static page server, screenshots.

The tests drive the system's Chromium (``apt-get install chromium``) through Playwright; the
browser Playwright would download is not used, so nothing is fetched at test time.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("HEADLINE_LENS_CHROMIUM", "/usr/bin/chromium"))
EXTENSION_DIR = REPO / "extension"
PAGES_DIR = Path(__file__).parent / "fixtures" / "pages"
#: Screenshots land here (gitignored); CI can keep the folder as an artifact.
OUTPUT_DIR = REPO / "test-output"

#: Chromium on a machine without network: no background fetches, updates, sync or first-run UI.
OFFLINE_ARGS = [
    "--no-sandbox",  # CI containers run as root
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider",
]


def require_chromium() -> Path:
    """The Chromium executable, or skip the test saying how to install it."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser test needs Debian's Chromium at {CHROMIUM}: run `make browser` (apt-get install chromium)")
    return CHROMIUM


def extension_args(extension: Path = EXTENSION_DIR) -> list[str]:
    """Chromium flags that load the unpacked extension and no other."""
    return [f"--disable-extensions-except={extension}", f"--load-extension={extension}", *OFFLINE_ARGS]


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as ``test-output/<name>.png``, print and return its path."""
    OUTPUT_DIR.mkdir(exist_ok=True)
    path = OUTPUT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's signature
        pass


@contextmanager
def serve_directory(directory: Path = PAGES_DIR) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1; yields the base URL (no trailing slash)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
