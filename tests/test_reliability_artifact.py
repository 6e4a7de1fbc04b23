"""A corrupted or mismatched model artifact is refused at start, with a message naming the problem."""

import pytest
from artifact_faults import FAULTS, broken_copy
from service_server import start_service

from model import Scorer
from model.artifact import ArtifactError
from model.scorer import check_artifact

#: Faults also started under ``bentoml serve`` in ``make test`` (all of them run in ``make reliability``).
SERVED_FAULTS = ("corrupted-onnx", "schema-mismatch", "corrupted-tokenizer")


@pytest.mark.parametrize("load", [Scorer, check_artifact], ids=["Scorer", "check_artifact"])
@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_a_broken_artifact_is_refused_naming_the_problem(tiny_artifact, tmp_path, fault, load):
    # check_artifact (the service's start-up check, which keeps no model in memory) must
    # refuse exactly what loading a Scorer refuses.
    broken = broken_copy(tiny_artifact, fault, tmp_path / fault.name)
    with pytest.raises(ArtifactError) as refused:
        load(broken)
    assert fault.expected.lower() in str(refused.value).lower()


def test_check_artifact_accepts_a_good_artifact(tiny_artifact):
    assert check_artifact(tiny_artifact).version == Scorer(tiny_artifact).version


def refusal_message(artifact, workdir, timeout_s: float = 45.0) -> str:
    """Start ``bentoml serve`` on ``artifact``; return the error it exits with (fail if it serves)."""
    try:
        server = start_service(artifact, workdir, timeout=timeout_s)
    except RuntimeError as refused:
        return str(refused)
    server.stop()
    raise AssertionError(f"bentoml serve started on a broken artifact {artifact}")


@pytest.mark.parametrize("name", SERVED_FAULTS)
def test_bentoml_serve_exits_with_a_clear_message(tiny_artifact, tmp_path, name):
    fault = next(f for f in FAULTS if f.name == name)
    message = refusal_message(broken_copy(tiny_artifact, fault, tmp_path / name), tmp_path / "work")
    # Exiting matters: a server that keeps restarting a failing worker looks alive to a supervisor.
    assert message.startswith("bentoml serve exited with"), message[-2000:]
    assert fault.expected.lower() in message.lower(), message[-2000:]
