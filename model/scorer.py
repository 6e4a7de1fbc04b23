"""``Scorer``: the library API that turns headlines into calibrated scores.

It runs the artifact's ONNX graph with onnxruntime and never imports torch, so a
serving install stays small.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from model import calibration
from model.artifact import ONNX_FILE, TOKENIZER_FILE, ArtifactError, Manifest, load_manifest
from model.explain import explain as explain_scores
from model.labels import HEAD_NAMES
from model.result import Score
from model.text import clean


def available_cores() -> int:
    """Cores this process may run on (respects CPU affinity and containers' cpusets)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _load_session(onnx_path: Path, threads: int) -> Any:
    """An onnxruntime CPU session for the artifact's graph."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Every text length is a new input shape, so memory patterns (planned per shape) would
    # pile up without ever being reused. The arena stays on: it settles at the longest
    # rows' working set, where plain malloc fragments and creeps under load.
    options.enable_mem_pattern = False
    # A file the manifest cannot vouch for (no recorded hash) may still be broken:
    # report which file, not a bare protobuf parser error.
    try:
        return ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise ArtifactError(f"{onnx_path} is not a loadable ONNX model: {exc}") from exc


def _load_tokenizer(directory: Path, max_length: int) -> Any:
    """The artifact's fast tokenizer, truncating at ``max_length`` and not padding."""
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
    except Exception as exc:
        raise ArtifactError(f"{directory / TOKENIZER_FILE} is not a valid tokenizer: {exc}") from exc
    # ``Scorer`` never pads (each text is its own row); truncation is fixed by the manifest.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length)
    return tokenizer


def check_artifact(directory: str | Path) -> Manifest:
    """Check that ``Scorer`` can load ``directory``, without keeping a model in memory.

    Raises ``ArtifactError`` naming the problem. The manifest is validated and the ONNX
    file checked against its recorded sha256 (the graph was verified against torch when
    that hash was written); only a graph without a recorded hash is opened in onnxruntime.
    """
    directory = Path(directory)
    manifest = load_manifest(directory)
    _load_tokenizer(directory, manifest.max_length)
    if not manifest.onnx_sha256:
        _load_session(directory / ONNX_FILE, threads=1)
    return manifest


class Scorer:
    """Score headlines with a trained artifact.

    >>> scorer = Scorer.load()                       # newest model in the store
    >>> scorer.score(["What Happens Next Will Shock You!"])[0].clickbait

    Scores do not depend on the batch: a headline gets the same score alone or among
    others. Thread-safe: concurrent calls share one pool of ``threads`` model runs.
    """

    def __init__(self, directory: str | Path, threads: int | None = None) -> None:
        self.directory = Path(directory)
        self.manifest: Manifest = load_manifest(self.directory)
        self.threads = threads or available_cores()
        # Every text runs through the graph as its own row, never padded into a batch: int8
        # dynamic quantisation scales activations per tensor, so in a batch a headline's score
        # would depend on its batchmates (measured on the default model: up to 0.15, and 3% of
        # labels flipped). Rows are short, so one core per run and rows in parallel is also
        # the fastest way to use the cores.
        self._session = _load_session(self.directory / ONNX_FILE, threads=1)
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="scorer") if self.threads > 1 else None
        tokenizer = _load_tokenizer(self.directory, self.manifest.max_length)
        self._tokenizer = tokenizer
        self._unk_id = tokenizer.token_to_id("[UNK]") or 0
        self._calibrations = [self.manifest.head(name).calibration for name in HEAD_NAMES]
        self._thresholds = [self.manifest.head(name).threshold for name in HEAD_NAMES]

    @classmethod
    def load(cls, path_or_tag: str | Path | None = None, threads: int | None = None) -> Scorer:
        """Load an artifact directory, a model-store tag, or by default the newest stored model.

        ``HEADLINE_LENS_MODEL`` overrides the default when no argument is given.
        """
        from model.store import resolve

        return cls(resolve(path_or_tag), threads=threads)

    @property
    def version(self) -> str:
        """The artifact's version id, reported with every score."""
        return self.manifest.version

    def _logits(self, texts: Sequence[str]) -> np.ndarray:
        """Raw logits, shape ``(len(texts), heads)``, for already-normalised texts."""
        out = np.zeros((len(texts), len(HEAD_NAMES)), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=True)
        # A tokenizer without special tokens can leave no token at all (e.g. a text of marks it
        # strips); the graph cannot run on a zero-length row, so such a text reads as one [UNK].
        rows = [np.asarray([encoding.ids or [self._unk_id]], dtype=np.int64) for encoding in encodings]
        if self._pool is None or len(rows) == 1:
            self._run_rows(rows, range(len(rows)), out)
        else:
            # Interleaved shares, so each thread gets a similar mix of long and short texts.
            shares = [range(k, len(rows), self.threads) for k in range(self.threads)]
            for done in [self._pool.submit(self._run_rows, rows, share, out) for share in shares]:
                done.result()
        return out

    def _run_rows(self, rows: list[np.ndarray], indices: range, out: np.ndarray) -> None:
        """Run the graph on each row of ``indices`` alone, writing its logits into ``out``."""
        for index in indices:
            ids = rows[index]
            # The exported graph takes exactly these two inputs (training.export.export_onnx).
            feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
            out[index] = self._session.run(["logits"], feeds)[0][0]

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, shape ``(len(texts), heads)``, for normalised texts."""
        logits = self._logits(texts)
        return np.stack(
            [calibration.apply(logits[:, j], spec) for j, spec in enumerate(self._calibrations)], axis=1
        ) if len(texts) else np.zeros((0, len(HEAD_NAMES)))

    def predict(self, texts: str | Sequence[str]) -> dict[str, list[float]]:
        """Detoxify-style shortcut: ``{"clickbait": [...], "bias": [...]}`` in input order.

        A single string is one headline (not a sequence of characters).
        """
        probs = self.probabilities(self._cleaned(texts))
        return {name: probs[:, j].round(6).tolist() for j, name in enumerate(HEAD_NAMES)}

    def score(self, texts: str | Sequence[str], explain: bool = False) -> list[Score]:
        """Score headlines; results come back in input order. A single string is one headline.

        Each distinct text runs once. ``explain`` adds ``spans`` (the words driving each flagged
        head). Raises ``model.text.TextError`` (a ``ValueError``) naming the index of a text
        that is empty or too long after normalisation.
        """
        normalized = self._cleaned(texts)
        unique = self.score_normalized(list(dict.fromkeys(normalized)))
        if explain:
            unique = self.explain(unique)
        by_text = {score.text: score for score in unique}
        return [by_text[text] for text in normalized]

    def score_normalized(self, normalized: Sequence[str]) -> list[Score]:
        """Score texts that ``model.text.clean`` already checked (no second pass, no deduplication)."""
        probs = self.probabilities(normalized)
        return [self._to_score(text, row) for text, row in zip(normalized, probs)]

    def explain(self, scores: Sequence[Score]) -> list[Score]:
        """``scores`` with spans, from one batched model call over every occlusion variant."""
        return explain_scores(scores, self.probabilities)

    def _to_score(self, text: str, row: np.ndarray) -> Score:
        values = {name: round(float(row[j]), 6) for j, name in enumerate(HEAD_NAMES)}
        labels = {name: values[name] >= self._thresholds[j] for j, name in enumerate(HEAD_NAMES)}
        return Score(text=text, labels=labels, model_version=self.version, **values)

    @staticmethod
    def _cleaned(texts: str | Sequence[str]) -> list[str]:
        texts = [texts] if isinstance(texts, str) else texts
        return [clean(text, index) for index, text in enumerate(texts)]
