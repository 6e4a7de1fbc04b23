"""The two commands' work: a full training run, and the evaluation of a saved model."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.artifact import Manifest, load_manifest
from training.assemble import Assembled, assemble
from training.evaluate import FULL, EvaluationScope
from training.sources.basil import ARTICLES_SOURCE
from training.train_config import TrainConfig, from_dict

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
    data_dir: Path | None = None,
    scope: EvaluationScope = FULL,
) -> Report:
    """Score the artifact (and the baseline) on held-out data and write ``reports/<version>/``.

    With ``data_dir`` and ``scope.extras``, also the real-data bias checks: ABP titles (centre
    against partisan outlets) and BASIL's annotated loaded phrases against the explanation spans.
    ``scope`` says which test rows are scored; the report records it.
    """
    from model.scorer import Scorer
    from training.evaluate import cross_accuracy, evaluate_scorer, held_out_rows, per_source_metrics, seed_checks
    from training.report import Plots, format_table, summary, write_report

    scorer = Scorer(artifact_dir)
    cross = Scorer.load(cross_model) if cross_model else None
    test = held_out_rows(assembled, scope)
    metrics, probs = evaluate_scorer(scorer, assembled, cross, test, rating=scope.extras)
    metrics["evaluation"] = scope.to_dict()
    real_data = data_dir if scope.extras else None
    metrics["bias_checks"] = bias_checks(scorer.probabilities, real_data, explain=True)
    baseline_metrics, baseline_probs = None, None
    if baseline:
        from training.baseline import fit_baseline

        model = fit_baseline(assembled, config)
        baseline_probs = model.probabilities(test["text"].tolist())
        baseline_metrics = {
            "thresholds": model.thresholds,
            "test": per_source_metrics(test, baseline_probs, model.thresholds),
            "seeds": seed_checks(lambda texts: model.probabilities(_normalized(texts))),
            "bias_checks": bias_checks(model.probabilities, real_data, explain=False),
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


def bias_checks(probabilities, data_dir: Path | None, explain: bool) -> dict[str, Any]:
    """Minimal pairs always; with ``data_dir``, ABP titles and (with ``explain``) BASIL span agreement."""
    from training.bias_checks import abp_centre_vs_partisan, basil_span_agreement
    from training.golden import pair_scores

    out: dict[str, Any] = {"pairs": pair_scores(lambda texts: probabilities(_normalized(texts)))}
    if data_dir is None:
        return out
    try:
        out["abp"] = abp_centre_vs_partisan(probabilities, Path(data_dir))
        if explain:
            out["basil_spans"] = basil_span_agreement(probabilities, Path(data_dir))
    except FileNotFoundError as exc:  # evaluation-only data sets are optional
        log.warning("skipping a real-data bias check: %s", exc)
    return out


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
        "reliability": model.get("reliability", {}),
        "bias_checks": model.get("bias_checks", {}),
        "evaluation": model.get("evaluation", FULL.to_dict()),
        **({"cross_dataset": model["cross_dataset"]} if "cross_dataset" in model else {}),
    }


def check_model(directory: Path, report: Report, config: TrainConfig) -> dict[str, Any]:
    """The golden rankings and the preset's evaluation floors, scored through the served artifact."""
    from model.scorer import Scorer
    from training.evaluate import scorer_raw
    from training.golden import model_check

    return model_check(scorer_raw(Scorer(directory)), report.metrics, config.floors, config.pair_floor)


def run_training(
    config: TrainConfig,
    data_dir: Path,
    register: bool = True,
    cross_model: str | None = None,
    reports_dir: str | Path = "reports",
    progress: bool = True,
    baseline: bool = True,
    checkpoint: Path | None = None,
    scope: EvaluationScope = FULL,
) -> TrainingResult:
    """Assemble, train (or reload ``checkpoint``), export, evaluate (metrics into the manifest), then register.

    ``scope`` sets how much held-out data the evaluation scores (``training.evaluate.QUICK`` for a
    first run: the model check's test sets stay complete).
    """
    from model.store import register as store_register
    from training.pipeline import rewrite_manifest, train_and_export

    clock = time.monotonic()
    stages: dict[str, float] = {}

    def lap(stage: str, less: float = 0.0) -> None:
        nonlocal clock
        now = time.monotonic()
        stages[stage] = round(now - clock - less, 1)
        log.info("stage %s: %.1f s", stage, stages[stage])
        clock = now

    assembled = assemble(config, data_dir)
    lap("assemble")
    directory, manifest, fit = train_and_export(config, assembled, progress=progress, checkpoint=checkpoint)
    # train_and_export fits, then calibrates and exports: split its time with the fit's own clock.
    stages["train"] = fit.get("seconds", 0.0) if checkpoint is None else 0.0
    log.info("stage train: %.1f s", stages["train"])
    lap("calibrate_export", less=stages["train"])
    report = evaluate_artifact(directory, assembled, config, cross_model, reports_dir, baseline, data_dir, scope)
    lap("evaluate")
    manifest.metrics = manifest_metrics(report)
    manifest.check = check_model(directory, report, config)
    lap("check")
    manifest.training["stages"] = stages
    rewrite_manifest(directory, manifest)
    log.log(logging.INFO if manifest.check["passed"] else logging.ERROR, "%s", manifest.check_report())
    tag = store_register(directory) if register else None
    lap("register")
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
    held_out = ARTICLES_SOURCE in manifest.data.get("evaluation_only", [])
    assembled = assemble(config, data_dir, hold_out_basil_articles=held_out)
    recorded = manifest.data.get("file_hashes", {})
    changed = [f for f, h in assembled.info["file_hashes"].items() if recorded.get(f, h) != h]
    if changed:
        log.warning("data files differ from those the model was trained on: %s", ", ".join(changed))
    if manifest.data.get("split_sizes") not in (None, assembled.info["split_sizes"]):
        log.warning("the re-assembled splits differ from those the model was trained on (manifest data.split_sizes): "
                    "its test rows may include training rows")
    return evaluate_artifact(directory, assembled, config, cross_model, reports_dir, baseline, data_dir)
