"""Leave out the training rows a cheap text model already labels confidently and correctly.

A sentence that word n-grams settle on their own teaches the fine-tuned encoder little it would
not learn from the others; dropping the easiest share of a source before its ``max_train_rows``
sample spends the training steps on the rows that are left. "Easy" is judged out of fold: a
TF-IDF logistic regression fitted on one half of the source's training rows scores the other
half, so no row is judged by a model that has seen it.
"""

from __future__ import annotations

import numpy as np

#: Folds of the cross-fitting: two keep it to a few seconds on 30,000 sentences (2 cores).
FOLDS = 2


def easiest_rows(texts: list[str], labels: np.ndarray, share: float, seed: int) -> np.ndarray:
    """Boolean mask of the ``share`` of rows whose labels an out-of-fold TF-IDF model is surest of.

    ``labels`` is ``(n, heads)`` of binary verdicts, NaN where a row is unlabelled for a head; a
    row's ease is the mean, over its labelled heads, of the probability the model gives its label.
    Rows labelled for no head, and heads with a single class, are never judged (never dropped).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline

    labels = np.asarray(labels, dtype=float).reshape(len(texts), -1)
    ease_sum, judged = np.zeros(len(texts)), np.zeros(len(texts))
    for head in range(labels.shape[1]):
        known = np.flatnonzero(~np.isnan(labels[:, head]))
        y = labels[known, head].astype(int)
        if len(known) < 2 * FOLDS or np.bincount(y, minlength=2).min() < FOLDS:
            continue
        model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                              LogisticRegression(C=4.0, max_iter=2000))
        folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
        positive = cross_val_predict(model, [texts[i] for i in known], y, cv=folds, method="predict_proba")[:, 1]
        ease_sum[known] += np.where(y == 1, positive, 1.0 - positive)
        judged[known] += 1
    candidates = np.flatnonzero(judged > 0)
    drop = np.zeros(len(texts), dtype=bool)
    count = int(round(share * len(candidates)))
    if count:
        ease = ease_sum[candidates] / judged[candidates]
        # Stable sort: equal ease keeps row order, so the same rows and seed drop the same rows.
        drop[candidates[np.argsort(-ease, kind="stable")[:count]]] = True
    return drop
