"""In-process scoring speed: ``model.Scorer`` (onnxruntime) against a transformers pipeline.

Both run side by side in one process on the same headlines and the same number of
threads, and the script prints medians over ``--repeats`` runs and the ratios:

- ``Scorer`` headlines/s at batch 1, 8 and 64;
- ``pipeline("text-classification")`` on the torch weights of the same model at batch 1 and 64.

The torch weights are the training run's ``checkpoint/`` next to the artifact (or
``--torch-dir``). The pipeline needs a sequence-classification model, so the trained
encoder gets a ``BertForSequenceClassification`` head: the same encoder compute (what
dominates the time), but not the same scores. Without a checkpoint the pipeline runs
on the base encoder, and the output says so.

    python benchmarks/bench_scoring.py [--model PATH_OR_TAG | --untrained] [--torch-dir DIR] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")

from bench_models import CHECKPOINT_DIR, headline_texts, model_dir  # noqa: E402
from machine import machine_record  # noqa: E402

#: Every measurement stops after this many seconds even if its headlines are not all scored.
MAX_SECONDS_PER_RUN = 20.0


def throughput(score_batch: Callable[[list[str]], object], texts: list[str], batch: int) -> float:
    """Headlines/s scoring ``texts`` in batches of ``batch`` (bounded by ``MAX_SECONDS_PER_RUN``)."""
    done = 0
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        chunk = texts[start : start + batch]
        score_batch(chunk)
        done += len(chunk)
        if time.perf_counter() - started > MAX_SECONDS_PER_RUN:
            break
    return done / (time.perf_counter() - started)


def median_throughput(score_batch, texts: list[str], batch: int, repeats: int) -> float:
    """Median headlines/s over ``repeats`` runs, after one warm-up batch."""
    score_batch(texts[:batch])
    return statistics.median(throughput(score_batch, texts, batch) for _ in range(repeats))


def build_pipeline(checkpoint: Path | None, threads: int):
    """A text-classification pipeline on the trained encoder (or the base encoder), and a note saying which."""
    import torch
    from transformers import AutoTokenizer, BertForSequenceClassification, pipeline

    from training.modeling import DEFAULT_BASE_MODEL, resolve_base_model

    torch.set_num_threads(threads)
    if checkpoint is not None:
        source, note = checkpoint, f"trained encoder weights from {checkpoint}"
    else:
        source = Path(resolve_base_model(DEFAULT_BASE_MODEL))
        note = f"NO trained checkpoint found: base {DEFAULT_BASE_MODEL} encoder with a fresh 2-label head"
    model = BertForSequenceClassification.from_pretrained(source, num_labels=2).eval()
    tokenizer = AutoTokenizer.from_pretrained(source)
    classify = pipeline("text-classification", model=model, tokenizer=tokenizer, device="cpu", top_k=None)
    return classify, note


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="artifact directory or store tag (default: $HEADLINE_LENS_MODEL or newest)")
    parser.add_argument("--untrained", action="store_true", help="benchmark an untrained all-MiniLM-L6-v2 artifact")
    parser.add_argument("--torch-dir", help="HF-format checkpoint of the same model (default: <artifact>/checkpoint)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--headlines", type=int, default=512, help="headlines per run at batch 8 and 64")
    parser.add_argument("--out", default="reports/export", help="where the JSON goes (<out>/scoring-<version>.json)")
    args = parser.parse_args(argv)

    from model.scorer import Scorer, available_cores

    directory = model_dir(args.model, args.untrained)
    threads = available_cores()
    scorer = Scorer(directory, threads=threads)
    texts = headline_texts(args.headlines)
    single = texts[: max(64, args.headlines // 4)]  # batch 1 is slow for the baseline: fewer headlines
    checkpoint = Path(args.torch_dir) if args.torch_dir else directory / CHECKPOINT_DIR
    classify, note = build_pipeline(checkpoint if checkpoint.is_dir() else None, threads)

    print(f"model: {directory} (version {scorer.version}, base {scorer.manifest.base_model}, "
          f"int8={scorer.manifest.quantized})")
    print(f"baseline: transformers pipeline, {note}")
    print(f"threads: {threads}; medians over {args.repeats} runs\n")
    print(f"{'batch':>5}  {'Scorer h/s':>11}  {'pipeline h/s':>12}  {'ratio':>6}")
    rows = []
    for batch in (1, 8, 64):
        ours = median_throughput(scorer.score, single if batch == 1 else texts, batch, args.repeats)
        if batch == 8:
            print(f"{batch:>5}  {ours:>11.0f}  {'-':>12}  {'-':>6}")
            rows.append({"batch": batch, "scorer_headlines_per_s": round(ours, 1)})
            continue
        base = median_throughput(
            lambda chunk, b=batch: classify(chunk, batch_size=b), single if batch == 1 else texts, batch, args.repeats
        )
        print(f"{batch:>5}  {ours:>11.0f}  {base:>12.0f}  {ours / base:>5.1f}x")
        rows.append({"batch": batch, "scorer_headlines_per_s": round(ours, 1),
                     "pipeline_headlines_per_s": round(base, 1), "ratio": round(ours / base, 2)})
    record = {"machine": machine_record(), "model_version": scorer.version, "onnx_sha256": scorer.manifest.onnx_sha256,
              "quantized": scorer.manifest.quantized, "baseline": note, "threads": threads,
              "repeats": args.repeats, "results": rows}
    out = Path(args.out) / f"scoring-{scorer.version}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
