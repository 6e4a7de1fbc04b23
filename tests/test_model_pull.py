"""``headline-lens model pull`` against a real local HTTP server, each run in a fresh, private store.

The command runs as a subprocess with its own ``BENTOML_HOME`` (BentoML reads it once per
process), so "the store is unchanged" is checked on a real store directory, file by file.
"""

from __future__ import annotations

import hashlib
import io
import lzma
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from file_server import FileServer

from model import store

CLI = [sys.executable, "-c", "from model.cli import main; raise SystemExit(main())"]


@pytest.fixture(scope="module")
def good_file(tiny_artifact, tmp_path_factory) -> bytes:
    """The tiny model exported as a .bentomodel, as ``headline-lens model export`` writes it."""
    tag = store.register(tiny_artifact)
    path = tmp_path_factory.mktemp("export") / "tiny.bentomodel"
    store.export_model(tag, str(path))
    return path.read_bytes()


def tampered_onnx(archive: bytes) -> bytes:
    """The same archive with one byte of model.onnx changed: valid xz and tar, wrong model."""
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:xz") as source, tarfile.open(fileobj=out, mode="w:xz") as sink:
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else None
            if member.name.endswith("model.onnx"):
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            sink.addfile(member, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def pull(url: str, home: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BENTOML_HOME": str(home), "BENTOML_DO_NOT_TRACK": "true"}
    return subprocess.run([*CLI, "model", "pull", url, "--no-progress", *extra], env=env, capture_output=True,
                          text=True, timeout=120)


def snapshot(home: Path) -> dict[str, str]:
    """Every file under the store with its hash: equal snapshots mean an untouched store."""
    return {
        str(path.relative_to(home)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(home.rglob("*")) if path.is_file() and "models" in path.parts
    }


def test_a_good_file_is_imported_and_loads(good_file, tmp_path):
    with FileServer() as server:
        url = server.put("/tiny.bentomodel", good_file)
        result = pull(url, tmp_path / "home", "--sha256", hashlib.sha256(good_file).hexdigest().upper())
    assert result.returncode == 0, result.stderr
    tag = result.stdout.strip()
    assert tag.startswith(f"{store.MODEL_NAME}:")
    env = {**os.environ, "BENTOML_HOME": str(tmp_path / "home")}
    listed = subprocess.run([*CLI, "model", "list", "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert tag in listed.stdout
    score = subprocess.run([*CLI, "score", "--model", tag, "Ten tricks doctors hate"], env=env, capture_output=True,
                           text=True, timeout=120)
    assert score.returncode == 0, score.stderr


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("wrong-hash", "sha256 is"),
        ("truncated", "not a BentoML model archive"),
        ("corrupt", "not a BentoML model archive"),
        ("tampered-onnx", "not a valid headline-lens model"),
        ("not-found", "HTTP 404"),
        ("cut-connection", "download refused"),
    ],
)
def test_a_bad_file_is_refused_and_the_store_is_unchanged(good_file, tmp_path, case, message):
    home = tmp_path / "home"
    with FileServer() as server:
        # A store that already holds a model: refusing must leave it exactly as it was.
        seeded = pull(server.put("/seed.bentomodel", good_file), home)
        assert seeded.returncode == 0, seeded.stderr
        before = snapshot(home)
        assert before
        extra: list[str] = []
        if case == "wrong-hash":
            url = server.put("/m.bentomodel", good_file)
            extra = ["--sha256", "0" * 64]
        elif case == "truncated":
            url = server.put("/m.bentomodel", good_file[: len(good_file) // 2])
        elif case == "corrupt":
            middle = len(good_file) // 2
            url = server.put("/m.bentomodel", good_file[:middle] + bytes(64) + good_file[middle + 64 :])
        elif case == "tampered-onnx":
            url = server.put("/m.bentomodel", tampered_onnx(good_file))
        elif case == "cut-connection":
            url = server.put("/m.bentomodel", good_file)
            server.cut_after["/m.bentomodel"] = len(good_file) // 3
        else:
            url = server.base + "/missing.bentomodel"
        result = pull(url, home, *extra)
    assert result.returncode == 1
    assert message in result.stderr and "store is unchanged" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(home) == before


def test_a_bentomodel_is_an_xz_tarball(good_file):
    # The tampered case above rebuilds the archive in the format BentoML writes: guard that assumption.
    assert lzma.decompress(good_file)
