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
#: The model the export and in-process scoring benchmarks ran on: the default model before the
#: current recipe (same graph and size, so the same speed; its own export figures differ).
BENCHMARKED_MODEL = "v20261201-193853"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _ran_on(record: dict[str, Any]) -> str:
    """Where and how a benchmark ran: "machine: CPU, N cores; `command`"."""
    machine = record["machine"]
    return f"machine: {_cpu(machine)}, {machine['cores']} cores; `{machine['command']}`"


def _cpu(machine: dict[str, Any]) -> str:
    """CPU name and vector extensions: the same 2-core benchmark ran 3.2x slower on AVX2 alone than with VNNI."""
    flags = machine.get("cpu_flags", [])
    vector = "AVX-512 VNNI" if "avx512_vnni" in flags else "AVX2, no AVX-512" if "avx2" in flags else "no AVX2"
    return f"{machine['cpu']} ({vector})"


def quality_table() -> str:
    """The evaluation table of the shipped model, exactly as ``headline-lens train`` printed it."""
    sys.path.insert(0, str(REPO))
    from training.report import format_table

    return format_table(_load(MODEL_REPORT)["summary"])


def export_table() -> str:
    """Every export format of ``BENCHMARKED_MODEL``, side by side (``benchmarks/bench_export.py``)."""
    record = _load(REPO / "reports" / "export" / f"{BENCHMARKED_MODEL}.json")
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


def scoring_table() -> str:
    """In-process ``Scorer`` against a transformers pipeline on the same weights (``benchmarks/bench_scoring.py``)."""
    record = _load(REPO / "reports" / "export" / f"scoring-{BENCHMARKED_MODEL}.json")
    lines = ["| batch | Scorer headlines/s | transformers pipeline headlines/s | ratio |", "|---|---|---|---|"]
    for row in record["results"]:
        pipeline = row.get("pipeline_headlines_per_s")
        pipeline_cell = f"{pipeline:,.0f}" if pipeline else "not run"
        ratio_cell = f"{row['ratio']:.2f}×" if "ratio" in row else ""
        lines.append(f"| {row['batch']} | {row['scorer_headlines_per_s']:,.0f} | {pipeline_cell} | {ratio_cell} |")
    lines.append(f"\nModel `{record['model_version']}` ({'int8' if record['quantized'] else 'fp32'} graph, ONNX sha256 "
                 f"{record['onnx_sha256'][:12]}...), {record['threads']} threads; {_ran_on(record)}, "
                 f"{record['repeats']} repeats, medians.")
    return "\n".join(lines)


#: What the seeds table shows: summary key -> label.
SEED_MEASURES = {
    "webis_auc": "Webis AUC", "webis_f1": "Webis F1", "babe_macro_f1": "BABE macro-F1", "babe_auc": "BABE AUC",
    "seed_sensational": "seed 004", "seed_sensational_bias": "seed 004 bias", "seed_wire": "highest wire seed",
    "abp_auc": "ABP AUC",
    "pair_accuracy": "minimal pairs", "teaser_bias": "neutral teasers' bias", "basil_span_hit": "BASIL span hit", "basil_word_f1": "BASIL word F1",
}


def seeds_table() -> str:
    """Each recipe of the default preset trained with several seeds (``reports/seeds.json`` names the reports)."""
    index = _load(REPO / "reports" / "seeds.json")
    blocks = [_recipe_seeds(recipe) for recipe in index["recipes"]]
    return "\n\n".join(blocks) + f"\n\n{index['note']}"


