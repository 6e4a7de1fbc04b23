"""Training: the masked loss, weak auxiliary targets, and a quick run end to end.

The end-to-end run writes a fake data directory in the formats the adapters read
(rows invented from the fixture headlines), trains the ``quick`` preset on a tiny
BERT saved in-test, exports an int8 artifact, loads it with ``Scorer`` and writes
the evaluation report, all through the ``headline-lens`` command.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from tiny_model import HEADLINES, LABELS

TEMPLATES = ["{}", "{} (video)", "Update: {}", "{}, report says", "Watch: {}"]


def write_fake_data(root: Path) -> Path:
    """A data directory with ~250 invented rows across webis, stop_clickbait, anno_lexical, basil and BABE's test split."""
    texts = [(t.format(h), cb, bias) for t in TEMPLATES for h, (cb, bias) in zip(HEADLINES, LABELS)]
    rng = np.random.default_rng(0)
    webis, clickbait, plain, anno, basil = [], [], [], {"train": [], "dev": [], "test": []}, []
    for i, (text, cb, bias) in enumerate(texts):
        slot = i % 5
        if slot in (0, 1):
            mean = float(np.clip(cb * 0.7 + rng.uniform(0, 0.3), 0, 1))
            webis.append({"id": str(i), "postText": text, "truthMean": round(mean, 3), "truthMedian": round(mean)})
        elif slot == 2:
            (clickbait if cb else plain).append(text)
        elif slot == 3:
            split = ("train", "train", "train", "dev", "test")[i // 5 % 5]
            anno[split].append({"text": text, "source_name": "Example", "label": int(bias), "sentence_id": f"s{i}"})
        else:
            basil.append({"text": text, "pos": "", "label": 0 if bias else 2, "aim": 1 if bias else 2})
    (root / "webis_clickbait17").mkdir(parents=True)
    (root / "webis_clickbait17" / "webis17_joined.jsonl").write_text("\n".join(json.dumps(r) for r in webis) + "\n")
    (root / "stop_clickbait").mkdir()
    (root / "stop_clickbait" / "clickbait_data").write_text("\n\n".join(clickbait) + "\n")
    (root / "stop_clickbait" / "non_clickbait_data").write_text("\n\n".join(plain) + "\n")
    (root / "anno_lexical").mkdir()
    for split, rows in anno.items():
        pd.DataFrame(rows).to_parquet(root / "anno_lexical" / f"anno-lexical-{split}.parquet", index=False)
    (root / "basil").mkdir()
    pd.DataFrame(basil).to_csv(root / "basil" / "preprocessed.csv", index=False)
    (root / "babe" / "splits_annomatic").mkdir(parents=True)
    babe = pd.DataFrame({"text": [f"{h}, critics say" for h in HEADLINES], "label": [int(b) for _, b in LABELS]})
    babe.to_csv(root / "babe" / "splits_annomatic" / "babe_test_annomatic.csv", index=False)
    return root


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory) -> Path:
    """A tiny BERT encoder + tokenizer saved like a hub model, usable as ``base_model``."""
    from tiny_model import tiny_model, tiny_tokenizer

    directory = tmp_path_factory.mktemp("tiny-base")
    tokenizer = tiny_tokenizer()
    tiny_model(len(tokenizer)).encoder.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def test_masked_loss_ignores_a_head_without_labels():
    from training.train import masked_loss

    logits = torch.zeros((2, 2), requires_grad=True)
    targets = torch.tensor([[0.8, 0.0], [0.2, 0.0]])
    weights = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    masked_loss(logits, targets, weights).backward()
    assert torch.all(logits.grad[:, 1] == 0)
    assert torch.all(logits.grad[:, 0] != 0)


def test_masked_loss_is_a_weighted_mean_per_head():
    from training.train import masked_loss

    logits = torch.tensor([[2.0, 0.0], [-2.0, 0.0]])
    targets = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    once = masked_loss(logits, targets, torch.tensor([[1.0, 0.0], [1.0, 0.0]]))
    scaled = masked_loss(logits, targets, torch.tensor([[3.0, 0.0], [3.0, 0.0]]))
    assert torch.isclose(once, scaled)  # scaling all weights of a head changes nothing
    favoured = masked_loss(logits, targets, torch.tensor([[1.0, 0.0], [0.1, 0.0]]))
    assert favoured < once  # down-weighting the badly predicted row lowers the loss


