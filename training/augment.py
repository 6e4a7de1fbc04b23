"""Composite headlines: a plain news headline joined to a clickbait tease is still clickbait.

Pages often put a tease after a plain headline ("Breaking: US Troops Withdraw from
Niger – What Happens Next Will Shock You!"). Trained only on short teasers, the model
reads the plain half and scores the whole headline low. These rows join a plain
training headline to a tease (target: the tease's score) and to another plain
headline (target: the higher of the two), so length and joining punctuation teach
nothing by themselves. They are built from training rows only, so no held-out text
leaks into training. They carry no bias label; ``auxiliary_targets`` can give the
tease composites a weak one (key ``composite:clickbait``), as the default preset does
(see its comment). A ``count`` above the number of teases joins each tease once.

Framed composites (``framed_rows``) join a short bias-labelled sentence to a tease and
keep both labels: the sentence's bias and the tease's clickbait score. A tease adds
clickbait style, not political framing, so the bias head should read the joined form
as it reads the sentence, loaded or not. With ``label_clickbait=False`` they carry the bias
label only, so they teach the bias head without pulling the clickbait score of a joined tease.
With ``partner="plain"`` the sentence is joined to a plain headline instead (keeping that
headline's clickbait score), so the framed rows hold no tease.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.text import normalize
from training.train_config import FRAMED_PARTNERS, TrainConfig

SOURCE = "composite"
JOINERS = (" – ", ": ", " - ", ". ", " | ")


def composite_rows(
    train: pd.DataFrame, count: int, seed: int, weight: float, tease_min: float = 0.7, plain_max: float = 0.2
) -> pd.DataFrame:
    """``count`` tease composites plus ``count`` plain composites, in ``train``'s columns."""
    labelled = train[train["clickbait"].notna()]
    teases = labelled[labelled["clickbait"] >= tease_min]
    plains = labelled[labelled["clickbait"] <= plain_max]
    count = min(count, len(teases), len(plains) // 2)
    if count <= 0:
        return train.iloc[0:0]
    rng = np.random.default_rng(seed)
    tease = teases.sample(count, random_state=seed)
    first = plains.sample(2 * count, random_state=seed + 1)
    lead, second = first.iloc[:count], first.iloc[count:]
    joiners = rng.choice(JOINERS, size=2 * count)
    texts = [normalize(a + j + b) for a, j, b in zip(lead["text"], joiners[:count], tease["text"])]
    texts += [normalize(a + j + b) for a, j, b in zip(lead["text"], joiners[count:], second["text"])]
    targets = list(tease["clickbait"]) + list(np.maximum(lead["clickbait"].to_numpy(), second["clickbait"].to_numpy()))
    return _rows(train, texts, np.asarray(targets, dtype=float), np.full(len(texts), np.nan), weight, "")


def framed_rows(
    train: pd.DataFrame, count: int, seed: int, weight: float, tease_min: float = 0.7,
    max_words: int = TrainConfig.composite_framed_max_words, label_clickbait: bool = True,
    partner: str = TrainConfig.composite_framed_partner, plain_max: float = 0.2,
) -> pd.DataFrame:
    """``count`` bias-labelled sentences of at most ``max_words`` words, each joined to a tease
    (``partner="tease"``) or to a plain headline (``partner="plain"``).

    Only rows that carry a bias label and no clickbait label (the sentence sources) are used,
    so each piece's label is a human one. ``label_clickbait=False`` leaves the rows without a
    clickbait label (the same texts and bias labels).
    """
    labelled = train[train["clickbait"].notna()]
    if partner == "tease":
        partners = labelled[labelled["clickbait"] >= tease_min]
    elif partner == "plain":
        partners = labelled[labelled["clickbait"] <= plain_max]
    else:
        raise ValueError(f"unknown framed partner {partner!r} (one of {FRAMED_PARTNERS})")
    sentences = train[train["bias"].notna() & train["clickbait"].isna()]
    sentences = sentences[sentences["text"].str.split().str.len() <= max_words]
    count = min(count, len(partners), len(sentences))
    if count <= 0:
        return train.iloc[0:0]
    rng = np.random.default_rng(seed + 2)
    # Partners repeat across the kinds of composite; sentences are drawn without repeats.
    second = partners.sample(count, random_state=seed + 2)
    lead = sentences.sample(count, random_state=seed + 3)
    joiners = rng.choice(JOINERS, size=count)
    # A sentence's closing full stop would sit before the joiner, where no headline has one.
    texts = [normalize(a.rstrip(" .") + j + b) for a, j, b in zip(lead["text"], joiners, second["text"])]
    clickbait = second["clickbait"].to_numpy(dtype=float) if label_clickbait else np.full(count, np.nan)
    return _rows(train, texts, clickbait, lead["bias"].to_numpy(dtype=float), weight, "framed:")


def _rows(train: pd.DataFrame, texts: list[str], clickbait: np.ndarray, bias: np.ndarray, weight: float,
          group_prefix: str) -> pd.DataFrame:
    """Training rows of source ``composite`` in ``train``'s columns."""
    rows = pd.DataFrame({column: [None] * len(texts) for column in train.columns})
    rows["text"] = texts
    rows["source"] = SOURCE
    rows["clickbait"] = clickbait
    rows["bias"] = bias
    rows["weight"] = weight
    rows["group"] = [f"{SOURCE}:{group_prefix}{i}" for i in range(len(texts))]
    rows["split"] = "train"
    for flag, value in (("use", True), ("eval_only", False), ("merged", 1)):
        if flag in rows:
            rows[flag] = value
    return rows


def with_composites(
    train: pd.DataFrame, count: int, seed: int, weight: float, framed: int = 0,
    framed_max_words: int = TrainConfig.composite_framed_max_words,
    framed_clickbait: bool = TrainConfig.composite_framed_clickbait,
    framed_partner: str = TrainConfig.composite_framed_partner,
) -> pd.DataFrame:
    """``train`` plus its composite rows and ``framed`` framed composites (unchanged when both are 0)."""
    parts = [train]
    if count > 0:
        parts.append(composite_rows(train, count, seed, weight))
    if framed > 0:
        parts.append(framed_rows(train, framed, seed, weight, max_words=framed_max_words,
                                 label_clickbait=framed_clickbait, partner=framed_partner))
    return train if len(parts) == 1 else pd.concat(parts, ignore_index=True)


def with_configured_composites(train: pd.DataFrame, config: TrainConfig) -> pd.DataFrame:
    """``train`` plus the composites and framed composites ``config`` asks for."""
    return with_composites(
        train, config.composite_rows, config.seed, config.composite_weight,
        framed=config.composite_framed_rows, framed_max_words=config.composite_framed_max_words,
        framed_clickbait=config.composite_framed_clickbait, framed_partner=config.composite_framed_partner,
    )
