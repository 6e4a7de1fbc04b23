"""Broken copies of a model artifact, each with the phrase a clear refusal must contain.

Shared by ``tests/test_reliability_artifact.py`` and the ``make reliability`` runner.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from model.artifact import MANIFEST_FILE, ONNX_FILE, TOKENIZER_FILE


@dataclass(frozen=True)
class ArtifactFault:
    """One way an artifact can be broken, and what the refusal must say about it."""

    name: str
    damage: Callable[[Path], None]
    #: A case-insensitive phrase the error message must contain (it names the problem).
    expected: str


def _edit_manifest(directory: Path, change: Callable[[dict], None]) -> None:
    path = directory / MANIFEST_FILE
    raw = json.loads(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(json.dumps(raw), encoding="utf-8")


def _flip_bytes(directory: Path) -> None:
    path = directory / ONNX_FILE
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])
    path.write_bytes(bytes(data))


def _truncate_unhashed_onnx(directory: Path) -> None:
    # Without a recorded hash only the ONNX loader itself can notice.
    _edit_manifest(directory, lambda raw: raw.update(onnx_sha256=""))
    path = directory / ONNX_FILE
    path.write_bytes(path.read_bytes()[:1000])


def _rename_head(raw: dict) -> None:
    raw["heads"][0]["name"] = "sarcasm"


FAULTS: tuple[ArtifactFault, ...] = (
    ArtifactFault("corrupted-onnx", _flip_bytes, "corrupted"),
    ArtifactFault("truncated-onnx-without-hash", _truncate_unhashed_onnx, "model.onnx"),
    ArtifactFault("manifest-not-json", lambda d: (d / MANIFEST_FILE).write_text("{not json", "utf-8"), "not valid JSON"),
    ArtifactFault(
        "manifest-missing-heads", lambda d: _edit_manifest(d, lambda raw: raw.pop("heads")), "manifest is malformed"
    ),
    ArtifactFault(
        "schema-mismatch", lambda d: _edit_manifest(d, lambda raw: raw.update(schema_version=999)), "label schema 999"
    ),
    ArtifactFault(
        "preprocessing-mismatch",
        lambda d: _edit_manifest(d, lambda raw: raw.update(preprocessing_version=999)),
        "preprocessing version 999",
    ),
    ArtifactFault("heads-mismatch", lambda d: _edit_manifest(d, _rename_head), "do not match"),
    ArtifactFault("missing-tokenizer", lambda d: (d / TOKENIZER_FILE).unlink(), f"has no {TOKENIZER_FILE}"),
    ArtifactFault("corrupted-tokenizer", lambda d: (d / TOKENIZER_FILE).write_text("{garbage", "utf-8"), "tokenizer"),
)


def broken_copy(artifact: Path, fault: ArtifactFault, destination: Path) -> Path:
    """Copy ``artifact`` to ``destination`` and apply ``fault``; returns the copy's path."""
    shutil.copytree(artifact, destination)
    fault.damage(destination)
    return destination

