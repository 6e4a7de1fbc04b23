import json
import shutil

import pytest

from model.artifact import MANIFEST_FILE, ONNX_FILE, ArtifactError, load_manifest
from model.labels import HEAD_NAMES, SCHEMA_VERSION


@pytest.fixture()
def artifact_copy(tiny_artifact, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(tiny_artifact, target)
    return target


def _edit_manifest(directory, **changes):
    path = directory / MANIFEST_FILE
    raw = json.loads(path.read_text())
    raw.update(changes)
    path.write_text(json.dumps(raw))


def test_manifest_round_trip(tiny_artifact):
    manifest = load_manifest(tiny_artifact)
    assert manifest.schema_version == SCHEMA_VERSION
    assert tuple(h.name for h in manifest.heads) == HEAD_NAMES
    assert len(manifest.onnx_sha256) == 64


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("schema_version", SCHEMA_VERSION + 1, "label schema"),
        ("preprocessing_version", 999, "preprocessing version"),
        ("heads", [{"name": "bias", "threshold": 0.5}, {"name": "clickbait", "threshold": 0.5}], "heads"),
        ("heads", [{"name": "clickbait", "threshold": 1.5}, {"name": "bias", "threshold": 0.5}], "threshold"),
    ],
)
def test_mismatched_manifest_is_refused(artifact_copy, field, value, message):
    _edit_manifest(artifact_copy, **{field: value})
    with pytest.raises(ArtifactError, match=message):
        load_manifest(artifact_copy)


def test_corrupted_onnx_is_refused(artifact_copy):
    with open(artifact_copy / ONNX_FILE, "r+b") as handle:
        handle.seek(100)
        handle.write(b"\x00garbage\x00")
    with pytest.raises(ArtifactError, match="corrupted"):
        load_manifest(artifact_copy)


def test_missing_file_and_bad_json_are_named(artifact_copy):
    (artifact_copy / MANIFEST_FILE).write_text("{not json")
    with pytest.raises(ArtifactError, match="not valid JSON"):
        load_manifest(artifact_copy)
    (artifact_copy / ONNX_FILE).unlink()
    with pytest.raises(ArtifactError, match="has no model.onnx"):
        load_manifest(artifact_copy)
