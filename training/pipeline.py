"""One training run end to end: assemble, fit, calibrate, export, evaluate, register."""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.artifact import EMBEDDER_FILE, ONNX_FILE, HeadSpec, Manifest, new_version, write_artifact
from model.calibration import apply as apply_calibration
from model.labels import HEAD_NAMES
from training.assemble import Assembled, verdicts
from training.augment import with_configured_composites
from training.train_config import TrainConfig

log = logging.getLogger(__name__)
CHECKPOINT_DIR = "checkpoint"
ASSEMBLY_INFO = "assembly.json"
FIT_FILE = "fit.json"


def _calibration_mask(validation: pd.DataFrame, head: str, config: TrainConfig) -> np.ndarray:
    """Validation rows that fit ``head``'s calibration: labelled for it, from its ``calibrate_on`` sources."""
    sources = config.calibrate_on.get(head) or validation["source"].unique()
    return validation[head].notna().to_numpy() & validation["source"].isin(sources).to_numpy()


def calibration_rows(validation: pd.DataFrame, config: TrainConfig) -> pd.DataFrame:
    """The validation rows some head calibrates on: only these need reference logits."""
    return validation[np.logical_or.reduce([_calibration_mask(validation, h, config) for h in HEAD_NAMES])]


def fit_heads(logits: np.ndarray, validation: pd.DataFrame, config: TrainConfig) -> list[HeadSpec]:
    """Calibration and threshold of every head, fitted on its validation rows."""
    from training.calibrate import fit_calibration, tune_threshold

    specs = []
    for j, head in enumerate(HEAD_NAMES):
        mask = _calibration_mask(validation, head, config)
        targets = verdicts(validation, head)[mask]
        spec = fit_calibration(logits[mask, j], targets, config.calibration.get(head, "none"))
        probs = apply_calibration(logits[mask, j], spec)
        threshold = tune_threshold(probs, targets >= 0.5, config.threshold_metric.get(head, "f1"))
        specs.append(HeadSpec(name=head, threshold=threshold, calibration=spec))
    return specs


def train_and_export(
    config: TrainConfig,
    assembled: Assembled,
    output_dir: Path | None = None,
    progress: bool = True,
    checkpoint: Path | None = None,
) -> tuple[Path, Manifest, dict[str, Any]]:
    """Fit a model on ``assembled`` (or reload ``checkpoint``) and write its verified artifact.

    The fitted torch model is saved under ``<artifact>/checkpoint/`` before export, so a
    failed export or a new calibration can be redone with ``checkpoint`` without retraining.
    Returns ``(artifact_dir, manifest, fit_stats)``.
    """
    from transformers import AutoTokenizer

    from training.modeling import HeadlineModel, resolve_base_model
    from training.train import fit, set_seed

    if checkpoint is not None:
        # A re-export is a new version in its own directory, with its own copy of the weights:
        # one version id always names one set of bytes.
        checkpoint = Path(checkpoint)
        version = new_version()
        directory = Path(output_dir or config.output_dir) / version
        shutil.copytree(checkpoint, directory / CHECKPOINT_DIR)
        model, tokenizer = HeadlineModel.load(checkpoint).eval(), AutoTokenizer.from_pretrained(checkpoint)
        stats_file = checkpoint / FIT_FILE
        stats = json.loads(stats_file.read_text()) if stats_file.is_file() else {}
        stats["from_checkpoint"] = str(checkpoint)
    else:
        version = new_version()
        directory = Path(output_dir or config.output_dir) / version
        set_seed(config.seed)
        tokenizer = AutoTokenizer.from_pretrained(resolve_base_model(config.base_model))
        model = HeadlineModel.from_base(config.base_model, dropout=config.dropout)
        training_rows = with_configured_composites(assembled.training_rows(), config)
        log.info("training on %d rows: %s", len(training_rows), training_rows["source"].value_counts().to_dict())
        stats = asdict(fit(model, tokenizer, training_rows, config, progress=progress))
        model.save(directory / CHECKPOINT_DIR)
        tokenizer.save_pretrained(directory / CHECKPOINT_DIR)
        (directory / CHECKPOINT_DIR / FIT_FILE).write_text(json.dumps(stats, indent=2))
        (directory / CHECKPOINT_DIR / ASSEMBLY_INFO).write_text(json.dumps(assembled.info, indent=2))
    manifest = export_model(model, tokenizer, assembled, config, directory, version)
    manifest.training["fit"] = stats
    rewrite_manifest(directory, manifest)
    return directory, manifest, stats


