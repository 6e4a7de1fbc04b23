"""Training steps on every core: one process on all threads against one process per core.

The default preset's training loop runs each 32-row step on one process with an intra-op thread
per core. On small matrices those threads leave cores idle (``training/length_batches.py`` gained
1.10-1.15x on the inference passes by giving each core its own batch). A training step cannot
simply be split over threads: both halves must update one set of weights. The standard way is a
process per core, each running half of every batch, with PyTorch's ``DistributedDataParallel``
averaging the gradients (gloo on CPU) before each optimiser step. This measures whether that
pays here, on real rows and the step the training loop runs (upper layers over cached
frozen-layer vectors, masked BCE, clipping, AdamW):

- ``one_process``: one 32-row step at a time, ``torch.set_num_threads(cores)`` (what ``fit`` does);
- ``process_per_core``: DDP over gloo, a 16-row half of each batch per process, one thread each;
- ``process_per_core_fp16_sync``: the same, gradients sent as fp16 (DDP's ``fp16_compress_hook``);
- ``process_per_core_no_sync``: the same halves with no gradient exchange at all. Not a way to
  train (the processes' weights drift apart); it is the ceiling: what the compute alone costs.

Every mode runs the same batches (length-grouped, as ``fit``), the modes alternate within each
repeat, and the per-step times exclude starting the processes. Medians and ratios against
``one_process`` go to ``reports/training_step.json`` with the machine record.

    python benchmarks/bench_training_step.py [--data-dir DIR] [--steps 48] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from machine import machine_record  # noqa: E402
from preset_rows import default_training_sample  # noqa: E402

MODES = ("one_process", "process_per_core", "process_per_core_fp16_sync", "process_per_core_no_sync")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _model(base_model: str, frozen: int):
    """The default preset's trainable model: frozen word embeddings and lower layers, fixed init."""
    import torch

    from training.modeling import HeadlineModel

    torch.manual_seed(0)
    model = HeadlineModel.from_base(base_model)
    model.freeze_word_embeddings()
    model.freeze_lower_layers(frozen)
    # The pooler is never used (the heads read mean-pooled tokens); DDP refuses parameters that
    # get no gradient, so it is frozen here. It changes nothing in the step's cost.
    model.encoder.pooler.requires_grad_(False)
    return model.train()


def _steps(step_model, model, batches) -> float:
    """Seconds for one training step per batch (``batches``: padded vectors, mask, targets, weights)."""
    import torch

    from training.train import masked_loss

    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-4, weight_decay=0.01)
    started = time.perf_counter()
    for hidden, mask, targets, weights in batches:
        loss = masked_loss(step_model(hidden, mask), targets, weights)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
    return time.perf_counter() - started


def _upper_module(model, frozen: int):
    """``model.upper_logits`` as a module call, so DDP can wrap it."""
    import torch

    class Upper(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, hidden, mask):
            return self.model.upper_logits(hidden, mask, frozen)

    return Upper()