def test_dataset_normalisation_keeps_a_weight_absolute_across_batches():
    from training.train import masked_loss

    logits = torch.tensor([[2.0, 0.0], [-2.0, 0.0]])
    targets = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    weak = torch.tensor([[0.2, 0.0], [0.2, 0.0]])  # a batch holding only weak (auxiliary) labels
    full = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    # Averaged over its labelled rows, a batch of weak labels pulls as hard as one of real labels...
    assert torch.isclose(masked_loss(logits, targets, weak), masked_loss(logits, targets, full))
    # ...against the dataset's mean weight per row it pulls by its weight.
    scale = torch.tensor([0.5, 1.0])
    weak_loss, full_loss = masked_loss(logits, targets, weak, scale), masked_loss(logits, targets, full, scale)
    assert torch.isclose(weak_loss * 5, full_loss)
    # A batch whose weights equal the mean weight gives the labelled mean.
    mean_weight = torch.tensor([[0.5, 0.0], [0.5, 0.0]])
    assert torch.isclose(masked_loss(logits, targets, mean_weight, scale), masked_loss(logits, targets, mean_weight))


def test_auxiliary_targets_fill_only_missing_heads_of_named_sources():
    from training.train import targets_and_weights

    rows = pd.DataFrame(
        {"source": ["anno_lexical", "webis", "anno_lexical"], "clickbait": [np.nan, 0.7, 0.4],
         "bias": [1.0, np.nan, 0.0], "weight": [1.0, 1.0, 0.5]}
    )
    targets, weights = targets_and_weights(rows, {"anno_lexical": {"clickbait": 0.0}}, 0.2)
    assert targets[0].tolist() == [0.0, 1.0] and weights[0].tolist() == pytest.approx([0.2, 1.0])
    assert weights[1].tolist() == [1.0, 0.0]  # webis has no bias label and no auxiliary fill
    assert targets[2, 0] == pytest.approx(0.4) and weights[2].tolist() == [0.5, 0.5]  # real labels win


def test_quick_training_run_end_to_end(tmp_path, tiny_base, capsys):
    from model import Scorer
    from model.artifact import load_manifest
    from model.cli import main

    data = write_fake_data(tmp_path / "data")
    artifacts, reports = tmp_path / "artifacts", tmp_path / "reports"
    code = main(
        ["train", "--preset", "quick", "--data-dir", str(data), "--base-model", str(tiny_base),
         "--output", str(artifacts), "--reports", str(reports), "--no-register", "--quiet", "--set", "epochs=2"]
    )
    assert code == 0
    (artifact,) = list(artifacts.iterdir())
    manifest = load_manifest(artifact)
    assert manifest.quantized == (manifest.training["export"]["chosen"] != "fp32")
    assert manifest.data["split_sizes"]["webis"]["train"] > 0
    assert manifest.data["evaluation_only"] == ["babe"]
    # The story features' sentence embedder is exported from the base encoder, here a local path.
    assert manifest.embedder["base_model"] == str(tiny_base) and (artifact / "embedder.onnx").is_file()
    export = manifest.training["export"]
    assert export["chosen"] in export["formats"] and export["torch_fp32"]["n"] > 0
    assert manifest.check["checks"] and "passed" in manifest.check
    assert "webis_mse" in manifest.metrics["summary"]
    assert all(0 < h.threshold < 1 for h in manifest.heads)
    assert {h.calibration["method"] for h in manifest.heads} <= {"platt", "none"}

    scores = Scorer(artifact).score(["What Happens Next Will Shock You!"])
    assert 0.0 <= scores[0].clickbait <= 1.0 and scores[0].model_version == manifest.version
    printed = capsys.readouterr().out
    assert "Webis-17 test: MSE vs mean rating" in printed and "model check of" in printed

    # BASIL's evaluation articles appear after training: the model was trained without holding them
    # out, so its evaluation must rebuild the splits it had, not hold out their twins now.
    basil_sentences = pd.read_csv(data / "basil" / "preprocessed.csv")["text"].tolist()[:8]
    (data / "basil_articles").mkdir()
    (data / "basil_articles" / "articles.jsonl").write_text(json.dumps({"title": "", "sentences": basil_sentences}))
    code = main(["evaluate", str(artifact), "--data-dir", str(data), "--reports", str(tmp_path / "again")])
    assert code == 0
    assert "re-assembled splits differ" not in capsys.readouterr().err
    written = tmp_path / "again" / manifest.version
    metrics = json.loads((written / "metrics.json").read_text())
    assert metrics["version"] == manifest.version
    assert metrics["summary"][0]["model"] == pytest.approx(manifest.metrics["summary"]["webis_mse"])
    assert {"reliability.png", "pr_curves.png", "score_histograms.png", "model_card.md"} <= {p.name for p in written.iterdir()}
    assert "| measure | goal |" in (written / "model_card.md").read_text()

    # A new calibration/export of the same fitted weights needs no retraining.
    code = main(
        ["train", "--preset", "quick", "--data-dir", str(data), "--base-model", str(tiny_base),
         "--from-checkpoint", str(artifact / "checkpoint"), "--set", "calibration.clickbait=temperature",
         "--output", str(artifacts), "--reports", str(reports), "--no-register", "--quiet", "--quick-evaluation"]
    )
    assert code == 0
    (redone_dir,) = [p for p in artifacts.iterdir() if p != artifact]
    redone = load_manifest(redone_dir)
    # A quick evaluation says so in the manifest, the model card and the terminal.
    assert manifest.metrics["evaluation"]["name"] == "full"
    assert redone.metrics["evaluation"] == {"name": "quick", "sources": ["webis", "babe"],
                                            "test_rows_per_source": None, "extras": False}
    assert f"`headline-lens evaluate {redone.version}` measures everything" in (
        reports / redone.version / "model_card.md").read_text()
    assert "measure everything with: headline-lens evaluate" in capsys.readouterr().out
    assert redone.version != manifest.version  # a re-export is a new version: one id, one set of bytes
    assert redone.head("clickbait").calibration["method"] == "temperature"
    assert {k: v for k, v in redone.training["fit"].items() if k != "from_checkpoint"} == manifest.training["fit"]


