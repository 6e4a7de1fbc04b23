"""Fine-tune the shared encoder and both heads with a masked, weighted multi-task loss.

A plain torch loop: length-grouped batches with dynamic padding (headlines are
short, anno-lexical sentences long: grouping keeps padding small), frozen word
embeddings, AdamW with linear warm-up, fp32 (bf16 autocast was slower on CPU).
"""

from __future__ import annotations

import math
import random
import sys
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch.nn import functional as F

from model.labels import HEAD_NAMES
from model.scorer import available_cores
from training.modeling import HeadlineModel
from training.train_config import TrainConfig


@dataclass
class FitResult:
    """What the training loop did."""

    seconds: float
    steps: int
    epochs: float
    rows: int
    final_loss: float


def set_seed(seed: int) -> None:
    """Seed python, numpy and torch so a run is reproducible on the same machine."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def targets_and_weights(rows: pd.DataFrame, auxiliary: dict[str, dict[str, float]], auxiliary_weight: float):
    """``(targets, weights)`` arrays of shape ``(n, heads)``; weight 0 masks a missing label.

    ``auxiliary`` fills a missing head of a whole source with a weak target, e.g.
    ``{"anno_lexical": {"clickbait": 0.0}}``: news sentences full of loaded words are
    still not clickbait, which teaches the two heads apart. A key ``source:head`` fills
    only the rows of ``source`` positive for ``head``: ``{"stop_clickbait:clickbait":
    {"bias": 0.0}}`` says listicle teasers carry no loaded framing, without telling the
    model that plain news headlines never do. Filled labels get the absolute weight
    ``auxiliary_weight``, whatever the source's own weight.
    """
    targets = np.zeros((len(rows), len(HEAD_NAMES)), dtype=np.float32)
    weights = np.zeros_like(targets)
    row_weight = rows["weight"].to_numpy(dtype=np.float32)
    for j, head in enumerate(HEAD_NAMES):
        values = rows[head].to_numpy(dtype=np.float64)
        known = ~np.isnan(values)
        targets[known, j] = values[known]
        weights[known, j] = row_weight[known]
        for key, fills in auxiliary.items():
            if head in fills:
                source, _, positive_for = key.partition(":")
                fill = (~known) & (rows["source"].to_numpy() == source)
                if positive_for:
                    fill &= rows[positive_for].to_numpy(dtype=np.float64) >= 0.5
                targets[fill, j] = fills[head]
                weights[fill, j] = auxiliary_weight
    return targets, weights


def masked_loss(logits: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Sum over heads of each head's weighted mean BCE (soft targets allowed) over its labelled rows."""
    per_item = F.binary_cross_entropy_with_logits(logits, targets, reduction="none") * weights
    per_head = per_item.sum(dim=0) / weights.sum(dim=0).clamp(min=1e-8)
    return per_head.sum()


class _Encoded(torch.utils.data.Dataset):
    def __init__(self, encodings, targets: np.ndarray, weights: np.ndarray) -> None:
        self.ids = encodings["input_ids"]
        self.targets = torch.from_numpy(targets)
        self.weights = torch.from_numpy(weights)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int):
        return self.ids[index], self.targets[index], self.weights[index]


def _collate(pad_id: int):
    def collate(items):
        width = max(len(ids) for ids, _, _ in items)
        input_ids = torch.full((len(items), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(items), width), dtype=torch.long)
        for row, (ids, _, _) in enumerate(items):
            input_ids[row, : len(ids)] = torch.tensor(ids)
            mask[row, : len(ids)] = 1
        return input_ids, mask, torch.stack([t for _, t, _ in items]), torch.stack([w for _, _, w in items])

    return collate


def fit(
    model: HeadlineModel,
    tokenizer,
    rows: pd.DataFrame,
    config: TrainConfig,
    auxiliary: dict[str, dict[str, float]] | None = None,
    progress: bool = True,
) -> FitResult:
    """Train ``model`` in place on ``rows`` (columns text, source, heads, weight)."""
    from tqdm.auto import tqdm
    from transformers import get_linear_schedule_with_warmup
    from transformers.trainer_pt_utils import LengthGroupedSampler

    set_seed(config.seed)
    torch.set_num_threads(config.threads or available_cores())
    if config.freeze_word_embeddings:
        model.freeze_word_embeddings()
    model.freeze_lower_layers(config.freeze_layers)
    targets, weights = targets_and_weights(rows, auxiliary or config.auxiliary_targets, config.auxiliary_weight)
    encodings = tokenizer(rows["text"].tolist(), truncation=True, max_length=config.max_length)
    dataset = _Encoded(encodings, targets, weights)
    generator = torch.Generator().manual_seed(config.seed)
    sampler = LengthGroupedSampler(
        config.batch_size, lengths=[len(ids) for ids in dataset.ids], generator=generator
    )
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=config.batch_size, sampler=sampler, collate_fn=_collate(tokenizer.pad_token_id or 0)
    )
    steps_per_epoch = len(loader)
    total_steps = max(1, math.ceil(steps_per_epoch * config.epochs))
    trainable = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in trainable if p.ndim >= 2]
    no_decay = [p for p in trainable if p.ndim < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=config.learning_rate,
    )
    scheduler = get_linear_schedule_with_warmup(optimizer, int(total_steps * config.warmup_ratio), total_steps)
    model.train()
    started, step, running = time.monotonic(), 0, float("nan")
    # In a log file (no terminal) a bar line every few seconds is plenty.
    bar = tqdm(total=total_steps, desc="training", unit="step", disable=not progress,
               mininterval=0.5 if sys.stderr.isatty() else 15)
    while step < total_steps:
        for input_ids, mask, batch_targets, batch_weights in loader:
            loss = masked_loss(model(input_ids, mask), batch_targets, batch_weights)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            running = loss.item() if math.isnan(running) else 0.98 * running + 0.02 * loss.item()
            bar.update(1)
            bar.set_postfix(loss=f"{running:.4f}", epoch=f"{step / steps_per_epoch:.2f}", refresh=False)
            if step >= total_steps:
                break
    bar.close()
    model.eval()
    return FitResult(
        seconds=round(time.monotonic() - started, 1),
        steps=step,
        epochs=config.epochs,
        rows=len(rows),
        final_loss=round(running, 5),
    )
