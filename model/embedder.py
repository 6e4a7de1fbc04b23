"""``Embedder``: sentence embeddings from the artifact's ``embedder.onnx`` (onnxruntime, no torch).

The embedder is the base encoder (all-MiniLM-L6-v2 by default) with masked mean pooling and L2
normalisation, exported next to the classifier by the training run. The dot product of two
embeddings is their cosine similarity. It shares the classifier's tokenizer: training fine-tunes
the base encoder with the base encoder's own tokenizer.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from model.artifact import EMBEDDER_FILE, TOKENIZER_FILE, ArtifactError, Manifest, load_manifest

#: Sentences per onnxruntime call. Rows of a call are padded to the longest, so texts are sorted by
#: length first; fp32 with an attention mask gives every text the same embedding in any batch.
BATCH_SIZE = 32


class EmbedderMissing(ArtifactError):
    """The artifact predates sentence embedders: story features need a model exported with one."""


def missing_message(manifest: Manifest) -> str:
    """What to tell a user whose model has no embedder: what is missing and what to do."""
    return (
        f"model {manifest.version} has no sentence embedder ({EMBEDDER_FILE}), which story features need; "
        "add one with `headline-lens add-embedder MODEL` (a new version, no retraining) "
        "or serve a model trained by this release"
    )


class Embedder:
    """Embed sentences with an artifact's sentence embedder.

    >>> embedder = Embedder.load("artifacts/v20261201-193853")
    >>> embedder.embed(["US troops leave Niger", "American forces withdraw from Niger"]) @ ...
    """

    def __init__(self, directory: str | Path, threads: int = 1, manifest: Manifest | None = None) -> None:
        from model.scorer import _load_session

        self.directory = Path(directory)
        self.manifest = manifest or load_manifest(self.directory)
        if not self.manifest.embedder:
            raise EmbedderMissing(missing_message(self.manifest))
        self.dim = int(self.manifest.embedder.get("dim", 0)) or None
        # Padded batches run faster with intra-op threads than one row per core.
        self._session = _load_session(self.directory / EMBEDDER_FILE, threads=threads)
        self._tokenizer = _batch_tokenizer(self.directory, int(self.manifest.embedder["max_length"]))

    @classmethod
    def load(cls, path_or_tag: str | Path | None = None, threads: int = 1) -> Embedder:
        """Load the embedder of an artifact directory, a store tag, or the newest stored model."""
        from model.store import resolve

        return cls(resolve(path_or_tag), threads=threads)

    @property
    def version(self) -> str:
        """The artifact version: embeddings of one version are comparable with each other."""
        return self.manifest.version

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings, shape ``(len(texts), dim)``, in input order."""
        if not texts:
            return np.zeros((0, self.dim or 0), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: np.ndarray | None = None
        for start in range(0, len(order), BATCH_SIZE):
            chunk = order[start : start + BATCH_SIZE]
            encodings = self._tokenizer.encode_batch([texts[i] for i in chunk])
            ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
            mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
            vectors = self._session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})[0]
            if out is None:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[chunk] = vectors
        return out


def _batch_tokenizer(directory: Path, max_length: int) -> Any:
    """The artifact's tokenizer, truncating at ``max_length`` and padding each batch to its longest row."""
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
    except Exception as exc:
        raise ArtifactError(f"{directory / TOKENIZER_FILE} is not a valid tokenizer: {exc}") from exc
    pad_id = tokenizer.token_to_id("[PAD]") or 0
    tokenizer.enable_truncation(max_length=max_length)
    tokenizer.enable_padding(pad_id=pad_id, pad_token="[PAD]")
    return tokenizer
