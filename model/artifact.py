"""The on-disk model artifact: ``model.onnx``, tokenizer files and ``manifest.json``.

A manifest records everything needed to reproduce a score: label schema,
preprocessing version, thresholds, calibration, max_length, base model, the hashes
of the data it was trained on and its evaluation metrics.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from model import calibration
from model.labels import HEAD_NAMES, SCHEMA_VERSION
from model.text import PREPROCESSING_VERSION

MANIFEST_FILE = "manifest.json"
ONNX_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
#: The optional sentence embedder (mean-pooled, L2-normalised base encoder) used by the story features.
EMBEDDER_FILE = "embedder.onnx"


class ArtifactError(Exception):
    """The artifact is missing, corrupted, or was written for other code."""


@dataclass
class HeadSpec:
    """Serving parameters of one head."""

    name: str
    threshold: float
    calibration: dict[str, Any] = field(default_factory=lambda: {"method": "none"})


@dataclass
class Manifest:
    """Everything that identifies and configures one trained model."""

    version: str
    heads: list[HeadSpec]
    base_model: str
    max_length: int
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    schema_version: int = SCHEMA_VERSION
    preprocessing_version: int = PREPROCESSING_VERSION
    onnx_sha256: str = ""
    quantized: bool = False
    metrics: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    #: The model check of the training run: ``{"passed": bool, "checks": [...]}`` (empty if never run).
    check: dict[str, Any] = field(default_factory=dict)
    #: The sentence embedder next to ``model.onnx`` (empty in artifacts written before it existed):
    #: ``{"file", "sha256", "base_model", "max_length", "dim", "pooling", "seconds"}``.
    embedder: dict[str, Any] = field(default_factory=dict)

    def check_report(self) -> str:
        """The model check, one line per check, for logs and terminals."""
        if not self.check:
            return f"model check: not run for {self.version}"
        lines = [f"model check of {self.version}: {'PASSED' if self.check.get('passed') else 'FAILED'}"]
        for c in self.check.get("checks", []):
            lines.append(f"  [{'ok' if c.get('passed') else 'FAIL'}] {c.get('name')}: {c.get('value')} "
                         f"(goal: {c.get('goal')})")
        return "\n".join(lines)

    def head(self, name: str) -> HeadSpec:
        """The spec of head ``name``."""
        for spec in self.heads:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def thresholds(self) -> dict[str, float]:
        """Decision threshold per head."""
        return {spec.name: spec.threshold for spec in self.heads}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Manifest:
        """Build a manifest from parsed JSON, raising ``ArtifactError`` on bad fields."""
        try:
            heads = [HeadSpec(**h) for h in raw["heads"]]
            known = {f for f in cls.__dataclass_fields__}
            return cls(**{**{k: v for k, v in raw.items() if k in known}, "heads": heads})
        except (KeyError, TypeError) as exc:
            raise ArtifactError(f"manifest is malformed: {exc}") from exc


def new_version(now: datetime | None = None) -> str:
    """A sortable version id usable as a BentoML tag version, e.g. ``v20261122-013400``."""
    now = now or datetime.now(timezone.utc)
    return now.strftime("v%Y%m%d-%H%M%S")


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def validate_manifest(manifest: Manifest) -> None:
    """Raise ``ArtifactError`` unless this code can serve ``manifest``."""
    if manifest.schema_version != SCHEMA_VERSION:
        raise ArtifactError(
            f"artifact {manifest.version} uses label schema {manifest.schema_version}, "
            f"this code expects schema {SCHEMA_VERSION}; retrain or use a matching release"
        )
    if manifest.preprocessing_version != PREPROCESSING_VERSION:
        raise ArtifactError(
            f"artifact {manifest.version} was trained with preprocessing version "
            f"{manifest.preprocessing_version}, this code applies version {PREPROCESSING_VERSION}; "
            "scores would not match what was evaluated"
        )
    names = tuple(spec.name for spec in manifest.heads)
    if names != HEAD_NAMES:
        raise ArtifactError(f"artifact heads {names} do not match the schema's heads {HEAD_NAMES}")
    for spec in manifest.heads:
        if not 0.0 < spec.threshold < 1.0:
            raise ArtifactError(f"threshold of head {spec.name!r} is {spec.threshold}, not in (0, 1)")
        try:
            calibration.validate(spec.calibration)
        except ValueError as exc:
            raise ArtifactError(f"calibration of head {spec.name!r}: {exc}") from exc
    if manifest.max_length < 2:
        raise ArtifactError(f"max_length {manifest.max_length} is too small")


def load_manifest(directory: str | Path, verify_hash: bool = True) -> Manifest:
    """Read and check an artifact directory's manifest and files.

    Raises ``ArtifactError`` with a message naming the problem: a missing file, bad
    JSON, a version mismatch, or a ``model.onnx`` whose hash differs from the manifest.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ArtifactError(f"model artifact {directory} is not a directory")
    for name in (MANIFEST_FILE, ONNX_FILE, TOKENIZER_FILE):
        if not (directory / name).is_file():
            raise ArtifactError(f"model artifact {directory} has no {name}")
    try:
        raw = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{directory / MANIFEST_FILE} is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise ArtifactError(f"{directory / MANIFEST_FILE} must hold a JSON object")
    manifest = Manifest.from_dict(raw)
    validate_manifest(manifest)
    if verify_hash and manifest.onnx_sha256:
        actual = sha256_file(directory / ONNX_FILE)
        if actual != manifest.onnx_sha256:
            raise ArtifactError(
                f"{directory / ONNX_FILE} is corrupted: sha256 {actual[:12]}… "
                f"but the manifest records {manifest.onnx_sha256[:12]}…"
            )
    if manifest.embedder:
        _check_embedder(directory, manifest, verify_hash)
    return manifest


