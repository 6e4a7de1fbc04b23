"""``headline-lens data fetch`` against a real local HTTP server: never a real download.

Small fixture datasets (written here) test verification, resume and refusal; the registry's
own entries are fetched from a local mirror of the data directory when HEADLINE_LENS_DATA
is there, which checks every documented SHA-256 and the Webis join end to end.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from file_server import FileServer

from training.fetch import fetch_source, mirrored
from training.sources.registry import SOURCES, Download, SourceInfo

CLI = [sys.executable, "-c", "from model.cli import main; raise SystemExit(main())"]
PLAIN = b"".join(f"headline {index}\tlabel {index % 2}\n".encode() for index in range(4000))
PACKED_TEXT = b"".join(f"packed headline {index}\n".encode() for index in range(3000))


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fixture_source(base: str, restricted: bool = False) -> SourceInfo:
    """A two-file dataset: one plain file and one the source ships gzip-compressed."""
    return SourceInfo(
        name="fixture", loader=lambda data_dir, weight=1.0: iter(()), files=("fixture/plain.tsv", "fixture/packed.txt"),
        expected_rows=None, licence="AGPL-3.0" if restricted else "MIT", canonical_source="a test server",
        citation="-", heads=("clickbait",), restricted=restricted,
        sha256={"fixture/plain.tsv": digest(PLAIN), "fixture/packed.txt": digest(PACKED_TEXT)},
        downloads=(
            Download(f"{base}/repo/commit/plain.tsv", "fixture/plain.tsv"),
            Download(f"{base}/repo/commit/packed.txt.gz", "fixture/packed.txt", compression="gzip"),
        ),
    )


@pytest.fixture
def server():
    with FileServer() as running:
        running.put("/repo/commit/plain.tsv", PLAIN)
        running.put("/repo/commit/packed.txt.gz", gzip.compress(PACKED_TEXT))
        yield running


def always(answer: bool):
    asked: list[str] = []

    def confirm(info: SourceInfo) -> bool:
        asked.append(info.name)
        return answer

    confirm.asked = asked
    return confirm


def test_a_good_fetch_is_verified_and_not_repeated(server, tmp_path):
    report = fetch_source(fixture_source(server.base), tmp_path, always(True), progress=False)
    assert (report.state, report.downloaded, report.verified) == ("ok", 2, 2), report.detail
    assert (tmp_path / "fixture/plain.tsv").read_bytes() == PLAIN
    assert (tmp_path / "fixture/packed.txt").read_bytes() == PACKED_TEXT  # stored decompressed
    assert not list(tmp_path.rglob("*.part"))
    requests = len(server.requests)
    again = fetch_source(fixture_source(server.base), tmp_path, always(True), progress=False)
    assert (again.state, again.downloaded, again.verified) == ("ok", 0, 2)
    assert len(server.requests) == requests  # verified in place: nothing downloaded twice


def test_a_partial_file_is_resumed_with_a_range_request(server, tmp_path):
    partial = tmp_path / "fixture/plain.tsv.part"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(PLAIN[:12345])
    report = fetch_source(fixture_source(server.base), tmp_path, always(True), progress=False)
    assert report.state == "ok", report.detail
    assert ("/repo/commit/plain.tsv", "bytes=12345-") in server.requests
    assert (tmp_path / "fixture/plain.tsv").read_bytes() == PLAIN


def test_a_dropped_connection_leaves_a_partial_file_that_the_next_run_completes(server, tmp_path):
    server.cut_after["/repo/commit/plain.tsv"] = 20_000
    first = fetch_source(fixture_source(server.base), tmp_path, always(True), progress=False)
    assert first.state == "failed" and "plain.tsv" in first.detail
    assert not (tmp_path / "fixture/plain.tsv").exists()
    assert (tmp_path / "fixture/plain.tsv.part").stat().st_size == 20_000
    second = fetch_source(fixture_source(server.base), tmp_path, always(True), progress=False)
    assert second.state == "ok", second.detail
    assert ("/repo/commit/plain.tsv", "bytes=20000-") in server.requests
    assert (tmp_path / "fixture/plain.tsv").read_bytes() == PLAIN


def test_a_server_that_ignores_ranges_sends_the_whole_file_again(tmp_path):
    with FileServer(ranges=False) as server:
        server.put("/repo/commit/plain.tsv", PLAIN)
        server.put("/repo/commit/packed.txt.gz", gzip.compress(PACKED_TEXT))
        (tmp_path / "fixture").mkdir()
        (tmp_path / "fixture/plain.tsv.part").write_bytes(PLAIN[:5000])
        report = fetch_source(fixture_source(server.base), tmp_path, always(True), progress=False)
    assert report.state == "ok", report.detail
    assert (tmp_path / "fixture/plain.tsv").read_bytes() == PLAIN


@pytest.mark.parametrize(
    ("path", "bad", "message"),
    [
        ("/repo/commit/plain.tsv", PLAIN.replace(b"label 1", b"label 0", 1), "sha256 is"),
        ("/repo/commit/packed.txt.gz", gzip.compress(PACKED_TEXT + b"extra\n"), "sha256 is"),
        ("/repo/commit/packed.txt.gz", b"not gzip at all", "not valid gzip"),
    ],
)
def test_a_wrong_file_is_refused_and_deleted(server, tmp_path, path, bad, message):
    server.put(path, bad)
    report = fetch_source(fixture_source(server.base), tmp_path, always(True), progress=False)
    assert report.state == "failed" and message in report.detail and "deleted" in report.detail
    name = Path(path).name.removesuffix(".gz")
    leftovers = [p.name for p in tmp_path.rglob("*") if p.is_file() and p.name.startswith(name)]
    assert leftovers == []  # neither in place nor as a .part a later run would resume


def test_a_missing_file_fails_with_the_status(server, tmp_path):
    del server.files["/repo/commit/plain.tsv"]
    report = fetch_source(fixture_source(server.base), tmp_path, always(True), progress=False)
    assert report.state == "failed" and "HTTP 404" in report.detail


def test_a_restricted_dataset_is_only_fetched_when_accepted(server, tmp_path):
    declined = always(False)
    report = fetch_source(fixture_source(server.base, restricted=True), tmp_path, declined, progress=False)
    assert report.state == "skipped" and declined.asked == ["fixture"] and server.requests == []
    accepted = always(True)
    report = fetch_source(fixture_source(server.base, restricted=True), tmp_path, accepted, progress=False)
    assert report.state == "ok" and accepted.asked == ["fixture"]
    unrestricted = always(False)
    fetch_source(fixture_source(server.base), tmp_path, unrestricted, progress=False)
    assert unrestricted.asked == []  # open licences are shown, not asked about


def test_every_registry_download_is_pinned_and_verifiable():
    for info in SOURCES.values():
        for item in info.downloads:
            parts = urlsplit(item.url)
            assert parts.scheme == "https" and len(parts.path.split("/")[3]) == 40, item.url  # a full commit hash
            assert info.expected_sha256(item), f"{info.name}: {item.target} has no SHA-256"
        assert set(info.files) <= {item.target for item in info.downloads} | (set(info.files) if info.derive else set())
    assert mirrored("https://raw.example/o/r/c/p.csv", "http://127.0.0.1:9/") == "http://127.0.0.1:9/o/r/c/p.csv"


def run_cli(*args: str, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "data", "fetch", "--no-progress", *args], stdin=stdin, capture_output=True, text=True,
                          timeout=120)


def test_without_a_terminal_restricted_datasets_need_yes(server, tmp_path):
    result = run_cli("--only", "semeval", "--mirror", server.base, str(tmp_path))
    assert result.returncode == 1
    assert "RESTRICTED" in result.stdout and "not fetched without --yes" in result.stderr
    assert server.requests == []


def prompted_run(server_base: str, directory: Path, answer: str) -> str:
    """Run ``data fetch --only semeval`` on a real pseudo-terminal, answer the prompt; return the screen."""
    main, child = pty.openpty()
    process = subprocess.Popen([*CLI, "data", "fetch", "--no-progress", "--only", "semeval", "--mirror", server_base,
                                str(directory)], stdin=child, stdout=child, stderr=child)
    os.close(child)
    screen, answered, deadline = b"", False, time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            screen += chunk
        if not answered and b"Download it? [y/N]" in screen:
            os.write(main, answer.encode() + b"\n")
            answered = True
        if process.poll() is not None and not ready:
            break
    process.wait(timeout=30)
    os.close(main)
    return screen.decode(errors="replace")


def test_on_a_terminal_a_restricted_dataset_is_asked_about(server, tmp_path):
    screen = prompted_run(server.base, tmp_path, "n")
    assert "restricted terms" in screen and "skipped" in screen
    assert server.requests == []
    screen = prompted_run(server.base, tmp_path, "y")
    assert "Download it? [y/N]" in screen
    assert server.requests  # accepted: the files were asked for (the mirror here has none of them)


def test_the_registry_fetched_from_a_mirror_of_the_data_is_verified_end_to_end(tmp_path):
    data = os.environ.get("HEADLINE_LENS_DATA")
    if not data or not Path(data, "webis_clickbait17").is_dir():
        print("SKIP reason: HEADLINE_LENS_DATA (the public datasets) is not available")
        pytest.skip("HEADLINE_LENS_DATA (the public datasets) is not available")
    with FileServer() as server:
        for info in SOURCES.values():
            for item in info.downloads:
                body = Path(data, item.target).read_bytes()
                server.put(urlsplit(item.url).path, gzip.compress(body) if item.compression == "gzip" else body)
        fetched = run_cli("--yes", "--mirror", server.base, str(tmp_path / "data"))
        assert fetched.returncode == 0, fetched.stdout + fetched.stderr
    for info in SOURCES.values():
        for relpath in info.files:
            assert digest(Path(tmp_path, "data", relpath).read_bytes()) == info.sha256[relpath]
    check = subprocess.run([*CLI, "data", "check", "--data-dir", str(tmp_path / "data")], capture_output=True,
                           text=True, timeout=600)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "differs from documented copy" not in check.stdout
