"""Composite headlines: a plain news headline joined to a clickbait tease is still clickbait.

Pages often put a tease after a plain headline ("Breaking: US Troops Withdraw from
Niger – What Happens Next Will Shock You!"). Trained only on short teasers, the model
reads the plain half and scores the whole headline low. These rows join a plain
training headline to a tease (target: the tease's score) and to another plain
headline (target: the higher of the two), so length and joining punctuation teach
nothing by themselves. They are built from training rows only, so no held-out text
leaks into training. They carry no bias label; ``auxiliary_targets`` can give the
tease composites one (key ``composite:clickbait``), which the default preset measured
and did not take (see its comment).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.text import normalize

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
    rows = pd.DataFrame({column: [None] * len(texts) for column in train.columns})
    rows["text"] = texts
    rows["source"] = SOURCE
    rows["clickbait"] = np.asarray(targets, dtype=float)
    rows["bias"] = np.nan
    rows["weight"] = weight
    rows["group"] = [f"{SOURCE}:{i}" for i in range(len(texts))]
    rows["split"] = "train"
    for flag, value in (("use", True), ("eval_only", False), ("merged", 1)):
        if flag in rows:
            rows[flag] = value
    return rows


def with_composites(train: pd.DataFrame, count: int, seed: int, weight: float) -> pd.DataFrame:
    """``train`` plus its composite rows (unchanged when ``count`` is 0)."""
    if count <= 0:
        return train
    return pd.concat([train, composite_rows(train, count, seed, weight)], ignore_index=True)
