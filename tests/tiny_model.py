"""Build a tiny, randomly initialised headline model and artifact for tests.

A 2-layer BERT with a WordPiece vocabulary trained on fixture headlines: real
code paths (tokenizer, ONNX export, onnxruntime) at a few hundred kB.
"""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
_ROWS = [line.split("\t") for line in (FIXTURES / "headlines.tsv").read_text(encoding="utf-8").splitlines()[1:]]
#: Fixture headlines written for these tests, with 0/1 clickbait and bias labels.
HEADLINES = [text for _, _, text in _ROWS]
LABELS = [(float(cb), float(bias)) for cb, bias, _ in _ROWS]
MAX_LENGTH = 32


def tiny_tokenizer():
    """A BERT WordPiece tokenizer trained on the fixture headlines."""
    from tokenizers import BertWordPieceTokenizer
    from transformers import PreTrainedTokenizerFast

    trainer = BertWordPieceTokenizer(lowercase=False)
    trainer.train_from_iterator(HEADLINES, vocab_size=400, min_frequency=1)
    return PreTrainedTokenizerFast(
        tokenizer_object=trainer._tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=MAX_LENGTH,
    )


def tiny_model(vocab_size: int, seed: int = 0):
    """A 2-layer, 32-wide BERT encoder with the two heads."""
    import torch
    from transformers import BertConfig, BertModel

    from training.modeling import HeadlineModel

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    return HeadlineModel(BertModel(config))


def fit_tiny(model, tokenizer, steps: int = 80, seed: int = 0):
    """A few Adam steps on the fixture labels, so scores spread over [0, 1] and mean something."""
    import torch

    torch.manual_seed(seed)
    batch = tokenizer(HEADLINES, padding=True, truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
    targets = torch.tensor(LABELS)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(steps):
        optimizer.zero_grad()
        logits = model(batch["input_ids"], batch["attention_mask"])
        torch.nn.functional.binary_cross_entropy_with_logits(logits, targets).backward()
        optimizer.step()
    return model.eval()


def tiny_manifest(version: str = "v00000000-000000-tiny", **overrides):
    """A manifest with default thresholds and no calibration."""
    from model.artifact import HeadSpec, Manifest
    from model.labels import HEADS

    fields = dict(
        version=version,
        heads=[HeadSpec(h.name, h.default_threshold) for h in HEADS],
        base_model="tiny-bert (test)",
        max_length=MAX_LENGTH,
    )
    fields.update(overrides)
    return Manifest(**fields)


def build_tiny_artifact(directory: Path, quantize: bool = False, seed: int = 0, embedder: bool = True):
    """Export a tiny model to ``directory``; returns ``(directory, model, tokenizer)``.

    fp32 must match torch to 1e-4; int8 only within the export check's usual drift. With
    ``embedder`` the artifact also gets a sentence embedder (the tiny encoder, mean-pooled), as a
    training run's artifact does; without it, it is shaped like an artifact from before embedders.
    """
    from model.artifact import ONNX_FILE, write_artifact
    from training.export import build_artifact, export_embedder
    from training.modeling import SentenceEmbedder

    tokenizer = tiny_tokenizer()
    model = fit_tiny(tiny_model(len(tokenizer), seed=seed), tokenizer, seed=seed)
    manifest = tiny_manifest()
    build_artifact(
        model, tokenizer, manifest, directory, verify_texts=HEADLINES, formats=("int8",) if quantize else ("fp32",),
        tolerance=0.15 if quantize else 1e-4, min_label_agreement=0.98,
    )
    if embedder:
        manifest.embedder = export_embedder(SentenceEmbedder(model.encoder), tokenizer, directory,
                                            manifest.base_model, HEADLINES[:8], max_length=MAX_LENGTH)
        tokenizer_files = [p for p in directory.iterdir() if p.suffix != ".onnx" and p.name != "manifest.json"]
        write_artifact(directory, manifest, directory / ONNX_FILE, tokenizer_files)
    return directory, model, tokenizer
