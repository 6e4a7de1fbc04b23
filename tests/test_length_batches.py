"""Inference passes in batches of similar length, spread over threads."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from tiny_model import HEADLINES

from training.export import torch_logits
from training.length_batches import length_batches, run_batches


def test_batches_cover_every_row_once_shortest_first():
    lengths = [5, 1, 4, 1, 3, 9, 2]
    batches = length_batches(lengths, batch_size=3)
    assert [len(b) for b in batches] == [3, 3, 1]
    assert sorted(np.concatenate(batches).tolist()) == list(range(len(lengths)))
    assert [lengths[i] for i in np.concatenate(batches)] == sorted(lengths)


def test_threads_give_the_same_results_and_leave_torch_on_every_thread(tiny_built):
    _, model, tokenizer = tiny_built
    torch.set_num_threads(2)
    texts = HEADLINES * 5
    alone = torch_logits(model, tokenizer, texts, 32, batch_size=4, workers=1)
    spread = torch_logits(model, tokenizer, texts, 32, batch_size=4, workers=2)
    np.testing.assert_allclose(spread, alone, atol=1e-5)
    assert torch.get_num_threads() == 2
    # In input order: a text's logits do not depend on where it sits.
    np.testing.assert_allclose(torch_logits(model, tokenizer, texts[::-1], 32, workers=2), alone[::-1], atol=1e-5)


def test_a_failing_batch_raises_and_still_restores_the_thread_count():
    torch.set_num_threads(2)

    def run(batch):
        if 3 in batch:
            raise RuntimeError("bad batch")

    with pytest.raises(RuntimeError, match="bad batch"):
        run_batches(length_batches(range(8), 2), run, workers=2)
    assert torch.get_num_threads() == 2
