"""``data fetch``: download the registry's public datasets and verify every byte.

Each file is streamed into ``<file>.part`` next to its place, continued with an HTTP Range
request when a partial one is there, checked against its SHA-256 and only then moved into
place. A file with the wrong hash is deleted, never left looking valid. A file already in
place with the right hash is not downloaded again. Restricted datasets (AGPL or unstated
terms) are only fetched after ``confirm`` says yes.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from model.download import DownloadError, download, sha256_file
from training.sources.registry import Download, SourceInfo

#: Largest single file accepted; the biggest registry file is about 6 MB.
MAX_FILE_BYTES = 500 * 1024 * 1024
#: Most bytes one gzip-compressed file may expand to.
MAX_EXPANDED_BYTES = 2 * MAX_FILE_BYTES


@dataclass
class FetchReport:
    """What happened to one dataset: "ok", "skipped" (declined) or "failed", and why."""

    name: str
    state: str
    detail: str = ""
    downloaded: int = 0
    verified: int = 0


def mirrored(url: str, mirror: str | None) -> str:
    """``url`` fetched from ``mirror`` instead (its path kept), e.g. a local copy of the sources."""
    if not mirror:
        return url
    return mirror.rstrip("/") + urlsplit(url).path


def _place(info: SourceInfo, item: Download, data_dir: Path, mirror: str | None, progress: bool) -> bool:
    """Download one file into place; return False when it was already there and verified."""
    target = data_dir / item.target
    expected = info.expected_sha256(item)
    if expected is None:
        raise DownloadError(f"{item.target}: the registry records no SHA-256 for it; refusing an unverifiable file")
    if target.is_file() and sha256_file(target) == expected:
        return False
    partial = target.with_name(target.name + ".part")
    download(mirrored(item.url, mirror), partial, max_bytes=MAX_FILE_BYTES, resume=True, progress=progress)
    stored = partial
    if item.compression == "gzip":
        stored = target.with_name(target.name + ".unpacked")
        try:
            _gunzip(partial, stored)
        except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
            partial.unlink(missing_ok=True)
            stored.unlink(missing_ok=True)
            raise DownloadError(f"{item.target}: the download is not valid gzip ({exc}); deleted") from exc
    actual = sha256_file(stored)
    if actual != expected:
        # A complete file with the wrong bytes: resuming it would only append to the wrong bytes.
        partial.unlink(missing_ok=True)
        stored.unlink(missing_ok=True)
        raise DownloadError(f"{item.target}: sha256 is {actual}, the documented copy has {expected}; deleted")
    stored.replace(target)
    partial.unlink(missing_ok=True)
    return True


def _gunzip(source: Path, destination: Path) -> None:
    with gzip.open(source, "rb") as packed, destination.open("wb") as out:
        copied = 0
        for chunk in iter(lambda: packed.read(1 << 20), b""):
            copied += len(chunk)
            if copied > MAX_EXPANDED_BYTES:
                raise OSError(f"expands beyond {MAX_EXPANDED_BYTES} bytes")
            out.write(chunk)


def fetch_source(
    info: SourceInfo,
    data_dir: str | Path,
    confirm: Callable[[SourceInfo], bool],
    *,
    mirror: str | None = None,
    progress: bool = True,
) -> FetchReport:
    """Fetch and verify one dataset into ``data_dir``; never raises for download problems.

    ``confirm(info)`` is asked before a restricted dataset; ``mirror`` replaces the
    sources' host (the paths stay), for a local copy of the sources.
    """
    data_dir = Path(data_dir)
    report = FetchReport(info.name, "ok")
    if not info.downloads:
        report.state, report.detail = "skipped", "no public download (not part of the data directory)"
        return report
    if info.restricted and not confirm(info):
        report.state, report.detail = "skipped", "restricted licence not accepted (pass --yes to accept)"
        return report
    try:
        for item in info.downloads:
            if _place(info, item, data_dir, mirror, progress):
                report.downloaded += 1
            report.verified += 1
        if info.derive is not None:
            missing = [relpath for relpath in info.files
                       if not (data_dir / relpath).is_file() or sha256_file(data_dir / relpath) != info.sha256[relpath]]
            if missing:
                info.derive(data_dir)
            for relpath in info.files:
                actual = sha256_file(data_dir / relpath)
                if actual != info.sha256[relpath]:
                    (data_dir / relpath).unlink()
                    raise DownloadError(f"{relpath}: derived file has sha256 {actual}, documented "
                                        f"{info.sha256[relpath]}; deleted")
                report.verified += 1
    except (DownloadError, OSError, ValueError) as exc:  # ValueError: a derivation met a malformed input
        report.state, report.detail = "failed", str(exc)
    return report

