"""headline-lens inference core: labels, text normalisation, artifacts and the scorer.

Nothing here imports torch, so serving needs only onnxruntime and tokenizers.
"""

from model.artifact import ArtifactError, Manifest
from model.labels import HEAD_NAMES, HEADS, SCHEMA_VERSION
from model.result import Score, Span
from model.scorer import Scorer
from model.text import PREPROCESSING_VERSION, TextError, normalize

__all__ = [
    "ArtifactError",
    "HEADS",
    "HEAD_NAMES",
    "Manifest",
    "PREPROCESSING_VERSION",
    "SCHEMA_VERSION",
    "Score",
    "Scorer",
    "Span",
    "TextError",
    "normalize",
]
