"""The TF-IDF baseline (word 1-2 + char 2-5 n-grams): ridge for clickbait, logistic regression for bias.

Trained on exactly the same training rows and tuned on the same validation rows as
the neural model, so the report compares like with like.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import FeatureUnion

from model.labels import HEAD_NAMES
from training.assemble import Assembled
from training.calibrate import tune_threshold
from training.train_config import TrainConfig


class TfidfBaseline:
    """One vectoriser, one linear model per head; ``probabilities`` mirrors ``Scorer.probabilities``."""

    def __init__(self) -> None:
        self.vectorizer = FeatureUnion(
            [
                ("word", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=True)),
                ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True,
                                         max_features=300_000)),
            ]
        )
        self.models: dict[str, object] = {}
        self.thresholds: dict[str, float] = {h: 0.5 for h in HEAD_NAMES}

    def fit(self, rows: pd.DataFrame) -> TfidfBaseline:
        """Fit on ``rows`` (text, heads, weight); a head without labelled rows predicts 0.5."""
        features = self.vectorizer.fit_transform(rows["text"])
        for head in HEAD_NAMES:
            labelled = rows[head].notna().to_numpy()
            if not labelled.any():
                continue
            x, y, w = features[labelled], rows[head].to_numpy(float)[labelled], rows["weight"].to_numpy(float)[labelled]
            if head == "clickbait":
                # Ridge regression fits the graded truthMean directly.
                self.models[head] = Ridge(alpha=1.0).fit(x, y, sample_weight=w)
            elif len(np.unique(y >= 0.5)) == 2:
                self.models[head] = LogisticRegression(C=4.0, max_iter=2000).fit(x, (y >= 0.5).astype(int), sample_weight=w)
        return self

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Scores in [0, 1], shape ``(len(texts), heads)``."""
        out = np.full((len(texts), len(HEAD_NAMES)), 0.5)
        if not texts:
            return out
        features = self.vectorizer.transform(texts)
        for j, head in enumerate(HEAD_NAMES):
            model = self.models.get(head)
            if isinstance(model, Ridge):
                out[:, j] = np.clip(model.predict(features), 0.0, 1.0)
            elif model is not None:
                out[:, j] = model.predict_proba(features)[:, 1]
        return out

    def tune(self, validation: pd.DataFrame, config: TrainConfig) -> TfidfBaseline:
        """Tune each head's threshold on validation rows, exactly as training does."""
        probs = self.probabilities(validation["text"].tolist())
        for j, head in enumerate(HEAD_NAMES):
            sources = config.calibrate_on.get(head) or validation["source"].unique()
            mask = validation[head].notna().to_numpy() & validation["source"].isin(sources).to_numpy()
            labels = validation[head].to_numpy(float)[mask] >= 0.5
            self.thresholds[head] = tune_threshold(probs[mask, j], labels, config.threshold_metric.get(head, "f1"))
        return self


def fit_baseline(assembled: Assembled, config: TrainConfig, exclude: Iterable[str] = ()) -> TfidfBaseline:
    """A baseline on the assembly's training rows (minus ``exclude`` sources), tuned on validation."""
    exclude = set(exclude)
    rows = assembled.training_rows()
    validation = assembled.split("validation")
    validation = validation[~validation["eval_only"] & ~validation["source"].isin(exclude)]
    return TfidfBaseline().fit(rows[~rows["source"].isin(exclude)]).tune(validation, config)
