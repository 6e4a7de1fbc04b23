"""Put the sentence embedder (``embedder.onnx``) into an artifact: in every training run, or later.

A training run exports the manifest's base encoder as a mean-pooled, L2-normalised sentence
embedder next to the classifier. ``add_embedder`` gives an artifact written before that existed
one without retraining: a copy under a new version id, because a version names one set of bytes.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from model.artifact import MANIFEST_FILE, ONNX_FILE, Manifest, load_manifest, new_version, write_artifact

log = logging.getLogger(__name__)

#: Sentences the exported embedder is checked on against torch (varied lengths, padding included).
VERIFY_SENTENCES = [
    "U.S. to end military presence in Niger",
    "What Happens Next Will Shock You!",
    "The Pentagon said on Friday that about 1,000 American troops would leave the country by September, "
    "after the ruling junta ended a security agreement with Washington.",
    "Officials declined to comment.",
]


def embed_into(directory: Path, manifest: Manifest) -> Manifest:
    """Export ``manifest.base_model`` as ``directory/embedder.onnx`` and record it in ``manifest``.

    The caller rewrites the manifest (``write_artifact`` hashes the file).
    """
    from transformers import AutoTokenizer

    from training.export import EMBEDDER_MAX_LENGTH, export_embedder
    from training.modeling import SentenceEmbedder, resolve_base_model

    tokenizer = AutoTokenizer.from_pretrained(resolve_base_model(manifest.base_model))
    embedder = SentenceEmbedder.from_base(manifest.base_model)
    # A small encoder may know fewer positions than the default sentence length.
    max_length = min(EMBEDDER_MAX_LENGTH, getattr(embedder.encoder.config, "max_position_embeddings", EMBEDDER_MAX_LENGTH))
    manifest.embedder = export_embedder(embedder, tokenizer, directory, manifest.base_model, VERIFY_SENTENCES,
                                        max_length=max_length)
    log.info("sentence embedder exported in %.1f s", manifest.embedder["seconds"])
    return manifest


def add_embedder(source: str | Path, output_dir: str | Path) -> Path:
    """Copy the artifact ``source`` under a new version in ``output_dir``, with a sentence embedder.

    Returns the new artifact directory. The classifier is copied byte for byte, so scores do not change.
    """
    source = Path(source)
    manifest = load_manifest(source)
    previous = manifest.version
    manifest.version = new_version()
    manifest.training = {**manifest.training, "embedder_added_to": previous}
    directory = Path(output_dir) / manifest.version
    directory.mkdir(parents=True)
    tokenizer_files = [p for p in source.iterdir() if p.is_file() and p.name not in (ONNX_FILE, MANIFEST_FILE)
                       and p.suffix != ".onnx"]
    shutil.copyfile(source / ONNX_FILE, directory / ONNX_FILE)
    embed_into(directory, manifest)
    return write_artifact(directory, manifest, directory / ONNX_FILE, tokenizer_files)
