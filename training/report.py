"""The evaluation table, ``metrics.json``, ``model_card.md`` and its plots."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.labels import HEAD_NAMES
from training.assemble import verdicts

#: (key, measure, goal text, goal test, path into the metrics dict)
ROWS: list[tuple[str, str, str, Any, tuple[str, ...]]] = [
    ("webis_mse", "Webis-17 test: MSE vs mean rating (score mapped to rating)", "<= 0.026", lambda v: v <= 0.026,
     ("test", "webis", "clickbait", "rating_mse")),
    ("webis_f1", "Webis-17 test: F1 at tuned threshold", ">= 0.72", lambda v: v >= 0.72, ("test", "webis", "clickbait", "f1")),
    ("webis_accuracy", "Webis-17 test: accuracy at tuned threshold", "", None, ("test", "webis", "clickbait", "accuracy")),
    ("webis_auc", "Webis-17 test: ROC-AUC", "", None, ("test", "webis", "clickbait", "roc_auc")),
    ("ece", "ECE of the clickbait score vs the readers' verdict (Webis test)", "<= 0.05", lambda v: v <= 0.05,
     ("test", "webis", "clickbait", "ece")),
    ("stop_clickbait_accuracy", "Stop Clickbait test accuracy (in-domain)", "", None,
     ("test", "stop_clickbait", "clickbait", "accuracy")),
    ("cross_accuracy", "Stop Clickbait accuracy, model trained without it", ">= 0.92", lambda v: v >= 0.92,
     ("cross_dataset", "accuracy")),
    ("babe_macro_f1", "BABE test macro-F1 (bias head, never trained on)", ">= 0.81", lambda v: v >= 0.81,
     ("test", "babe", "bias", "macro_f1")),
    ("babe_auc", "BABE test ROC-AUC (bias head)", "", None, ("test", "babe", "bias", "roc_auc")),
    ("seed_sensational", "seeds: 004 sensational headline, clickbait", ">= 0.90", lambda v: v >= 0.9,
     ("seeds", "sensational_min_clickbait")),
    ("seed_wire", "seeds: wire-style headlines, max clickbait", "<= 0.20", lambda v: v <= 0.2, ("seeds", "wire_max_clickbait")),
    ("seed_sensational_bias", "seeds: 004 sensational headline, bias (labelled 0.2: emotive, not slanted)", "", None,
     ("seeds", "sensational_max_bias")),
    ("abp_auc", "ABP media-split test titles: bias AUC, partisan vs centre outlets", "> TF-IDF", None,
     ("bias_checks", "abp", "roc_auc")),
    ("pair_accuracy", "minimal pairs: loaded scores more bias than neutral", "", None,
     ("bias_checks", "pairs", "pair_accuracy")),
    ("teaser_bias", "neutral clickbait-style headlines: mean bias", "", None, ("bias_checks", "pairs", "teaser_bias")),
    ("basil_span_hit", "BASIL: strongest bias span hits an annotated word", ">= 0.60", lambda v: v >= 0.6,
     ("bias_checks", "basil_spans", "top_span_hit_rate")),
    ("basil_span_chance", "BASIL: a random word hits (chance)", "", None,
     ("bias_checks", "basil_spans", "random_word_hit_rate")),
    ("basil_span_run_chance", "BASIL: a random run of the strongest span's length hits (chance)", "", None,
     ("bias_checks", "basil_spans", "random_span_hit_rate")),
    ("basil_word_f1", "BASIL: word-level F1 of bias spans", ">= 0.40", lambda v: v >= 0.4,
     ("bias_checks", "basil_spans", "word_f1")),
    ("anno_lexical_auc", "anno-lexical test ROC-AUC (bias head)", "", None, ("test", "anno_lexical", "bias", "roc_auc")),
    ("basil_macro_f1", "BASIL test macro-F1 (bias head)", "", None, ("test", "basil", "bias", "macro_f1")),
]


def _lookup(metrics: dict[str, Any] | None, path: tuple[str, ...]) -> float | None:
    node: Any = metrics
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return None if node is None or (isinstance(node, float) and math.isnan(node)) else float(node)


def summary(model: dict[str, Any], baseline: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One dict per table row: measure, goal, model value, baseline value, whether the goal is met."""
    rows = []
    for key, measure, goal, test, path in ROWS:
        value = _lookup(model, path)
        rows.append(
            {
                "key": key,
                "measure": measure,
                "goal": goal,
                "model": value,
                "baseline": _lookup(baseline, path),
                "met": None if test is None or value is None else bool(test(value)),
            }
        )
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table (also readable in a terminal)."""
    def cell(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.4f}"

    lines = ["| measure | goal | model | TF-IDF baseline | goal met |", "|---|---|---|---|---|"]
    for row in rows:
        met = {True: "yes", False: "NO", None: ""}[row["met"]]
        lines.append(f"| {row['measure']} | {row['goal']} | {cell(row['model'])} | {cell(row['baseline'])} | {met} |")
    return "\n".join(lines)


@dataclass
class Plots:
    """Held-out rows and the scores to plot."""

    test: pd.DataFrame
    model_probs: np.ndarray
    baseline_probs: np.ndarray | None


def _reliability(ax, probs: np.ndarray, targets: np.ndarray, label: str, bins: int = 10) -> None:
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.digitize(probs, edges[1:-1]), 0, bins - 1)
    xs, ys = [], []
    for b in range(bins):
        if (index == b).any():
            xs.append(probs[index == b].mean())
            ys.append(targets[index == b].mean())
    ax.plot(xs, ys, marker="o", label=label)


def write_plots(directory: Path, plots: Plots) -> list[str]:
    """Reliability diagrams, PR curves and per-source score histograms; returns the file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    test, probs = plots.test, plots.model_probs
    names = []
    fig, axes = plt.subplots(1, len(HEAD_NAMES), figsize=(10, 4.5))
    for j, head in enumerate(HEAD_NAMES):
        ax = axes[j]
        ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect")
        for source in sorted(test.loc[test[head].notna(), "source"].unique()):
            rows = ((test["source"] == source) & test[head].notna()).to_numpy()
            labels = verdicts(test, head)[rows]
            _reliability(ax, probs[rows, j], labels, f"{source} (model)")
            if plots.baseline_probs is not None:
                _reliability(ax, plots.baseline_probs[rows, j], labels, f"{source} (TF-IDF)")
        ax.set(title=f"{head}: reliability (test)", xlabel="mean predicted score", ylabel="share labelled positive")
        ax.legend(fontsize=7)
    names.append(_save(fig, directory / "reliability.png"))

    fig, axes = plt.subplots(1, len(HEAD_NAMES), figsize=(10, 4.5))
    for j, head in enumerate(HEAD_NAMES):
        for source in sorted(test.loc[test[head].notna(), "source"].unique()):
            rows = ((test["source"] == source) & test[head].notna()).to_numpy()
            labels = verdicts(test, head)[rows] >= 0.5
            if 0 < labels.sum() < len(labels):
                precision, recall, _ = precision_recall_curve(labels, probs[rows, j])
                axes[j].plot(recall, precision, label=source)
        axes[j].set(title=f"{head}: precision-recall (test)", xlabel="recall", ylabel="precision")
        axes[j].legend(fontsize=7)
    names.append(_save(fig, directory / "pr_curves.png"))

    fig, axes = plt.subplots(1, len(HEAD_NAMES), figsize=(10, 4.5))
    for j, head in enumerate(HEAD_NAMES):
        for source in sorted(test["source"].unique()):
            rows = (test["source"] == source).to_numpy()
            axes[j].hist(probs[rows, j], bins=20, range=(0, 1), histtype="step", density=True, label=source)
        axes[j].set(title=f"{head} score by source (test)", xlabel="score", ylabel="density")
        axes[j].legend(fontsize=7)
    names.append(_save(fig, directory / "score_histograms.png"))
    return names