def _recipe_seeds(recipe: dict[str, Any]) -> str:
    """One recipe's runs, a row per seed, then mean ± sd (the TF-IDF baseline's ABP AUC below)."""
    import statistics

    runs = [(run["seed"], _load(REPO / run["report"])) for run in recipe["runs"]]
    # Older reports predate some measures (seed 004's bias): those cells read "–".
    values = {key: [{row["key"]: row["model"] for row in report["summary"]}.get(key) for _, report in runs]
              for key in SEED_MEASURES}
    lines = [f"**{recipe['name']}**\n", "| seed (version) | " + " | ".join(SEED_MEASURES.values()) + " |",
             "|---" * (len(SEED_MEASURES) + 1) + "|"]
    for column, (seed, report) in enumerate(runs):
        lines.append(f"| {seed} (`{report['version']}`) | " + " | ".join(_cell(values[k][column]) for k in SEED_MEASURES) + " |")
    baseline = [{row["key"]: row["baseline"] for row in report["summary"]}["abp_auc"] for _, report in runs]
    if len(runs) > 1:
        lines.append("| **mean ± sd** | " + " | ".join(
            f"**{statistics.mean(values[k]):.3f} ± {statistics.stdev(values[k]):.3f}**" if None not in values[k] else "–"
            for k in SEED_MEASURES) + " |")
        lines.append(f"\nThe TF-IDF baseline, fitted on each run's own splits: ABP AUC "
                     f"{statistics.mean(baseline):.3f} ± {statistics.stdev(baseline):.3f}.")
    else:
        lines.append(f"\nThe TF-IDF baseline, fitted on the run's own splits: ABP AUC {baseline[0]:.3f}.")
    return "\n".join(lines)


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def ablation_table() -> str:
    """The schedule ablation (``benchmarks/ablate_schedule.py``)."""
    record = _load(ABLATION)
    keys = ("webis_val_auc", "anno_val_auc", "basil_val_auc", "babe_test_auc")
    best = {k: max(s[k] for s in record["schedules"]) for k in keys}
    base = record["schedules"][0]["seconds"]
    lines = ["| frozen layers | cached | lr | epochs | seconds (vs first row) | Webis val AUC | anno-lexical val AUC | "
             "BASIL val AUC | BABE test AUC |", "|---|---|---|---|---|---|---|---|---|"]
    for s in record["schedules"]:
        cells = [f"**{s[k]:.3f}**" if s[k] == best[k] else f"{s[k]:.3f}" for k in keys]
        lines.append(f"| {s['freeze_layers']} | {'yes' if s['cache_frozen_layers'] else 'no'} | {s['learning_rate']:g} | "
                     f"{s['epochs']:g} | {s['seconds']:.0f} ({s['seconds'] / base:.2f}×) | " + " | ".join(cells) + " |")
    lines.append(f"\n{record['rows']:,} training rows; seconds include computing the frozen-layer cache; "
                 f"{_ran_on(record)}, one after another in one process.")
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
    lines.append(f"\nModel {record['model']}, {record['items_per_feed']} items per feed; {_ran_on(record)}, "
                 f"{record['repeats']} repeats × {record['polls_per_repeat']} repeat polls, medians.")
    return "\n".join(lines)


def http_table() -> str:
    """The service under load (``benchmarks/bench_http.py``): medians over its repeats, one server."""
    record = _load(REPO / "reports" / "http.json")
    m, model, machine = record["medians"], record["model"], record["machine"]
    lines = [
        "| measure (medians over repeats) | measured | goal |", "|---|---|---|",
        f"| HTTP, 64 headlines per request: sequential / 4 in flight (headlines/s) | "
        f"{m['batch64_sequential_per_s']:,.0f} / {m['batch64_4_in_flight_per_s']:,.0f} | >= 800 |",
        f"| single headline, sequential: p50 / p99 | {m['single_p50_ms']:.1f} / {m['single_p99_ms']:.1f} ms | p50 <= 8 ms |",
        f"| 1,000 single-headline requests at concurrency 200 | {m['concurrency200_per_s']:,.0f} headlines/s, "
        f"{m['concurrency200_seconds']:.2f} s, {m['concurrency200_errors']:.0f} errors | 0 errors |",
        f"| 100-headline page, all cache hits: p50 / p99 | {m['cached_page_p50_ms']:.1f} / "
        f"{m['cached_page_p99_ms']:.1f} ms | p50 <= 5 ms |",
        f"| server peak RSS, all processes | {record['peak_rss_mib']:.0f} MiB | <= 400 MB |",
    ]
    lines.append(f"\nModel `{model['version']}` ({model['format']} graph, ONNX sha256 {model['onnx_sha256'][:12]}...). "
                 f"Machine: {machine['cpu']}, {machine['cores']} cores ({', '.join(machine['cpu_flags'])}); "
                 f"`{machine['command']}`, {len(record['repeats'])} repeats on one server.")
    return "\n".join(lines)


