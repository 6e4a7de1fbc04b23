"""Inference passes over many texts: batches of similar length, on every core.

Training runs three such passes (the frozen-layer cache, the calibration logits, the export
check's reference) over tens of thousands of texts. Two things make them cheaper on a small CPU:

- *batches of similar length*: validation mixes 15-token headlines with sentences of 48 tokens and more, and
  batches in input order padded nearly every row to the longest (a 4,000-text sample took 1.7x
  as long; logits equal within 5e-6);
- *one torch thread per core, each running its own batches*: on these small matrices two
  intra-op threads on one batch leave cores idle. On 2 cores the frozen-layer pass in torch ran
  1.10x as fast (423 against 384 rows/s) and the calibration pass 1.13x (185 against 164 texts/s),
  on 4,000 real rows each, medians of 5 alternating repeats in one process (AMD EPYC, AVX-512;
  ``python benchmarks/bench_inference_passes.py --repeats 5``, ``reports/inference_passes.json``;
  1.15x and 1.10x on an AVX2-only EPYC).

Without dropout (eval mode) each batch's result depends only on its own rows, so the results
do not depend on which thread ran them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from model.scorer import available_cores


def length_batches(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Row indices grouped into batches of ``batch_size``, shortest rows first."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


def run_batches(batches: list[np.ndarray], run: Callable[[np.ndarray], None], workers: int | None = None) -> None:
    """Call ``run(batch)`` on every batch, spread over ``workers`` threads (default: one per core).

    ``run`` writes its results itself (each batch into its own rows), so only disjoint writes
    happen at once. Each worker runs torch on one thread; torch's thread count is global, so it
    is restored afterwards for whatever runs next (a training loop wants every core).
    """
    workers = min(workers or available_cores(), len(batches))
    if workers <= 1:
        for batch in batches:
            run(batch)
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        # Interleaved shares: batches are sorted by length, so each worker gets a similar mix.
        with ThreadPoolExecutor(workers, thread_name_prefix="length-batches") as pool:
            shares = [batches[k::workers] for k in range(workers)]
            for done in [pool.submit(lambda share: [run(batch) for batch in share], share) for share in shares]:
                done.result()
    finally:
        torch.set_num_threads(previous)
