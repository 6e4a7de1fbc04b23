"""The frozen lower layers' output, computed once per training run.

With the embeddings and the lowest ``freeze_layers`` encoder layers frozen, their output is the
same every epoch, so a run computes it once and each training step runs only the layers above
(``training.train.fit``). This pass is an inference pass over every training row (46,022 in the
default preset), so it runs where inference is fastest: the lower layers are exported to an fp32
ONNX graph and run by onnxruntime, a batch per core, on one shared session (its ``run`` is
thread-safe and releases the GIL). The vectors equal torch's to within 1e-5. On 4,000 real rows,
the export (about 2 s, once per run) included, onnxruntime ran 474 rows/s against torch's 423
(1.12x; medians of 5 alternating repeats in one process, ``python
benchmarks/bench_inference_passes.py --repeats 5``, ``reports/inference_passes.json``); over a
run's 46,022 rows the export's share shrinks.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from training.modeling import HeadlineModel
from training.train import pad_ids

#: Where the lower layers run: ``onnxruntime`` (training's choice) or ``torch`` (the comparison).
ENGINES = ("onnxruntime", "torch")


class LowerLayers(torch.nn.Module):
    """``HeadlineModel.lower_hidden`` as a module of its own, so that it exports to ONNX."""

    def __init__(self, model: HeadlineModel, layers: int) -> None:
        super().__init__()
        self.model = model
        self.encoder = model.encoder  # what ``training.export.export_onnx`` switches to eager attention
        self.layers = layers

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.model.lower_hidden(input_ids, attention_mask, self.layers)


def frozen_features(model: HeadlineModel, rows: list[list[int]], layers: int, pad_id: int,
                    batch_size: int = 32, progress: bool = True, workers: int | None = None,
                    engine: str = "onnxruntime") -> list[torch.Tensor]:
    """Each row's token vectors after the frozen embeddings and lowest ``layers`` layers.

    Computed in batches of similar length on every core (``training.length_batches``), in eval
    mode (no dropout: these layers are not being trained).
    """
    from tqdm.auto import tqdm

    from training.length_batches import length_batches, run_batches

    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; expected one of {ENGINES}")
    model.eval()
    features: list[torch.Tensor] = [torch.empty(0)] * len(rows)
    batches = length_batches([len(ids) for ids in rows], batch_size)
    bar = tqdm(total=len(batches), desc="frozen layers", unit="batch", disable=not progress,
               mininterval=0.5 if sys.stderr.isatty() else 15)
    with tempfile.TemporaryDirectory(prefix="frozen-layers-") as tmp:
        lower = _onnx_runner(model, layers, Path(tmp)) if engine == "onnxruntime" else _torch_runner(model, layers)
        if batches:
            _check_against_torch(lower, model, layers, *pad_ids([rows[i] for i in batches[-1]], pad_id))

        def run(batch: np.ndarray) -> None:
            input_ids, mask = pad_ids([rows[i] for i in batch], pad_id)
            hidden = lower(input_ids, mask)
            for j, i in enumerate(batch):
                features[i] = hidden[j, : len(rows[i])].clone()
            bar.update(1)

        run_batches(batches, run, workers)
    bar.close()
    return features


#: Largest difference from torch allowed in the cached vectors (measured: about 5e-6).
TOLERANCE = 1e-4


def _check_against_torch(lower: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], model: HeadlineModel,
                         layers: int, input_ids: torch.Tensor, mask: torch.Tensor) -> None:
    """Refuse an engine whose vectors differ from torch's on a batch (the longest rows, padding included).

    Every training step reads these vectors, so a wrong graph would quietly train a wrong model.
    """
    expected = model.lower_hidden(input_ids, mask, layers)
    difference = float((lower(input_ids, mask) - expected).abs().max())
    if not difference <= TOLERANCE:
        raise RuntimeError(f"the frozen layers' exported graph differs from torch by {difference:.2e} "
                           f"(tolerance {TOLERANCE:g}); train with --set cache_frozen_layers=false")


def _torch_runner(model: HeadlineModel, layers: int) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    return lambda input_ids, mask: model.lower_hidden(input_ids, mask, layers)


def _onnx_runner(model: HeadlineModel, layers: int, directory: Path) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    import onnxruntime as ort

    from training.export import export_onnx

    path = export_onnx(LowerLayers(model, layers), directory / "lower.onnx", output="hidden", per_token=True)
    options = ort.SessionOptions()
    # One thread per session run: ``run_batches`` runs a batch per core, which is faster on these
    # small matrices than every core on one batch.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    # With no layer frozen (embeddings only) the mask is unused and the exporter drops that input.
    wanted = {node.name for node in session.get_inputs()}

    def lower(input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        feeds = {"input_ids": input_ids.numpy(), "attention_mask": mask.numpy()}
        return torch.from_numpy(session.run(None, {k: v for k, v in feeds.items() if k in wanted})[0])

    return lower
