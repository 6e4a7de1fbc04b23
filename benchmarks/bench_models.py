"""What the speed benchmarks score: a model, its torch weights, and headline-like texts.

``--model`` picks the artifact (default: ``$HEADLINE_LENS_MODEL``, else the newest stored
model). ``--untrained`` builds an untrained all-MiniLM-L6-v2 artifact instead: the same
size and speed as a trained one, for measuring before a trained model exists.
"""

from __future__ import annotations

import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
UNTRAINED_DIR = OUT / "untrained-minilm"
#: Where a training run keeps its HF-format weights, next to the artifact files.
CHECKPOINT_DIR = "checkpoint"

_SUBJECTS = ["Council", "Scientists", "The senator", "Local bakery", "Rail operator", "Central bank", "This dog",
             "Parliament", "The mayor", "A teenager", "Health officials", "You"]
_VERBS = ["approves", "rejects", "reveals", "warns about", "cuts", "doubles", "slams", "investigates", "celebrates",
          "delays", "unveils", "won't believe"]
_OBJECTS = ["the new budget", "a shocking secret", "rail timetables", "interest rates", "a housing plan",
            "school meals", "the one trick doctors hate", "climate targets", "ferry fares", "a radical agenda"]
_ENDINGS = ["", "", " - and you won't believe why", ": what happens next", " after heated debate", " amid protests",
            " in 17 photos", " for 2027"]


def headline_texts(count: int, seed: int = 0) -> list[str]:
    """``count`` distinct headline-like texts (5-20 words), reproducible from ``seed``."""
    rng = random.Random(seed)
    return [
        f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}{rng.choice(_ENDINGS)} #{index}"
        for index in range(count)
    ]


def untrained_minilm(directory: Path = UNTRAINED_DIR) -> Path:
    """Build (once) an int8 artifact of all-MiniLM-L6-v2 with fresh heads, plus its torch checkpoint."""
    if (directory / CHECKPOINT_DIR / "config.json").is_file():  # written last: the build completed
        return directory
    from transformers import AutoTokenizer

    from model.artifact import HeadSpec, Manifest
    from model.labels import HEADS
    from training.export import build_artifact
    from training.modeling import DEFAULT_BASE_MODEL, HeadlineModel, resolve_base_model

    tokenizer = AutoTokenizer.from_pretrained(resolve_base_model(DEFAULT_BASE_MODEL))
    model = HeadlineModel.from_base(DEFAULT_BASE_MODEL).eval()
    manifest = Manifest(
        version="v00000000-000000-untrained",
        heads=[HeadSpec(head.name, head.default_threshold) for head in HEADS],
        base_model=f"{DEFAULT_BASE_MODEL} (untrained heads, benchmark only)",
        max_length=48,
    )
    # Untrained heads sit near 0.5, where int8 noise flips labels: check probabilities only.
    build_artifact(
        model, tokenizer, manifest, directory, verify_texts=headline_texts(64), formats=("int8",), tolerance=1.0,
        min_label_agreement=0.0
    )
    model.save(directory / CHECKPOINT_DIR)
    tokenizer.save_pretrained(directory / CHECKPOINT_DIR)
    return directory


def model_dir(model: str | None, untrained: bool) -> Path:
    """The artifact directory to benchmark."""
    if untrained:
        return untrained_minilm()
    from model.store import resolve

    return resolve(model)