def test_train_without_data_explains_how_to_get_it(monkeypatch, capsys):
    from model.cli import main

    monkeypatch.delenv("HEADLINE_LENS_DATA", raising=False)
    # No --if-missing: other tests may have stored a model in this session's store.
    assert main(["train", "--preset", "quick"]) == 2
    err = capsys.readouterr().err
    assert "HEADLINE_LENS_DATA" in err and "--data-dir" in err and "model import" in err


def test_if_missing_returns_at_once_when_a_model_is_stored(monkeypatch, tiny_artifact):
    from model import store
    from model.cli import main

    monkeypatch.delenv("HEADLINE_LENS_DATA", raising=False)
    store.register(tiny_artifact)
    assert main(["train", "--preset", "quick", "--if-missing"]) == 0


def test_auxiliary_targets_can_fill_only_the_positive_rows_of_a_source():
    from training.train import targets_and_weights

    rows = pd.DataFrame({"source": ["stop_clickbait", "stop_clickbait", "webis"], "clickbait": [1.0, 0.0, 0.9],
                         "bias": [np.nan, np.nan, np.nan], "weight": [0.3, 0.3, 1.0]})
    targets, weights = targets_and_weights(rows, {"stop_clickbait:clickbait": {"bias": 0.0}}, 0.2)
    assert weights[:, 1].tolist() == pytest.approx([0.2, 0.0, 0.0])  # only the listicle teaser is filled
    assert targets[0, 1] == 0.0


def test_a_key_of_auxiliary_weights_sets_how_hard_that_fill_pulls():
    from training.train import targets_and_weights

    rows = pd.DataFrame({"source": ["composite", "anno_lexical"], "clickbait": [1.0, np.nan],
                         "bias": [np.nan, 1.0], "weight": [1.0, 1.0]})
    auxiliary = {"composite:clickbait": {"bias": 0.0}, "anno_lexical": {"clickbait": 0.0}}
    _, weights = targets_and_weights(rows, auxiliary, 0.2, {"composite:clickbait": 0.05})
    assert weights[0, 1] == pytest.approx(0.05) and weights[1, 0] == pytest.approx(0.2)


def test_auxiliary_weights_must_name_an_auxiliary_target():
    from training.train_config import TrainConfig

    with pytest.raises(ValueError, match="auxiliary_weights.composite:clickbait"):
        TrainConfig(auxiliary_weights={"composite:clickbait": 0.05})
    with pytest.raises(ValueError, match="auxiliary_weights"):
        TrainConfig(auxiliary_targets={"webis": {"bias": 0.0}}, auxiliary_weights={"webis": -1.0})
    TrainConfig(auxiliary_targets={"webis": {"bias": 0.0}}, auxiliary_weights={"webis": 0.05})


@pytest.mark.parametrize("engine", ["onnxruntime", "torch"])
@pytest.mark.parametrize("layers", [0, 1, 2])
def test_cached_frozen_layers_reproduce_the_full_forward(layers, engine):
    from tiny_model import tiny_model, tiny_tokenizer

    from training.frozen_layers import frozen_features
    from training.train import pad_ids, pad_vectors

    tokenizer = tiny_tokenizer()
    model = tiny_model(len(tokenizer)).eval()
    token_ids = tokenizer(HEADLINES[:7], truncation=True, max_length=32)["input_ids"]
    hidden, mask = pad_vectors(frozen_features(model, token_ids, layers, tokenizer.pad_token_id, batch_size=3,
                                               progress=False, engine=engine))
    input_ids, full_mask = pad_ids(token_ids, tokenizer.pad_token_id)
    assert torch.equal(mask, full_mask)
    with torch.no_grad():
        assert torch.allclose(model.upper_logits(hidden, mask, layers), model(input_ids, full_mask), atol=1e-5)


