"""The inference core stays importable without torch and its store round-trips."""

import subprocess
import sys

import pytest

from model import store
from model.artifact import ArtifactError


def test_model_package_never_imports_torch():
    code = (
        "import sys, model, model.scorer, model.store, model.cli, model.store_cli, model.paths;"
        "bad = [m for m in ('torch', 'transformers') if m in sys.modules];"
        "sys.exit(f'imported {bad}' if bad else 0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_register_resolve_export_import(tiny_artifact, tmp_path):
    from model import Scorer

    tag = store.register(tiny_artifact)
    assert tag.startswith("headline-lens:")
    assert store.register(tiny_artifact) == tag  # same version: idempotent
    assert any(row["tag"] == tag for row in store.list_models())
    assert Scorer.load(tag).version == Scorer(tiny_artifact).version
    exported = store.export_model(tag, str(tmp_path / "m.bentomodel"))
    assert (tmp_path / "m.bentomodel").exists(), exported
    import bentoml

    bentoml.models.delete(tag)
    assert store.import_model(str(tmp_path / "m.bentomodel")) == tag
    assert Scorer.load(tag).manifest.onnx_sha256 == Scorer(tiny_artifact).manifest.onnx_sha256


def test_a_version_names_one_set_of_bytes(tiny_artifact, tmp_path):
    import shutil

    from model.artifact import load_manifest, write_artifact

    tag = store.register(tiny_artifact)
    other = shutil.copytree(tiny_artifact, tmp_path / "other")
    changed = tmp_path / "changed.onnx"
    changed.write_bytes((tiny_artifact / "model.onnx").read_bytes() + b"\0")  # same version id, other bytes
    write_artifact(other, load_manifest(other), changed, [])
    with pytest.raises(ArtifactError, match="already stored with another model.onnx"):
        store.register(other)
    assert store.resolve(tag) is not None


def test_unknown_tag_names_the_store():
    with pytest.raises(ArtifactError, match="no model 'headline-lens:nope'"):
        store.resolve("nope")


def test_cli_model_list_runs(tiny_artifact):
    from model.cli import main

    store.register(tiny_artifact)
    assert main(["model", "list"]) == 0
