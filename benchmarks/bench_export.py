"""Export formats side by side: torch fp32, ONNX fp32 and the int8 variants, in one run.

For a trained artifact with its ``checkpoint/``, each export format is built from the same
weights and measured on the same texts: label agreement with torch and the largest score
difference (on the validation texts the export decision uses), test metrics (Webis-17 and
BABE through ``model.Scorer``, as served), and speed (headlines/s, one row at a time as the
service runs them; median over ``--repeats``). torch runs padded batches of 64, its
natural use. Writes ``reports/export/<version>.json`` with the machine it ran on.

    python benchmarks/bench_export.py --model ARTIFACT_DIR_OR_TAG [--data-dir DIR] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")

from machine import machine_record  # noqa: E402

#: (source, head, metric) test figures reported per format.
TEST_METRICS = (("webis", "clickbait", "roc_auc"), ("webis", "clickbait", "f1"), ("babe", "bias", "roc_auc"),
                ("babe", "bias", "macro_f1"), ("anno_lexical", "bias", "roc_auc"))


def _median_speed(run, texts: list[str], repeats: int) -> float:
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        run(texts)
        rates.append(len(texts) / (time.perf_counter() - started))
    return round(statistics.median(rates), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="artifact directory or store tag with a checkpoint/ (default: newest)")
    parser.add_argument("--data-dir", help="the public datasets (default: $HEADLINE_LENS_DATA)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--speed-texts", type=int, default=1000, help="test headlines per speed run")
    parser.add_argument("--out", default="reports/export", help="where the JSON goes")
    args = parser.parse_args(argv)

    import numpy as np
    from transformers import AutoTokenizer

    from model.artifact import load_manifest
    from model.labels import HEAD_NAMES
    from model.paths import data_dir
    from model.scorer import Scorer
    from model.store import resolve
    from training.assemble import assemble, verdicts
    from training.evaluate import per_source_metrics
    from training.export import FP32, INT8_FORMATS, build_artifact, calibrated, torch_logits
    from training.modeling import HeadlineModel
    from training.train_config import from_dict

    directory = resolve(args.model)
    manifest = load_manifest(directory)
    config = from_dict(manifest.training["config"])
    assembled = assemble(config, data_dir(args.data_dir))
    validation = assembled.split("validation")
    validation = validation[~validation["eval_only"]]
    verify = validation.sample(n=min(config.verify_rows, len(validation)), random_state=config.seed)
    labels = np.stack([verdicts(verify, h) for h in HEAD_NAMES], axis=1)
    test = assembled.split("test", used_only=False)
    test = test[test["source"].isin({s for s, _, _ in TEST_METRICS})]
    speed_texts = test["text"].sample(n=min(args.speed_texts, len(test)), random_state=0).tolist()
    model = HeadlineModel.load(directory / "checkpoint").eval()
    tokenizer = AutoTokenizer.from_pretrained(directory / "checkpoint")

    def pick(metrics):
        return {f"{s}_{h}_{m}": round(metrics.get(s, {}).get(h, {}).get(m, float("nan")), 4) for s, h, m in TEST_METRICS}

    rows = {}
    torch_probs = calibrated(torch_logits(model, tokenizer, test["text"].tolist(), manifest.max_length), manifest)
    rows["torch fp32"] = {
        "test": pick(per_source_metrics(test, torch_probs, manifest.thresholds)),
        "label_agreement": 1.0, "max_abs_diff": 0.0,
        "headlines_per_s": _median_speed(lambda t: torch_logits(model, tokenizer, t, manifest.max_length),
                                         speed_texts, args.repeats),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name in (*INT8_FORMATS, FP32):
            built, report = build_artifact(model, tokenizer, manifest, Path(tmp) / name, verify["text"].tolist(),
                                           verify_labels=labels, formats=(name,), tolerance=1.0,
                                           min_label_agreement=0.0)
            scorer = Scorer(built)
            measured = report.formats[name]
            rows[f"onnx {name}"] = {
                "test": pick(per_source_metrics(test, scorer.probabilities(test["text"].tolist()), manifest.thresholds)),
                "label_agreement": measured.label_agreement, "max_abs_diff": measured.max_abs_diff,
                "p99_abs_diff": measured.p99_abs_diff,
                "headlines_per_s": _median_speed(scorer.probabilities, speed_texts, args.repeats),
            }
    record = {"machine": machine_record(), "model_version": manifest.version, "onnx_sha256": manifest.onnx_sha256,
              "served_format": manifest.training.get("export", {}).get("chosen"), "verify_texts": len(verify),
              "repeats": args.repeats, "speed_texts": len(speed_texts), "formats": rows}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{manifest.version}.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")

    keys = list(next(iter(rows.values()))["test"])
    print(f"model {manifest.version} on {record['machine']['cpu']} ({record['machine']['cores']} cores)")
    print("| format | label agreement | max abs diff | headlines/s | " + " | ".join(keys) + " |")
    print("|---" * (4 + len(keys)) + "|")
    base = rows["onnx fp32"]["headlines_per_s"]
    for name, row in rows.items():
        speed = f"{row['headlines_per_s']:.0f} ({row['headlines_per_s'] / base:.2f}x fp32)"
        print(f"| {name} | {row['label_agreement']:.4f} | {row['max_abs_diff']:.4f} | {speed} | "
              + " | ".join(f"{row['test'][k]:.4f}" for k in keys) + " |")
    print(f"written: {out / (manifest.version + '.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
