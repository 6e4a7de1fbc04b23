"""A real HTTP file server on 127.0.0.1 for download tests: byte ranges, cut connections, requests.

``with FileServer() as server: url = server.put("/m.bentomodel", data)``. It is the feed
tests' :class:`FeedServer` answering from in-memory files instead of feed routes: it honours
``Range: bytes=N-`` with 206 (unless ``ranges=False``, like servers that ignore it), and
``cut_after`` makes it declare the full length but hang up after that many bytes, as a
dropped connection does.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from fixtures.feeds.feed_server import FeedServer


@dataclass
class FileServer(FeedServer):
    """Serves in-memory files by path and records every request's path and ``Range`` header."""

    files: dict[str, bytes] = field(default_factory=dict)
    cut_after: dict[str, int] = field(default_factory=dict)
    ranges: bool = True
    requests: list[tuple[str, str | None]] = field(default_factory=list)

    def put(self, path: str, data: bytes) -> str:
        """Serve ``data`` on ``path``; return its URL."""
        self.files[path] = data
        return self.url(path)

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        wanted = handler.headers.get("Range")
        self.requests.append((path, wanted))
        data = self.files.get(path)
        if data is None:
            handler.send_error(404, "Not Found")
            return
        start = 0
        if wanted and self.ranges and wanted.startswith("bytes=") and wanted.endswith("-"):
            start = int(wanted[len("bytes="):-1])
            if start >= len(data):
                handler.send_response(416)
                handler.send_header("Content-Range", f"bytes */{len(data)}")
                handler.send_header("Content-Length", "0")
                handler.end_headers()
                return
            handler.send_response(206)
            handler.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            handler.send_response(200)
        handler.send_header("Content-Length", str(len(data) - start))
        handler.send_header("Accept-Ranges", "bytes")
        handler.end_headers()
        cut = self.cut_after.pop(path, None)
        body = data[start:] if cut is None else data[start : start + cut]
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client may hang up first
            handler.wfile.write(body)
        handler.close_connection = True
