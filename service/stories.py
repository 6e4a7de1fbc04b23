"""Validated story requests to ``model.stories.Article``s, and the service's async path for them.

HTTP (``/score_article``, ``/compare``), ``headline-lens stories`` and ``headline-lens feeds stories``
validate with the same request models (``service.schemas``) and build articles here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import anyio

from model.result import Score
from model.sentences import split_sentences
from model.stories import Article, ScoredArticle, assemble, texts_to_score
from service.schemas import parse_published


def to_article(item: Any) -> Article:
    """An ``Article`` from a validated compare article (``story_models(...).article``; headline normalised)."""
    return Article(id=item.id, headline=item.headline, sentences=split_sentences(item.body) if item.body else [],
                   outlet=item.outlet, published=parse_published(item.published) if item.published else None)


async def score_articles(
    articles: Sequence[Article], score_texts: Callable[[list[str]], Awaitable[list[Score]]],
    embed: Callable[[Sequence[str]], Any], thresholds: dict[str, float],
) -> list[ScoredArticle]:
    """Score every text through ``score_texts`` (the service's cache and batcher) and embed it in a thread."""
    texts = texts_to_score(articles)
    results = {score.text: score.to_dict() for score in await score_texts(texts)}
    vectors = await anyio.to_thread.run_sync(embed, texts)
    return assemble(articles, results, dict(zip(texts, vectors)), thresholds)