def _worker(rank: int, world: int, port: int, mode: str, base_model: str, frozen: int, halves, results) -> None:
    """One process of a per-core mode: its half of every batch, one torch thread."""
    import torch
    import torch.distributed as dist
    from torch.distributed.algorithms.ddp_comm_hooks import default_hooks

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        model = _model(base_model, frozen)
        upper = _upper_module(model, frozen)
        if mode != "process_per_core_no_sync":
            upper = torch.nn.parallel.DistributedDataParallel(upper)
            if mode == "process_per_core_fp16_sync":
                upper.register_comm_hook(None, default_hooks.fp16_compress_hook)
        mine = [batch[rank] for batch in halves]
        _steps(upper, model, mine[:4])  # warm-up: first calls allocate
        dist.barrier()
        seconds = _steps(upper, model, mine[4:])
        dist.barrier()
        if rank == 0:
            results.put(seconds)
    finally:
        dist.destroy_process_group()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="the public datasets (default: $HEADLINE_LENS_DATA)")
    parser.add_argument("--steps", type=int, default=48, help="timed steps per mode and repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default="reports/training_step.json")
    args = parser.parse_args(argv)

    import torch
    import torch.multiprocessing as mp
    from transformers import AutoTokenizer
    from transformers.trainer_pt_utils import LengthGroupedSampler

    from model.scorer import available_cores
    from training.frozen_layers import frozen_features
    from training.modeling import resolve_base_model
    from training.train import pad_vectors, targets_and_weights
    from training.train_config import TrainConfig

    cores = available_cores()
    # Four warm-up batches, then the timed ones.
    config, _, training = default_training_sample(args.data_dir, (args.steps + 4) * TrainConfig.batch_size)
    tokenizer = AutoTokenizer.from_pretrained(resolve_base_model(config.base_model))
    ids = tokenizer(training["text"].tolist(), truncation=True, max_length=config.max_length)["input_ids"]
    targets, weights = targets_and_weights(training, config.auxiliary_targets, config.auxiliary_weight)
    model = _model(config.base_model, config.freeze_layers)
    vectors = frozen_features(model, ids, config.freeze_layers, tokenizer.pad_token_id, progress=False)
    model.train()
    order = list(LengthGroupedSampler(config.batch_size, lengths=[len(i) for i in ids],
                                      generator=torch.Generator().manual_seed(config.seed)))

    def batch_of(indices):
        hidden, mask = pad_vectors([vectors[i] for i in indices])
        return hidden, mask, torch.from_numpy(targets[indices]), torch.from_numpy(weights[indices])

    batches, halves = [], []
    for start in range(0, len(order) - config.batch_size + 1, config.batch_size):
        indices = order[start : start + config.batch_size]
        batches.append(batch_of(indices))
        # Each process gets every cores-th row of the batch: similar lengths, similar work.
        halves.append([batch_of(indices[rank::cores]) for rank in range(cores)])
    steps = min(args.steps, len(batches) - 4)

    context = mp.get_context("spawn")
    seconds: dict[str, list[float]] = {mode: [] for mode in MODES}
    for repeat in range(args.repeats):
        for mode in MODES:
            if mode == "one_process":
                torch.set_num_threads(cores)
                fresh = _model(config.base_model, config.freeze_layers)
                upper = _upper_module(fresh, config.freeze_layers)
                _steps(upper, fresh, batches[:4])
                seconds[mode].append(_steps(upper, fresh, batches[4 : 4 + steps]))
            else:
                results = context.SimpleQueue()
                port = _free_port()
                workers = [context.Process(target=_worker, args=(rank, cores, port, mode, config.base_model,
                                                                 config.freeze_layers, halves[: 4 + steps], results))
                           for rank in range(cores)]
                for worker in workers:
                    worker.start()
                for worker in workers:
                    worker.join()
                if any(worker.exitcode != 0 for worker in workers) or results.empty():
                    raise RuntimeError(f"{mode}: a worker failed (exit codes {[w.exitcode for w in workers]})")
                seconds[mode].append(results.get())
            print(f"repeat {repeat + 1}: {mode} {1000 * seconds[mode][-1] / steps:.0f} ms/step", flush=True)

    per_step = {mode: 1000 * statistics.median(values) / steps for mode, values in seconds.items()}
    results_json = {
        mode: {"ms_per_step": round(per_step[mode], 1),
               "all_runs_ms_per_step": [round(1000 * s / steps, 1) for s in seconds[mode]],
               "speedup_vs_one_process": round(per_step["one_process"] / per_step[mode], 3)}
        for mode in MODES
    }
    for mode, result in results_json.items():
        print(f"{mode}: {result['ms_per_step']} ms/step, {result['speedup_vs_one_process']:.2f}x")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine_record(), "repeats": args.repeats, "steps": steps,
                               "batch_size": config.batch_size, "processes": cores, "modes": results_json},
                              indent=2) + "\n", encoding="utf-8")
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