def _check_embedder(directory: Path, manifest: Manifest, verify_hash: bool) -> None:
    """An embedder the manifest names must be present and, like ``model.onnx``, match its recorded hash."""
    path = directory / EMBEDDER_FILE
    if not path.is_file():
        raise ArtifactError(f"model artifact {directory} records a sentence embedder but has no {EMBEDDER_FILE}")
    recorded = manifest.embedder.get("sha256", "")
    if verify_hash and recorded:
        actual = sha256_file(path)
        if actual != recorded:
            raise ArtifactError(
                f"{path} is corrupted: sha256 {actual[:12]}… but the manifest records {recorded[:12]}…"
            )


def write_artifact(
    directory: str | Path,
    manifest: Manifest,
    onnx_path: str | Path,
    tokenizer_files: list[Path],
    embedder_path: str | Path | None = None,
) -> Path:
    """Write a complete artifact directory and return its path.

    The ONNX hashes (``model.onnx`` and, when the manifest names one, ``embedder.onnx``) are
    computed here so the manifest always matches the files written. ``embedder_path`` copies a
    sentence embedder into the artifact.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if Path(onnx_path).resolve() != (directory / ONNX_FILE).resolve():
        shutil.copyfile(onnx_path, directory / ONNX_FILE)
    for file in tokenizer_files:
        if Path(file).resolve() != (directory / Path(file).name).resolve():
            shutil.copyfile(file, directory / Path(file).name)
    if not (directory / TOKENIZER_FILE).is_file():
        raise ArtifactError(f"tokenizer files must include {TOKENIZER_FILE}")
    manifest.onnx_sha256 = sha256_file(directory / ONNX_FILE)
    if embedder_path is not None and Path(embedder_path).resolve() != (directory / EMBEDDER_FILE).resolve():
        shutil.copyfile(embedder_path, directory / EMBEDDER_FILE)
    if manifest.embedder:
        if not (directory / EMBEDDER_FILE).is_file():
            raise ArtifactError(f"the manifest names a sentence embedder but {directory} has no {EMBEDDER_FILE}")
        manifest.embedder["sha256"] = sha256_file(directory / EMBEDDER_FILE)
    validate_manifest(manifest)
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest.to_dict(), indent=2) + "\n", encoding="utf-8")
    return directory
