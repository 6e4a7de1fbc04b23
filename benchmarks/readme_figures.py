"""Write the README's measured tables from the committed JSON under ``reports/``.

Each table sits between ``<!-- figures:NAME -->`` and ``<!-- /figures:NAME -->`` in README.md
and is rendered from one JSON file, so every published figure traces back to the command that
wrote it (named in that JSON). ``--check`` changes nothing and exits 1 when the README
disagrees with the JSON (``tests/test_readme_figures.py`` runs it).

    python benchmarks/readme_figures.py [--check]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
#: The shipped model's report, as its training run wrote it.
MODEL_REPORT = REPO / "reports" / "default-model" / "metrics.json"
ABLATION = REPO / "reports" / "ablation.json"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def quality_table() -> str:
    """The evaluation table of the shipped model, exactly as ``headline-lens train`` printed it."""
    sys.path.insert(0, str(REPO))
    from training.report import format_table

    return format_table(_load(MODEL_REPORT)["summary"])


def export_table() -> str:
    """Every export format of the shipped model, side by side (``benchmarks/bench_export.py``)."""
    version = _load(MODEL_REPORT)["version"]
    record = _load(REPO / "reports" / "export" / f"{version}.json")
    rows = record["formats"]
    base = rows["onnx fp32"]["headlines_per_s"]
    served = f"onnx {record['served_format']}"
    lines = ["| format | label agreement with torch | max abs diff | headlines/s (vs fp32 ONNX) | Webis AUC / F1 | "
             "BABE AUC / macro-F1 |", "|---|---|---|---|---|---|"]
    for name, row in rows.items():
        test = row["test"]
        label = f"**{name} (served)**" if name == served else name
        lines.append(
            f"| {label} | {row['label_agreement']:.4f} | {row['max_abs_diff']:.3f} | "
            f"{row['headlines_per_s']:,.0f} ({row['headlines_per_s'] / base:.2f}×) | "
            f"{test['webis_clickbait_roc_auc']:.4f} / {test['webis_clickbait_f1']:.4f} | "
            f"{test['babe_bias_roc_auc']:.4f} / {test['babe_bias_macro_f1']:.4f} |"
        )
    machine = record["machine"]
    lines.append(f"\nMachine: {machine['cpu']}, {machine['cores']} cores ({', '.join(machine['cpu_flags'])}); "
                 f"`{machine['command']}`, {record['repeats']} repeats, medians.")
    return "\n".join(lines)


def ablation_table() -> str:
    """The schedule ablation (``benchmarks/ablate_schedule.py``)."""
    record = _load(ABLATION)
    keys = ("webis_val_auc", "anno_val_auc", "basil_val_auc", "babe_test_auc")
    best = {k: max(s[k] for s in record["schedules"]) for k in keys}
    lines = ["| frozen layers | lr | seconds | Webis val AUC | anno-lexical val AUC | BASIL val AUC | BABE test AUC |",
             "|---|---|---|---|---|---|---|"]
    for s in record["schedules"]:
        cells = [f"**{s[k]:.3f}**" if s[k] == best[k] else f"{s[k]:.3f}" for k in keys]
        lines.append(f"| {s['freeze_layers']} | {s['learning_rate']:g} | {s['seconds']:.0f} | " + " | ".join(cells) + " |")
    lines.append(f"\n{record['rows']:,} training rows, {record['schedules'][0]['steps']} steps each, "
                 f"on {record['machine']['cpu']} ({record['machine']['cores']} cores).")
    return "\n".join(lines)


def feed_endpoint_table(record: dict[str, Any] | None = None) -> str:
    """``GET /feed``: a first poll against repeat polls of an unchanged feed (``benchmarks/bench_feed_endpoint.py``)."""
    record = record or _load(REPO / "reports" / "feed_endpoint.json")
    medians = record["medians"]
    lines = ["| poll | median ms | vs repeat poll |", "|---|---|---|"]
    for label, key in (("first poll (fetch, parse, score, store, write)", "first_poll_s"),
                       ("repeat poll (source 304, written from the database)", "repeat_poll_s"),
                       ("the model alone on the same titles", "model_only_s")):
        lines.append(f"| {label} | {medians[key] * 1000:.1f} | {medians[key] / medians['repeat_poll_s']:.2f}× |")
    machine = record["machine"]
    lines.append(f"\nModel {record['model']}, {record['items_per_feed']} items per feed; machine: {machine['cpu']}, "
                 f"{machine['cores']} cores; `{machine['command']}`, {record['repeats']} repeats × "
                 f"{record['polls_per_repeat']} repeat polls, medians.")
    return "\n".join(lines)


TABLES: dict[str, Callable[[], str]] = {
    "quality": quality_table, "export": export_table, "ablation": ablation_table, "feed_endpoint": feed_endpoint_table,
}


def render(text: str) -> str:
    """``text`` with every marked table rendered anew; raises ``KeyError`` for a missing marker."""
    for name, build in TABLES.items():
        pattern = re.compile(rf"(<!-- figures:{name} -->\n)(?:.*?\n)?(<!-- /figures:{name} -->)", re.S)
        if not pattern.search(text):
            raise KeyError(f"README has no <!-- figures:{name} --> block")
        text = pattern.sub(lambda m, b=build: m.group(1) + b() + "\n" + m.group(2), text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the README differs from the JSON")
    args = parser.parse_args(argv)
    current = README.read_text(encoding="utf-8")
    rendered = render(current)
    if args.check:
        if rendered != current:
            print("README.md disagrees with reports/*.json: run python benchmarks/readme_figures.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(rendered, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