def admission_table() -> str:
    """This checkout's batcher beside a baseline commit's, single-headline requests (``benchmarks/bench_admission.py``)."""
    record = _load(REPO / "reports" / "admission.json")
    new, old = list(record["medians"])
    lines = [f"| load | {new}: headlines/s, p50 / p99 ms | {old}: headlines/s, p50 / p99 ms | "
             "throughput ratio | p50 ratio |", "|---|---|---|---|---|"]
    for a, b in zip(record["medians"][new], record["medians"][old]):
        ratio = record["ratios"][a["level"]]
        lines.append(f"| {a['level']} | {a['answered_per_s']:,.0f}, {a['p50_ms']:.1f} / {a['p99_ms']:.1f} | "
                     f"{b['answered_per_s']:,.0f}, {b['p50_ms']:.1f} / {b['p99_ms']:.1f} | "
                     f"{ratio['throughput_new_over_old']:.2f}× | {ratio['p50_new_over_old']:.2f}× |")
    errors = {name: sum(row["non_200"] for row in rows) for name, rows in record["medians"].items()}
    lines.append(f"\nNon-200 answers: {', '.join(f'{n} {c}' for n, c in errors.items())}. Model `{record['model']['version']}`; "
                 f"{_ran_on(record)}, {len(record['repeats'][new])} interleaved repeats, medians.")
    return "\n".join(lines)


def reliability_table() -> str:
    """The last ``make reliability`` run (``reports/reliability.json``): each check, what it ran on, its verdict."""
    record = _load(REPO / "reports" / "reliability.json")
    lines = ["| check | runs on | result | figures (numbers and words; the rest in `reports/reliability.md`) |", "|---|---|---|---|"]
    for check in record["checks"]:
        scalars = [f"{key} {value}" for key, value in check["figures"].items()
                   if isinstance(value, (int, float, str)) and not isinstance(value, bool)]
        lines.append(f"| `{check['name']}` | {check['runs_on']} | {'PASS' if check['passed'] else '**FAIL**'} | "
                     f"{', '.join(scalars).replace('|', '/')} |")
    passed = sum(check["passed"] for check in record["checks"])
    context = record["context"]
    lines.append(f"\n{passed} of {len(record['checks'])} checks passed, {context['date']}. Model {context['model']}; "
                 f"{_ran_on(record)}; settings: {context['settings']}.")
    return "\n".join(lines)


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


