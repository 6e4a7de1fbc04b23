"""Streamed HTTP downloads: size-bounded, with progress, resume (HTTP Range) and SHA-256.

Used by ``headline-lens model pull`` and ``headline-lens data fetch``. Everything that
can go wrong (network, HTTP status, size limit, hash) ends in a :class:`DownloadError`
whose message says what happened; the caller decides what to keep.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

#: Bytes read per chunk while hashing files.
HASH_CHUNK = 1 << 20


class DownloadError(Exception):
    """A download failed or its bytes are not the expected ones; the message says why."""


@dataclass(frozen=True)
class Downloaded:
    """A finished download: where it is, its size, and whether it continued a partial file."""

    path: Path
    size: int
    resumed: bool


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(HASH_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_sha256(path: str | Path, expected: str) -> None:
    """Raise ``DownloadError`` unless ``path`` has the SHA-256 ``expected`` (hex, any case)."""
    actual = sha256_file(path)
    if actual != expected.strip().lower():
        raise DownloadError(f"{Path(path).name}: sha256 is {actual}, expected {expected.strip().lower()}")


def download(
    url: str,
    destination: str | Path,
    *,
    max_bytes: int,
    resume: bool = False,
    progress: bool = True,
    timeout_s: float = 60.0,
) -> Downloaded:
    """Stream ``url`` into ``destination`` and return what was written.

    With ``resume`` and a partial ``destination`` already there, only the missing bytes
    are asked for (``Range: bytes=N-``); a server that answers 200 instead of 206 sends the
    whole file again, which then replaces the partial one. More than ``max_bytes`` in
    total (declared or received) stops the download with ``DownloadError``; the partial
    file is left for a later resume.
    """
    import httpx
    from tqdm import tqdm

    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    offset = destination.stat().st_size if resume and destination.is_file() else 0
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    try:
        # trust_env=False: no proxy or netrc from the environment changes where the bytes come from.
        with (
            httpx.Client(follow_redirects=True, timeout=timeout_s, trust_env=False) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code == 416 and offset:
                # The partial file is already complete (or longer than the source): start over.
                destination.unlink()
                return download(url, destination, max_bytes=max_bytes, resume=False, progress=progress,
                                timeout_s=timeout_s)
            if response.status_code not in (200, 206):
                raise DownloadError(f"{url}: HTTP {response.status_code} {response.reason_phrase}".strip())
            resumed = response.status_code == 206 and _continues_at(response, offset)
            if not resumed:
                offset = 0
            declared = response.headers.get("Content-Length", "")
            total = offset + int(declared) if declared.isdigit() else None
            if total is not None and total > max_bytes:
                raise DownloadError(f"{url}: {total} bytes, more than the limit of {max_bytes}")
            size = offset
            with destination.open("ab" if resumed else "wb") as handle, tqdm(
                total=total, initial=offset, unit="B", unit_scale=True, desc=destination.name,
                disable=None if progress else True, file=sys.stderr,
            ) as bar:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise DownloadError(f"{url}: more than the limit of {max_bytes} bytes")
                    handle.write(chunk)
                    bar.update(len(chunk))
    except httpx.HTTPError as exc:
        raise DownloadError(f"{url}: {type(exc).__name__}: {exc}") from exc
    if total is not None and size != total:
        raise DownloadError(f"{url}: the connection ended after {size} of {total} bytes")
    return Downloaded(path=destination, size=size, resumed=resumed)


def _continues_at(response, offset: int) -> bool:
    """True when a 206 answer's ``Content-Range`` starts exactly where the partial file ends."""
    content_range = response.headers.get("Content-Range", "")
    # "bytes 100-199/200": anything else (another start, a multipart answer) is not a continuation.
    unit, _, spec = content_range.partition(" ")
    start = spec.split("-", 1)[0]
    if unit != "bytes" or not start.isdigit() or int(start) != offset:
        raise DownloadError(f"{response.url}: the server resumed at {content_range!r}, not at byte {offset}")
    return True
