"""Find, register and move models in the BentoML model store.

Models are stored as ``headline-lens:<version>``; ``BENTOML_HOME`` picks the store.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from model.artifact import ArtifactError, load_manifest

MODEL_NAME = "headline-lens"
MODEL_ENV = "HEADLINE_LENS_MODEL"


def _bentoml():
    # Telemetry is opt-in for this project: nothing leaves the machine unless asked.
    os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")
    import bentoml

    return bentoml


def resolve(path_or_tag: str | Path | None = None) -> Path:
    """Return the artifact directory for a path, a store tag, or the default model.

    The default is ``$HEADLINE_LENS_MODEL`` when set, else the newest
    ``headline-lens`` model in the store. Raises ``ArtifactError`` when nothing matches.
    """
    if path_or_tag is None:
        path_or_tag = os.environ.get(MODEL_ENV) or f"{MODEL_NAME}:latest"
    candidate = Path(path_or_tag)
    if candidate.is_dir():
        return candidate
    tag = str(path_or_tag)
    if ":" not in tag and "/" not in tag:
        tag = f"{MODEL_NAME}:{tag}"
    bentoml = _bentoml()
    try:
        return Path(bentoml.models.get(tag).path)
    except bentoml.exceptions.NotFound as exc:
        raise ArtifactError(
            f"no model {tag!r} in the BentoML store ({store_home()}); "
            "train one with `headline-lens train` or set HEADLINE_LENS_MODEL to an artifact directory"
        ) from exc


def store_home() -> str:
    """Where the BentoML store lives."""
    return os.environ.get("BENTOML_HOME", str(Path.home() / "bentoml"))


def register(artifact_dir: str | Path) -> str:
    """Copy a checked artifact into the store as ``headline-lens:<version>``; return the tag."""
    import shutil

    manifest = load_manifest(artifact_dir)
    bentoml = _bentoml()
    tag = f"{MODEL_NAME}:{manifest.version}"
    try:
        existing = bentoml.models.get(tag)
    except bentoml.exceptions.NotFound:
        existing = None
    if existing is not None:
        # Versions are immutable: the same bytes again is a no-op, different bytes a mistake.
        stored_hash = load_manifest(existing.path, verify_hash=False).onnx_sha256
        if stored_hash != manifest.onnx_sha256:
            raise ArtifactError(
                f"{tag} is already stored with another model.onnx (sha256 {stored_hash[:12]}… vs "
                f"{manifest.onnx_sha256[:12]}…); a version names one set of bytes: re-export under a new version"
            )
        return tag
    with bentoml.models.create(
        tag,
        module="headline_lens",
        labels={"schema": str(manifest.schema_version)},
        metadata={"base_model": manifest.base_model, "created_at": manifest.created_at},
    ) as stored:
        for file in Path(artifact_dir).iterdir():
            if file.is_file():
                shutil.copyfile(file, Path(stored.path) / file.name)
    return tag


def list_models() -> list[dict[str, Any]]:
    """Stored ``headline-lens`` models, newest first."""
    bentoml = _bentoml()
    rows = []
    try:
        stored_models = bentoml.models.list(MODEL_NAME)
    except bentoml.exceptions.NotFound:  # an empty store has no "headline-lens" directory yet
        return []
    for stored in stored_models:
        rows.append(
            {
                "tag": str(stored.tag),
                "created_at": stored.creation_time.isoformat(timespec="seconds"),
                "path": stored.path,
            }
        )
    return sorted(rows, key=lambda r: r["created_at"], reverse=True)


def export_model(tag: str, destination: str) -> str:
    """Write a stored model to a ``.bentomodel`` file (or any BentoML export target)."""
    return _bentoml().models.export_model(tag, destination)


def import_model(source: str) -> str:
    """Import a model exported by ``export_model``; returns its tag."""
    return str(_bentoml().models.import_model(source).tag)