def stories_table() -> str:
    """The story features' evaluation and speed (``benchmarks/eval_stories.py``, ``benchmarks/bench_stories.py``)."""
    folder = REPO / "reports" / "stories"
    ev = _load(folder / "eval.json")
    compare = _load(folder / "bench-compare.json")["compare_vs_score"]
    scaling = _load(folder / "bench-scaling.json")["scaling"]
    b, f = ev["basil"], ev["fnc1"]
    dated, text = b["embeddings"]["with_dates"], b["embeddings"]["text_only"]
    t_dated, t_text = b["tfidf_best_threshold"]["with_dates"], b["tfidf_best_threshold"]["text_only"]
    unrelated, discuss = f["unrelated_vs_related"], f["discuss_vs_agree"]
    held_out, claims = f["unrelated_vs_related_held_out"], ev["fnc1_claims"]
    claims_threshold = claims["chosen_threshold"]
    facts = [k for k in ("niger_pages_form_one_story", "appended_story_stays_apart", "004_ranks_most_sensational",
                         "004_most_incongruent")]
    held = sum(bool(ev["seeds"][k]) for k in facts)
    curve = ", ".join(f"{r['articles']:,}: {r['total_s']:.0f} s (grouping {r['grouping_median_s']:.2f} s)"
                      for r in scaling["rows"])
    lines = [
        "| measure | goal | embeddings | TF-IDF cosine | goal met |", "|---|---|---|---|---|",
        f"| BASIL grouping, pairwise F1, with dates / text only | >= 0.95 / >= 0.85 | {dated['pairwise_f1']:.3f} / "
        f"{text['pairwise_f1']:.3f} | {t_dated['pairwise_f1']:.3f} / {t_text['pairwise_f1']:.3f} (at its best thresholds on "
        f"BASIL, {t_dated['threshold']:.2f} / {t_text['threshold']:.2f}) | "
        f"{_met(dated['pairwise_f1'] >= 0.95)} / {_met(text['pairwise_f1'] >= 0.85)} |",
        f"| BASIL grouping, adjusted Rand index, with dates / text only |  | {dated['ari']:.3f} / {text['ari']:.3f} | "
        f"{t_dated['ari']:.3f} / {t_text['ari']:.3f} |  |",
        f"| BASIL: bias ranking puts first the article with most lexical-bias phrases per sentence |  | "
        f"{b['bias_ranking']['hit_rate']:.3f} ({b['bias_ranking']['hits']} of {b['bias_ranking']['events_without_tie']} "
        f"events; chance 0.333) | n/a |  |",
        f"| FNC-1 unrelated vs related, ROC-AUC of incongruence, all pairs | >= 0.95 and > TF-IDF | "
        f"{unrelated['incongruence']:.4f} (distance alone {unrelated['embedding_distance_only']:.4f}) | "
        f"{unrelated['tfidf_cosine']:.4f} | "
        f"{_met(unrelated['incongruence'] >= 0.95 and unrelated['incongruence'] > unrelated['tfidf_cosine'])} |",
        f"| the same on the {f['held_out_pairs']:,} pairs not used to fit the off-topic ramp | >= 0.95 and > TF-IDF | "
        f"{held_out['incongruence']:.4f} (distance alone {held_out['embedding_distance_only']:.4f}) | "
        f"{held_out['tfidf_cosine']:.4f} | "
        f"{_met(held_out['incongruence'] >= 0.95 and held_out['incongruence'] > held_out['tfidf_cosine'])} |",
        f"| FNC-1 claims as stories ({claims['articles']} articles, {claims['claims']} claims), text-only pairwise F1: "
        f"development set of the undated threshold |  | {claims['undated_sweep'][f'{claims_threshold:.3f}']['pairwise_f1']:.3f} "
        f"at {claims_threshold} (best on the sweep: {claims['best_threshold']}) | n/a |  |",
        f"| FNC-1 discuss vs agree, ROC-AUC of incongruence |  | {discuss['incongruence']:.4f} "
        f"(distance alone {discuss['embedding_distance_only']:.4f}) | {discuss['tfidf_cosine']:.4f} |  |",
        f"| seeds golden test (four facts) | all four | {held} of 4 | n/a | {_met(held == 4)} |",
        f"| `/compare` 50 articles x 10 sentences vs `/score` of the 50 headlines with explain | <= 10x | "
        f"{compare['ratio_compare_to_score_explain']:.1f}x ({compare['median_s']['compare']:.2f} s vs "
        f"{compare['median_s']['score_explain']:.2f} s) | n/a | {_met(compare['ratio_compare_to_score_explain'] <= 10)} |",
        f"| `stories` time growth 500 to 5,000 articles (log-log slope; n log n = "
        f"{scaling['nlogn_slope_reference']:.2f}) | <= n log n | all {scaling['loglog_slope_total']:.2f}, grouping "
        f"{scaling['loglog_slope_grouping']:.2f} | n/a | {_met(scaling['loglog_slope_total'] <= scaling['nlogn_slope_reference'])} |",
    ]
    machine = ev["machine"]
    lines.append(f"\n`stories` curve (articles: seconds in all): {curve}. Model `{ev['model']}`. "
                 f"Machine: {machine['cpu']}, {machine['cores']} cores; "
                 f"`{machine['command']}`; `{_load(folder / 'bench-compare.json')['machine']['command']}`; "
                 f"`{_load(folder / 'bench-scaling.json')['machine']['command']}`.")
    return "\n".join(lines)


TABLES: dict[str, Callable[[], str]] = {
    "quality": quality_table, "export": export_table, "ablation": ablation_table, "feed_endpoint": feed_endpoint_table,
    "stories": stories_table, "http": http_table, "admission": admission_table, "scoring": scoring_table,
    "reliability": reliability_table, "seeds": seeds_table,
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