def _save(fig, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path.name


def _export_table(export: dict[str, Any]) -> str:
    """The export formats measured side by side against torch, and the one served."""
    if "formats" not in export:
        return "No export measurements recorded."
    lines = ["| format | label agreement with torch | max abs diff | p99 abs diff | headlines/s | ROC-AUC |",
             "|---|---|---|---|---|---|"]
    rows = {"torch fp32 (batches of 64)": export["torch_fp32"], **export["formats"]}
    for name, row in rows.items():
        auc = ", ".join(f"{h} {v:.4f}" for h, v in row.get("roc_auc", {}).items())
        lines.append(f"| {name} | {row['label_agreement']:.4f} | {row['max_abs_diff']:.4f} | "
                     f"{row.get('p99_abs_diff', 0):.4f} | {row['headlines_per_s']:.0f} | {auc} |")
    return "\n".join(lines) + f"\n\nServed: **{export['chosen']}**. {export['reason']}. Measured on " \
        f"{export['torch_fp32']['n']} validation texts in one run (ONNX formats one row at a time, as served)."


def _scope_note(scope: dict[str, Any], version: str) -> str:
    """A line before the results table when the evaluation did not measure everything."""
    if not scope or scope.get("name", "full") == "full":
        return ""
    parts = []
    if scope.get("sources") is not None:
        parts.append("only the " + ", ".join(scope["sources"]) + " test sets")
    if scope.get("test_rows_per_source") is not None:
        parts.append(f"at most {scope['test_rows_per_source']:,} test rows per source (a seeded sample of larger sets)")
    if not scope.get("extras", True):
        parts.append("no Webis-17 rating MSE, ABP titles or BASIL span check")
    return (f"A {scope['name']} evaluation: {'; '.join(parts)}. `headline-lens evaluate {version}` "
            "measures everything.\n\n")


def write_report(directory: Path, manifest, metrics: dict[str, Any], table: str, plots: Plots) -> Path:
    """Write ``metrics.json``, the plots and ``model_card.md`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "metrics.json").write_text(json.dumps(metrics, indent=2, default=float) + "\n", encoding="utf-8")
    images = write_plots(directory, plots)
    data = manifest.data
    fit = manifest.training.get("fit", {})
    export = manifest.training.get("export", {})
    sizes = "\n".join(
        f"| {source} | {s.get('train', 0)} | {s.get('validation', 0)} | {s.get('test', 0)} |"
        for source, s in sorted(data.get("split_sizes", {}).items())
    )
    thresholds = ", ".join(f"{h.name} {h.threshold:.2f} ({h.calibration.get('method')})" for h in manifest.heads)
    card = f"""# Model card: headline-lens {manifest.version}

Base encoder `{manifest.base_model}`, max_length {manifest.max_length}, ONNX {"int8" if manifest.quantized else "fp32"}.
Two heads on one encoder. Trained on: {", ".join(data.get("sources", []))}. Seed {data.get("seed")}.

## What the scores mean

- **clickbait**: the probability that readers would call the headline clickbait. The head is trained
  on Webis-17's mean crowd rating (a soft target); its score is Platt-calibrated on Webis-17
  validation posts against the readers' verdict (the median of five judgments >= 0.5, i.e. most
  judges rated it "considerably" or "heavily" clickbaiting). 0.5 means even odds.
