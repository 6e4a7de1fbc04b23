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


@pytest.fixture(scope="module")
def tiny_server(tiny_artifact, tmp_path_factory):
    """The real service (``bentoml serve``) on the tiny artifact, one per test module that asks for it."""
    from service_server import running_service

    with running_service(tiny_artifact, tmp_path_factory.mktemp("service")) as server:
        yield server


@pytest.fixture(scope="session")
def tiny_scorer(tiny_artifact):
    """A ``Scorer`` on the tiny artifact."""
    from model import Scorer

    return Scorer(tiny_artifact)


@pytest.fixture(scope="session")
def named_scorer():
    """A ``Scorer`` on the model ``HEADLINE_LENS_MODEL`` names (the full trained model), else a skip saying so."""
    from model import ArtifactError, Scorer

    if not os.environ.get("HEADLINE_LENS_MODEL"):
        pytest.skip("no full model named: set HEADLINE_LENS_MODEL=<artifact dir or tag> to run this on it")
    try:
        return Scorer.load()
    except ArtifactError as exc:
        pytest.skip(f"HEADLINE_LENS_MODEL does not load ({exc})")


@pytest.fixture(scope="module", params=["tiny model", "named model"])
def any_scorer(request):
    """The tiny in-test model, and the model ``HEADLINE_LENS_MODEL`` names whenever one is given."""
    return request.getfixturevalue("tiny_scorer" if request.param == "tiny model" else "named_scorer")
