"""Short-schedule ablation on a fixed subset: which layer freezing, caching and schedule to ship.

Training is the bottleneck on 2 cores, so schedules are compared on a fixed subset of the
default preset's rows (Webis 5,000, anno-lexical 5,000, BASIL 1,000, Stop Clickbait 1,000,
500 composites of each kind, the seeds), one epoch each, in one process, one after another.
Each is scored in torch on the validation rows (Webis-17 clickbait AUC against the readers'
verdict, anno-lexical and BASIL bias AUC) and on BABE's test split (never trained on).
Writes ``reports/ablation.json`` with the machine it ran on.

    python benchmarks/ablate_schedule.py [--data-dir DIR] [KEY=VALUE,KEY=VALUE ...]

Each schedule is a comma-separated list of ``TrainConfig`` overrides on top of the default
preset and the subset; ``seconds`` includes computing the frozen-layer cache.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from machine import machine_record  # noqa: E402

DEFAULT_SCHEDULES = (
    "freeze_layers=2,cache_frozen_layers=false,learning_rate=8.0e-5,epochs=1",
    "freeze_layers=2,learning_rate=8.0e-5,epochs=1",
    "freeze_layers=3,learning_rate=1.0e-4,epochs=1",
    "freeze_layers=4,learning_rate=1.0e-4,epochs=1",
    "freeze_layers=4,learning_rate=2.0e-4,epochs=1",
)
SUBSET = ("max_train_rows.webis=5000", "max_train_rows.anno_lexical=5000", "max_train_rows.basil=1000",
          "max_train_rows.stop_clickbait=1000", "composite_rows=500")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schedules", nargs="*", default=list(DEFAULT_SCHEDULES),
                        help="comma-separated KEY=VALUE overrides (YAML numbers: 5.0e-5, not 5e-5)")
    parser.add_argument("--data-dir", help="the public datasets (default: $HEADLINE_LENS_DATA)")
    parser.add_argument("--out", default="reports/ablation.json")
    args = parser.parse_args(argv)

    from sklearn.metrics import roc_auc_score
    from transformers import AutoTokenizer

    from model.labels import HEAD_NAMES
    from model.paths import data_dir
    from training.assemble import assemble, verdicts
    from training.augment import with_configured_composites
    from training.export import torch_logits
    from training.modeling import HeadlineModel, resolve_base_model
    from training.train import fit
    from training.train_config import build_config

    base = build_config("default", list(SUBSET))
    assembled = assemble(base, data_dir(args.data_dir))
    rows = with_configured_composites(assembled.training_rows(), base)
    validation = assembled.split("validation")
    validation = validation[~validation["eval_only"]]
    test = assembled.split("test", used_only=False)
    babe = test[test["source"] == "babe"]
    tokenizer = AutoTokenizer.from_pretrained(resolve_base_model(base.base_model))

    def auc(frame, logits, head, source=None) -> float:
        j = HEAD_NAMES.index(head)
        rows_ = frame[head].notna().to_numpy().copy()
        if source is not None:
            rows_ &= (frame["source"] == source).to_numpy()
        return round(float(roc_auc_score(verdicts(frame, head)[rows_], logits[rows_, j])), 4)

    results = []
    for schedule in args.schedules:
        overrides = schedule.split(",")
        config = build_config("default", [*SUBSET, *overrides])
        model = HeadlineModel.from_base(config.base_model)
        fitted = fit(model, tokenizer, rows, config, progress=False)
        on_validation = torch_logits(model, tokenizer, validation["text"].tolist(), config.max_length)
        on_babe = torch_logits(model, tokenizer, babe["text"].tolist(), config.max_length)
        result = {"overrides": overrides, "freeze_layers": config.freeze_layers,
                  "cache_frozen_layers": config.cache_frozen_layers and config.freeze_layers > 0,
                  "learning_rate": config.learning_rate, "epochs": config.epochs,
                  "seconds": fitted.seconds, "steps": fitted.steps,
                  "webis_val_auc": auc(validation, on_validation, "clickbait", "webis"),
                  "anno_val_auc": auc(validation, on_validation, "bias", "anno_lexical"),
                  "basil_val_auc": auc(validation, on_validation, "bias", "basil"),
                  "babe_test_auc": auc(babe, on_babe, "bias")}
        print(json.dumps(result), flush=True)
        results.append(result)
    record = {"machine": machine_record(), "rows": len(rows), "subset": list(SUBSET), "schedules": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
