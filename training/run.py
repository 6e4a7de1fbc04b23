"""The two commands' work: a full training run, and the evaluation of a saved model."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.artifact import Manifest, load_manifest
from training.assemble import Assembled, assemble
from training.config import TrainConfig, from_dict

log = logging.getLogger(__name__)


@dataclass
class Report:
    """An evaluation: the printed table, everything measured, where the report was written."""

    table: str
    metrics: dict[str, Any]
    directory: Path


@dataclass
class TrainingResult:
    """A finished training run."""

    artifact_dir: Path
    manifest: Manifest
    tag: str | None
    table: str


def evaluate_artifact(
    artifact_dir: Path,
    assembled: Assembled,
    config: TrainConfig,
    cross_model: str | None = None,
    reports_dir: str | Path = "reports",
    baseline: bool = True,
) -> Report:
    """Score the artifact (and the baseline) on held-out data and write ``reports/<version>/``."""
    from model.scorer import Scorer
    from training.evaluate import cross_accuracy, evaluate_scorer, per_source_metrics, seed_checks
    from training.report import Plots, format_table, summary, write_report

    scorer = Scorer(artifact_dir)
    cross = Scorer.load(cross_model) if cross_model else None
    metrics, probs = evaluate_scorer(scorer, assembled, cross)
    test = assembled.split("test", used_only=False)
    baseline_metrics, baseline_probs = None, None
    if baseline:
        from training.baseline import fit_baseline

        model = fit_baseline(assembled, config)
        baseline_probs = model.probabilities(test["text"].tolist())
        baseline_metrics = {
            "thresholds": model.thresholds,
            "test": per_source_metrics(test, baseline_probs, model.thresholds),
            "seeds": seed_checks(lambda texts: model.probabilities(_normalized(texts))),
        }
        if "stop_clickbait" in set(assembled.frame["source"]):
            without = fit_baseline(assembled, config, exclude=["stop_clickbait"])
            baseline_metrics["cross_dataset"] = cross_accuracy(
                without.probabilities, without.thresholds["clickbait"], assembled
            )
    rows = summary(metrics, baseline_metrics)
    table = format_table(rows)
    full = {"version": scorer.version, "summary": rows, "model": metrics, "baseline": baseline_metrics}
    directory = write_report(Path(reports_dir) / scorer.version, scorer.manifest, full, table,
                             Plots(test, probs, baseline_probs))
    return Report(table=table, metrics=full, directory=directory)


def _normalized(texts: list[str]) -> list[str]:
    from model.text import normalize

    return [normalize(t) for t in texts]


def manifest_metrics(report: Report) -> dict[str, Any]:
    """The part of a report the manifest carries: the summary, per-source test metrics, seeds."""
    model = report.metrics["model"]
    return {
        "summary": {row["key"]: row["model"] for row in report.metrics["summary"]},
        "baseline_summary": {row["key"]: row["baseline"] for row in report.metrics["summary"]},
        "test": model["test"],
        "seeds": model["seeds"],
        **({"cross_dataset": model["cross_dataset"]} if "cross_dataset" in model else {}),
    }


def run_training(
    config: TrainConfig,
    data_dir: Path,
    register: bool = True,
    cross_model: str | None = None,
    reports_dir: str | Path = "reports",
    progress: bool = True,
    baseline: bool = True,
    checkpoint: Path | None = None,
) -> TrainingResult:
    """Assemble, train (or reload ``checkpoint``), export, evaluate (metrics into the manifest), then register."""
    from model.store import register as store_register
    from training.pipeline import rewrite_manifest, train_and_export

    assembled = assemble(config, data_dir)
    directory, manifest, _ = train_and_export(config, assembled, progress=progress, checkpoint=checkpoint)
    report = evaluate_artifact(directory, assembled, config, cross_model, reports_dir, baseline)
    manifest.metrics = manifest_metrics(report)
    rewrite_manifest(directory, manifest)
    tag = store_register(directory) if register else None
    return TrainingResult(artifact_dir=directory, manifest=manifest, tag=tag, table=report.table)


def run_evaluation(
    model: str | None,
    data_dir: Path,
    cross_model: str | None = None,
    reports_dir: str | Path = "reports",
    baseline: bool = True,
) -> Report:
    """Re-assemble the model's own splits from ``data_dir`` and evaluate it."""
    from model.store import resolve

    directory = resolve(model)
    manifest = load_manifest(directory)
    config = from_dict(manifest.training["config"])
    assembled = assemble(config, data_dir)
    recorded = manifest.data.get("file_hashes", {})
    changed = [f for f, h in assembled.info["file_hashes"].items() if recorded.get(f, h) != h]
    if changed:
        log.warning("data files differ from those the model was trained on: %s", ", ".join(changed))
    return evaluate_artifact(directory, assembled, config, cross_model, reports_dir, baseline)