def export_model(model, tokenizer, assembled: Assembled, config: TrainConfig, directory: Path, version: str) -> Manifest:
    """Calibrate and threshold on validation, then write the export format that reproduces torch (``build_artifact``)."""
    from training.export import ExportMismatch, TorchReference, build_artifact, torch_logits

    validation = assembled.split("validation")
    validation = validation[~validation["eval_only"]]
    # Stop Clickbait's validation rows fit nothing (clickbait calibrates on Webis): no logits for them.
    calibrating = calibration_rows(validation, config)
    started = time.monotonic()
    logits = torch_logits(model, tokenizer, calibrating["text"].tolist(), config.max_length)
    torch_per_s = round(len(calibrating) / max(time.monotonic() - started, 1e-9), 1)
    manifest = Manifest(
        version=version,
        heads=fit_heads(logits, calibrating, config),
        base_model=config.base_model,
        max_length=config.max_length,
        data=assembled.info,
        training={"config": config.to_dict()},
    )
    verify = validation.sample(n=min(config.verify_rows, len(validation)), random_state=config.seed)
    labels = np.stack([verdicts(verify, head) for head in HEAD_NAMES], axis=1)
    started = time.monotonic()
    reference = TorchReference(_reuse_logits(logits, calibrating, verify, model, tokenizer, config), torch_per_s)
    try:
        _, report = build_artifact(
            model, tokenizer, manifest, directory, verify_texts=verify["text"].tolist(), verify_labels=labels,
            quantize=config.quantize, tolerance=config.export_tolerance, min_label_agreement=config.min_label_agreement,
            reference=reference,
        )
    except ExportMismatch:
        log.error("export failed; the fitted model is kept. Resume without retraining: "
                  "headline-lens train --from-checkpoint %s (with this run's preset and options)",
                  directory / CHECKPOINT_DIR)
        raise
    # The story features' sentence embedder: the base encoder, not the fine-tuned one (its
    # similarities are what it was trained for). Written into the artifact before registration.
    from training.embedder import embed_into

    embed_into(directory, manifest)
    log.info("export: %s", report.reason)
    for name, measured in report.formats.items():
        log.info("  %-15s label agreement %.4f, max abs diff %.4f, %.0f headlines/s, AUC %s",
                 name, measured.label_agreement, measured.max_abs_diff, measured.headlines_per_s, measured.roc_auc)
    manifest.training["export"] = {**report.to_dict(), "seconds": round(time.monotonic() - started, 1)}
    return manifest


def _reuse_logits(logits: np.ndarray, scored: pd.DataFrame, wanted: pd.DataFrame, model, tokenizer,
                  config: TrainConfig) -> np.ndarray:
    """Torch's logits for ``wanted``: reused from ``logits`` (those of ``scored``) where present, else computed.

    The export check's texts are mostly calibration rows, whose logits the calibration pass has
    just computed: running torch on all 2,000 again took 13 s of a first run (2 cores).
    """
    from training.export import torch_logits

    position = pd.Series(np.arange(len(scored)), index=scored.index).reindex(wanted.index)
    known = position.notna().to_numpy()
    out = np.empty((len(wanted), logits.shape[1]), dtype=logits.dtype)
    out[known] = logits[position[known].to_numpy(dtype=int)]
    if (~known).any():
        out[~known] = torch_logits(model, tokenizer, wanted["text"][~known].tolist(), config.max_length)
    return out


def rewrite_manifest(directory: Path, manifest: Manifest) -> None:
    """Write an updated manifest through ``write_artifact`` (hash and schema re-checked)."""
    write_artifact(directory, manifest, directory / ONNX_FILE, [p for p in directory.iterdir() if _is_tokenizer(p)])


def _is_tokenizer(path: Path) -> bool:
    return path.is_file() and path.name not in (ONNX_FILE, EMBEDDER_FILE, "manifest.json")
