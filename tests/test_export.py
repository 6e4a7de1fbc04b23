"""The export decision: every format measured against torch, the first that fits is served."""

from __future__ import annotations

import numpy as np
import pytest
from tiny_model import HEADLINES, LABELS, tiny_manifest

from model import Scorer
from model.artifact import load_manifest
from training.export import FP32, INT8_FORMATS, ExportMismatch, build_artifact


def _labels() -> np.ndarray:
    return (np.array(LABELS) >= 0.5).astype(float)


def test_every_format_is_measured_side_by_side_and_int8_wins_when_it_fits(tiny_built, tmp_path):
    _, model, tokenizer = tiny_built
    directory, report = build_artifact(model, tokenizer, tiny_manifest(), tmp_path / "a", HEADLINES,
                                       tolerance=1.0, min_label_agreement=0.0, verify_labels=_labels())
    assert list(report.formats) == [*INT8_FORMATS, FP32]
    assert report.chosen == "int8" and load_manifest(directory).quantized
    for measured in report.formats.values():
        assert measured.n == len(HEADLINES) and measured.headlines_per_s > 0
        assert set(measured.roc_auc) == {"clickbait", "bias"}
    assert report.formats[FP32].max_abs_diff < 1e-4 and report.formats[FP32].label_agreement == 1.0
    assert report.torch.label_agreement == 1.0 and report.to_dict()["chosen"] == "int8"


def test_int8_drift_falls_back_to_fp32_instead_of_losing_the_run(tiny_built, tmp_path):
    _, model, tokenizer = tiny_built
    # No int8 graph reproduces torch to 1e-5; fp32 does, so fp32 is written and the reason says why.
    directory, report = build_artifact(model, tokenizer, tiny_manifest(), tmp_path / "a", HEADLINES,
                                       tolerance=1e-5, min_label_agreement=1.0)
    assert report.chosen == FP32
    assert "rejected int8" in report.reason and "int8_keep_first" in report.reason
    manifest = load_manifest(directory)
    assert not manifest.quantized
    reference = Scorer(directory).probabilities(HEADLINES)
    assert np.abs(reference - Scorer(directory).probabilities(HEADLINES)).max() == 0


def test_without_quantize_only_fp32_is_measured_and_the_reason_says_so(tiny_built, tmp_path):
    _, model, tokenizer = tiny_built
    directory, report = build_artifact(model, tokenizer, tiny_manifest(), tmp_path / "a", HEADLINES,
                                       tolerance=1e-4, min_label_agreement=1.0, quantize=False)
    assert list(report.formats) == [FP32] and report.chosen == FP32
    assert report.reason.endswith("int8 not measured (quantize: false)")
    assert not load_manifest(directory).quantized


def test_keep_first_layer_leaves_the_first_layer_and_heads_in_fp32(tiny_built, tmp_path):
    import onnx

    _, model, tokenizer = tiny_built
    build_artifact(model, tokenizer, tiny_manifest(), tmp_path / "a", HEADLINES, formats=("int8_keep_first",),
                   tolerance=1.0, min_label_agreement=0.0)
    graph = onnx.load(str(tmp_path / "a" / "model.onnx")).graph
    quantized = [n.name for n in graph.node if n.op_type == "MatMulInteger"]
    layers = sorted({n.name.split("layer.")[1].split("/")[0] for n in graph.node if "layer." in n.name})
    assert quantized, "the lower layers are int8"
    assert not any(f"layer.{layers[0]}/" in name or "heads" in name for name in quantized)
    assert any(n.op_type in ("Gemm", "MatMul") and "heads" in n.name for n in graph.node)


def test_only_a_broken_export_raises(tiny_built, tmp_path):
    _, model, tokenizer = tiny_built
    with pytest.raises(ExportMismatch, match="broken export"):
        build_artifact(model, tokenizer, tiny_manifest(), tmp_path / "a", HEADLINES, formats=("int8",),
                       tolerance=0.0, min_label_agreement=1.0)


def test_a_given_torch_reference_is_used_instead_of_a_second_torch_pass(tiny_built, tmp_path):
    from training.export import TorchReference, torch_logits

    _, model, tokenizer = tiny_built
    logits = torch_logits(model, tokenizer, HEADLINES, tiny_manifest().max_length)
    _, honest = build_artifact(model, tokenizer, tiny_manifest(), tmp_path / "a", HEADLINES, formats=(FP32,),
                               tolerance=1e-4, min_label_agreement=1.0, reference=TorchReference(logits, 123.0))
    assert honest.chosen == FP32 and honest.torch.headlines_per_s == 123.0
    # The reference is what fp32 is checked against: a wrong one makes the export fail loudly.
    with pytest.raises(ExportMismatch):
        build_artifact(model, tokenizer, tiny_manifest(), tmp_path / "b", HEADLINES, formats=(FP32,), tolerance=1e-4,
                       min_label_agreement=1.0, reference=TorchReference(logits + 3.0, 123.0))
    with pytest.raises(ValueError, match="reference logits"):
        build_artifact(model, tokenizer, tiny_manifest(), tmp_path / "c", HEADLINES, formats=(FP32,), tolerance=1e-4,
                       min_label_agreement=1.0, reference=TorchReference(logits[:2], 123.0))


def test_verification_reuses_the_calibration_logits_and_computes_only_the_rest(tiny_built):
    import pandas as pd

    from training.export import torch_logits
    from training.pipeline import _reuse_logits
    from training.train_config import TrainConfig

    _, model, tokenizer = tiny_built
    config = TrainConfig(max_length=tiny_manifest().max_length)
    frame = pd.DataFrame({"text": HEADLINES}, index=[10 + i for i in range(len(HEADLINES))])
    scored = frame.iloc[::2]
    marked = torch_logits(model, tokenizer, scored["text"].tolist(), config.max_length) + 100.0
    wanted = frame.sample(frac=1.0, random_state=0)
    out = _reuse_logits(marked, scored, wanted, model, tokenizer, config)
    fresh = torch_logits(model, tokenizer, wanted["text"].tolist(), config.max_length)
    reused = wanted.index.isin(scored.index)
    assert reused.any() and (~reused).any()
    np.testing.assert_allclose(out[reused], fresh[reused] + 100.0, atol=1e-5)  # taken from the given logits
    np.testing.assert_allclose(out[~reused], fresh[~reused], atol=1e-5)  # computed
