"""The demo page served at ``GET /``: paste headlines, see scores and highlighted spans.

A small Starlette app mounted on the BentoML service (``service.mount_asgi_app``). It serves
``static/index.html`` at ``/`` and the page's script and stylesheet under ``/demo/``. The page
loads nothing from elsewhere; its Content-Security-Policy says so to the browser as well.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"

#: Only this origin's own script, styles and API; no framing, no third parties.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


async def _index(_: Request) -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers=PAGE_HEADERS)


def demo_app() -> Starlette:
    """The ASGI app of the demo page: ``/`` and ``/demo/<asset>``."""
    return Starlette(
        routes=[
            Route("/", _index, methods=["GET", "HEAD"]),
            Mount("/demo", StaticFiles(directory=STATIC_DIR), name="demo-assets"),
        ]
    )