def test_frozen_features_refuse_an_unknown_engine():
    from tiny_model import tiny_model, tiny_tokenizer

    from training.frozen_layers import frozen_features

    tokenizer = tiny_tokenizer()
    with pytest.raises(ValueError, match="unknown engine"):
        frozen_features(tiny_model(len(tokenizer)), [[1, 2]], 1, 0, progress=False, engine="tensorflow")


@pytest.mark.parametrize("cache", [True, False])
def test_training_leaves_frozen_layers_as_they_were_and_trains_the_rest(cache):
    from tiny_model import tiny_model, tiny_tokenizer

    from training.train import fit
    from training.train_config import TrainConfig

    tokenizer = tiny_tokenizer()
    model = tiny_model(len(tokenizer))
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    rows = pd.DataFrame({"text": HEADLINES, "source": "webis", "clickbait": [cb for cb, _ in LABELS],
                         "bias": [b for _, b in LABELS], "weight": 1.0})
    config = TrainConfig(freeze_layers=1, cache_frozen_layers=cache, epochs=2, batch_size=8, warmup_ratio=0.0,
                         learning_rate=1e-3, threads=1)
    result = fit(model, tokenizer, rows, config, progress=False)
    assert result.steps > 0 and np.isfinite(result.final_loss)
    changed = {name for name, p in model.named_parameters() if not torch.equal(p, before[name])}
    assert not any(name.startswith(("encoder.embeddings.", "encoder.encoder.layer.0.")) for name in changed)
    assert any(name.startswith("encoder.encoder.layer.1.") for name in changed) and "heads.weight" in changed


def test_frozen_features_refuse_a_graph_that_differs_from_torch(monkeypatch):
    from tiny_model import tiny_model, tiny_tokenizer

    from training import frozen_layers

    tokenizer = tiny_tokenizer()
    model = tiny_model(len(tokenizer)).eval()
    token_ids = tokenizer(HEADLINES[:4], truncation=True, max_length=32)["input_ids"]
    exported = frozen_layers._onnx_runner

    def drifting(*args):  # the real exported graph, off by 1e-3 everywhere
        lower = exported(*args)
        return lambda ids, mask: lower(ids, mask) + 1e-3

    monkeypatch.setattr(frozen_layers, "_onnx_runner", drifting)
    with pytest.raises(RuntimeError, match="differs from torch"):
        frozen_layers.frozen_features(model, token_ids, 1, tokenizer.pad_token_id, progress=False)


@pytest.mark.parametrize("frozen", [0, 1])
def test_ema_decay_serves_the_moving_average_of_the_trained_weights(frozen):
    from tiny_model import tiny_model, tiny_tokenizer
    from torch.optim.optimizer import register_optimizer_step_post_hook

    from training.train import fit
    from training.train_config import TrainConfig

    tokenizer = tiny_tokenizer()
    model = tiny_model(len(tokenizer))
    frozen_before = model.encoder.encoder.layer[0].attention.self.query.weight.detach().clone()
    rows = pd.DataFrame({"text": HEADLINES, "source": "webis", "clickbait": [cb for cb, _ in LABELS],
                         "bias": [b for _, b in LABELS], "weight": 1.0})
    decay = 0.6
    config = TrainConfig(freeze_layers=frozen, epochs=3, batch_size=8, warmup_ratio=0.0, learning_rate=1e-2,
                         threads=1, ema_decay=decay)
    # The weights after every optimizer step, recorded through torch's public hook.
    seen = []
    handle = register_optimizer_step_post_hook(lambda *_: seen.append(model.heads.weight.detach().clone()))
    try:
        result = fit(model, tokenizer, rows, config, progress=False)
    finally:
        handle.remove()
    assert len(seen) == result.steps > 2
    expected = seen[0]
    for weights in seen[1:]:
        expected = decay * expected + (1 - decay) * weights
    assert torch.allclose(model.heads.weight, expected, atol=1e-6)
    assert not torch.allclose(model.heads.weight, seen[-1], atol=1e-4)  # the average, not the last step
    if frozen:
        assert torch.equal(model.encoder.encoder.layer[0].attention.self.query.weight, frozen_before)
