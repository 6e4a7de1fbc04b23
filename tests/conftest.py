"""Shared fixtures: a tiny real model artifact built once per test session."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
# Tests never reach a model hub and never send telemetry.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")
# BentoML reads its home once, at import: give the whole session a private, empty store.
os.environ["BENTOML_HOME"] = tempfile.mkdtemp(prefix="headline-lens-bentoml-")


@pytest.fixture(scope="session")
def tiny_built(tmp_path_factory):
    """``(artifact_dir, torch_model, hf_tokenizer)`` for a tiny fp32 model."""
    from tiny_model import build_tiny_artifact

    return build_tiny_artifact(tmp_path_factory.mktemp("tiny") / "artifact")


@pytest.fixture(scope="session")
def tiny_artifact(tiny_built) -> Path:
    """Path of a tiny fp32 artifact directory."""
    return tiny_built[0]


@pytest.fixture(scope="session")
def tiny_scorer(tiny_artifact):
    """A ``Scorer`` on the tiny artifact."""
    from model import Scorer

    return Scorer(tiny_artifact)
