"""Fine-tune the shared encoder and both heads with a masked, weighted multi-task loss.

A plain torch loop: length-grouped batches with dynamic padding (headlines are
short, anno-lexical sentences long: grouping keeps padding small), frozen word
embeddings, frozen lower layers whose output is computed once and cached, AdamW
with linear warm-up, fp32 (bf16 autocast was slower on CPU).
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


def targets_and_weights(
    rows: pd.DataFrame,
    auxiliary: dict[str, dict[str, float]],
    auxiliary_weight: float,
    key_weights: dict[str, float] | None = None,
):
    """``(targets, weights)`` arrays of shape ``(n, heads)``; weight 0 masks a missing label.

    ``auxiliary`` fills a missing head of a whole source with a weak target, e.g.
    ``{"anno_lexical": {"clickbait": 0.0}}``: news sentences full of loaded words are
    still not clickbait, which teaches the two heads apart. A key ``source:head`` fills
    only the rows of ``source`` positive for ``head``: ``{"stop_clickbait:clickbait":
    {"bias": 0.0}}`` says listicle teasers carry no loaded framing, without telling the
    model that plain news headlines never do. Filled labels get the absolute weight
    ``auxiliary_weight``, whatever the source's own weight, or ``key_weights[key]`` where
    that names one.
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
                weights[fill, j] = (key_weights or {}).get(key, auxiliary_weight)
    return targets, weights


def masked_loss(
    logits: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor, head_scale: torch.Tensor | None = None
) -> torch.Tensor:
    """Sum over heads of each head's weighted BCE (soft targets allowed), averaged per head.

    Without ``head_scale``, each head's loss is the weighted mean over the rows that carry a
    weight for it. With ``head_scale`` (a head's mean weight per training row), it is the
    weighted sum divided by ``len(batch) * head_scale``: the same on average, but a weight then
    counts the same in every batch, whoever its batchmates are.
    """
    per_item = F.binary_cross_entropy_with_logits(logits, targets, reduction="none") * weights
    if head_scale is None:
        per_head = per_item.sum(dim=0) / weights.sum(dim=0).clamp(min=1e-8)
    else:
        per_head = per_item.sum(dim=0) / (len(logits) * head_scale).clamp(min=1e-8)
    return per_head.sum()


class _Rows(torch.utils.data.Dataset):
    """Training rows: token ids (or cached frozen-layer vectors), targets and loss weights."""

    def __init__(self, inputs: list, targets: np.ndarray, weights: np.ndarray) -> None:
        self.inputs = inputs
        self.targets = torch.from_numpy(targets)
        self.weights = torch.from_numpy(weights)

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, index: int):
        return self.inputs[index], self.targets[index], self.weights[index]


def pad_ids(rows: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(input_ids, attention_mask)`` of token-id lists padded to the longest."""
    width = max(len(ids) for ids in rows)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for row, ids in enumerate(rows):
        input_ids[row, : len(ids)] = torch.tensor(ids)
        mask[row, : len(ids)] = 1
    return input_ids, mask


def pad_vectors(rows: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """``(hidden, attention_mask)`` of per-row ``(tokens, dim)`` tensors zero-padded to the longest."""
    hidden = torch.nn.utils.rnn.pad_sequence(rows, batch_first=True)
    mask = torch.zeros(hidden.shape[:2], dtype=torch.long)
    for row, vectors in enumerate(rows):
        mask[row, : len(vectors)] = 1
    return hidden, mask


def _collate(pad):
    def collate(items):
        inputs, mask = pad([x for x, _, _ in items])
        return inputs, mask, torch.stack([t for _, t, _ in items]), torch.stack([w for _, _, w in items])

    return collate


def _trainable_modules(model: HeadlineModel, frozen: int) -> torch.nn.ModuleList:
    """The modules training changes: the encoder layers above ``frozen`` and the heads (and the
    embeddings when no layer is frozen). Averaging only these skips the frozen half of the weights."""
    lower = [] if frozen > 0 else [model.encoder.embeddings]
    return torch.nn.ModuleList([*lower, *model.encoder.encoder.layer[frozen:], model.heads])


def _weight_average(trained: torch.nn.Module, decay: float):
    """An exponential moving average of ``trained`` (``torch.optim.swa_utils``), or None at decay 0."""
    if decay <= 0:
        return None
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

    return AveragedModel(trained, multi_avg_fn=get_ema_multi_avg_fn(decay))


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

    from training.frozen_layers import frozen_features

    started = time.monotonic()  # the frozen-layer cache counts: it is part of what a run costs
    set_seed(config.seed)
    torch.set_num_threads(config.threads or available_cores())
    if config.freeze_word_embeddings:
        model.freeze_word_embeddings()
    model.freeze_lower_layers(config.freeze_layers)
    targets, weights = targets_and_weights(
        rows, auxiliary or config.auxiliary_targets, config.auxiliary_weight, config.auxiliary_weights
    )
    # A head's mean weight per row: ``dataset`` normalisation divides each batch's sum by it.
    head_scale = torch.from_numpy(weights.mean(axis=0)) if config.loss_normalization == "dataset" else None
    token_ids = tokenizer(rows["text"].tolist(), truncation=True, max_length=config.max_length)["input_ids"]
    pad_id = tokenizer.pad_token_id or 0
    # Freezing every layer (or more) leaves only the heads to train.
    frozen = min(config.freeze_layers, len(model.encoder.encoder.layer))
    cached = config.cache_frozen_layers and frozen > 0
    if cached:
        inputs, pad = frozen_features(model, token_ids, frozen, pad_id, progress=progress), pad_vectors
    else:
        inputs, pad = token_ids, (lambda batch: pad_ids(batch, pad_id))
    dataset = _Rows(inputs, targets, weights)
    generator = torch.Generator().manual_seed(config.seed)
    sampler = LengthGroupedSampler(config.batch_size, lengths=[len(ids) for ids in token_ids], generator=generator)
    loader = torch.utils.data.DataLoader(dataset, batch_size=config.batch_size, sampler=sampler, collate_fn=_collate(pad))
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
    trained = _trainable_modules(model, frozen)
    averaged = _weight_average(trained, config.ema_decay)
    model.train()
    step, running = 0, float("nan")
    # In a log file (no terminal) a bar line every few seconds is plenty.
    bar = tqdm(total=total_steps, desc="training", unit="step", disable=not progress,
               mininterval=0.5 if sys.stderr.isatty() else 15)
    while step < total_steps:
        for batch_inputs, mask, batch_targets, batch_weights in loader:
            logits = model.upper_logits(batch_inputs, mask, frozen) if cached else model(batch_inputs, mask)
            loss = masked_loss(logits, batch_targets, batch_weights, head_scale)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            scheduler.step()
            if averaged is not None:
                averaged.update_parameters(trained)
            step += 1
            running = loss.item() if math.isnan(running) else 0.98 * running + 0.02 * loss.item()
            bar.update(1)
            bar.set_postfix(loss=f"{running:.4f}", epoch=f"{step / steps_per_epoch:.2f}", refresh=False)
            if step >= total_steps:
                break
    bar.close()
    if averaged is not None:
        trained.load_state_dict(averaged.module.state_dict())
    model.eval()
    return FitResult(
        seconds=round(time.monotonic() - started, 1),
        steps=step,
        epochs=config.epochs,
        rows=len(rows),
        final_loss=round(running, 5),
    )
