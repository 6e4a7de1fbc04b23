"""A training run's inference passes: torch against onnxruntime, one thread per core against all on each batch.

Two passes that a default training run makes, on real rows, through the code it runs:
the frozen-layer cache (``training.frozen_layers.frozen_features``: the lower three layers over
a seeded sample of the default preset's training rows, composites included; in torch, and in
onnxruntime as training runs it, export included) and the calibration logits
(``training.export.torch_logits`` over a seeded sample of the validation rows the heads
calibrate on). Speed does not depend on the weights, so the base encoder with fresh heads runs
both. ``one_batch_all_threads`` is one batch at a time on all cores' intra-op threads;
``batch_per_core`` is a batch per core at once, one thread each. The modes alternate within each
repeat, in one process; medians and each mode's ratio to the pass's first mode go to
``reports/inference_passes.json`` with the machine record.

    python benchmarks/bench_inference_passes.py [--data-dir DIR] [--rows 4000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from machine import machine_record  # noqa: E402
from preset_rows import default_training_sample  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="the public datasets (default: $HEADLINE_LENS_DATA)")
    parser.add_argument("--rows", type=int, default=4000, help="texts per pass")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default="reports/inference_passes.json")
    args = parser.parse_args(argv)

    import torch
    from transformers import AutoTokenizer

    from model.scorer import available_cores
    from training.export import torch_logits
    from training.frozen_layers import frozen_features
    from training.modeling import HeadlineModel, resolve_base_model
    from training.pipeline import calibration_rows

    config, assembled, training = default_training_sample(args.data_dir, args.rows)
    validation = assembled.split("validation")
    calibrating = calibration_rows(validation[~validation["eval_only"]], config)
    calibrating = calibrating.sample(n=min(args.rows, len(calibrating)), random_state=0)

    torch.set_num_threads(available_cores())
    tokenizer = AutoTokenizer.from_pretrained(resolve_base_model(config.base_model))
    model = HeadlineModel.from_base(config.base_model).eval()
    ids = tokenizer(training["text"].tolist(), truncation=True, max_length=config.max_length)["input_ids"]
    texts = calibrating["text"].tolist()
    cores = available_cores()

    def cache(engine: str, workers: int):
        return lambda: frozen_features(model, ids, config.freeze_layers, tokenizer.pad_token_id, progress=False,
                                       workers=workers, engine=engine)

    def logits(workers: int):
        return lambda: torch_logits(model, tokenizer, texts, config.max_length, workers=workers)

    # Each pass's first mode is the baseline its ratios are taken against.
    passes = {
        "frozen_layer_cache": {"torch_one_batch_all_threads": cache("torch", 1),
                               "torch_batch_per_core": cache("torch", cores),
                               "onnxruntime_batch_per_core": cache("onnxruntime", cores)},
        "calibration_logits": {"one_batch_all_threads": logits(1), "batch_per_core": logits(cores)},
    }
    rates = {name: {mode: [] for mode in modes} for name, modes in passes.items()}
    for _ in range(args.repeats):
        for name, modes in passes.items():
            for mode, run in modes.items():
                started = time.perf_counter()
                run()
                rates[name][mode].append(args.rows / (time.perf_counter() - started))
    results = {}
    for name, by_mode in rates.items():
        medians = {mode: round(statistics.median(values), 1) for mode, values in by_mode.items()}
        baseline = next(iter(medians))
        results[name] = {"texts": args.rows, "texts_per_s": medians, "baseline": baseline,
                         "all_runs": {mode: [round(v, 1) for v in values] for mode, values in by_mode.items()},
                         "ratio": {mode: round(rate / medians[baseline], 3) for mode, rate in medians.items()}}
        print(f"{name}: {medians} texts/s; against {baseline}: {results[name]['ratio']}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine_record(), "repeats": args.repeats, "passes": results}, indent=2)
                   + "\n", encoding="utf-8")
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