- **bias**: the probability that the wording is loaded or one-sided, Platt-calibrated on the
  validation rows of the bias sources (anno-lexical, BASIL lexical-vs-none, the seeds).

Thresholds and calibration (fitted on validation only): {thresholds}.
Training: {fit.get("rows", "?")} rows, {fit.get("steps", "?")} steps, {fit.get("seconds", "?")} s.

## Export

{_export_table(export)}

## Results on held-out test data (scored through `model.Scorer`)

{_scope_note(metrics.get("model", {}).get("evaluation", {}), manifest.version)}{table}

Binary labels for F1, accuracy, ROC-AUC and ECE are the readers' verdict for Webis-17 (median of
the five judgments >= 0.5) and `target >= 0.5` elsewhere; ECE uses 10 equal-width bins. The
Webis-17 MSE maps the score to the mean rating with an isotonic fit on validation first. The seed rows are in the training data
(they are hand-labelled examples), so they check behaviour, not generalisation.

## Caveats

- Stop Clickbait labels follow the publishing outlet: high in-domain accuracy overstates real use.
- anno-lexical labels are LLM votes; BABE (human experts) is the bias benchmark and never trained on
  by the default model.
- Webis-17 texts are tweet teasers from 27 US outlets in 2016-2017.

## Split sizes (rows used)

| source | train | validation | test |
|---|---|---|---|
{sizes}

## Plots

{chr(10).join(f"![{name}]({name})" for name in images)}
"""
    (directory / "model_card.md").write_text(card, encoding="utf-8")
    return directory
