"""``headline-lens feeds stories``: the stored items of a time window, grouped into stories across feeds.

For each story that more than one feed carries, the spread of framing across feeds: per feed its
items, mean and highest clickbait and mean bias, which feed was most sensational on the event, and
the gap between the most and least sensational feed. The items' summaries are their bodies.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from statistics import fmean
from typing import Any

from model.stories import Article, StoryLens
from model.text import normalize
from service.schemas import LimitError, parse_published


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parse_published(value)
    except LimitError:
        return None


def window_articles(rows: Sequence[dict[str, Any]], since: datetime, until: datetime,
                    max_body_chars: int) -> tuple[list[Article], int]:
    """Articles of the stored item ``rows`` published in ``[since, until]`` (summaries cut at ``max_body_chars``),
    and how many undated items were left out."""
    from model.sentences import split_sentences

    articles: list[Article] = []
    seen: set[str] = set()
    undated = 0
    for row in rows:
        headline = normalize(row.get("title") or "")
        if row.get("skip_reason") or not headline:
            continue
        published = _when(row.get("published"))
        if published is None:
            undated += 1
            continue
        if not since <= published <= until:
            continue
        base = row.get("link") or row.get("guid") or f"{row['feed_url']}#{headline}"
        key, n = base, 1
        while key in seen:  # the same link in two feeds is two items
            n += 1
            key = f"{base}#{n}"
        seen.add(key)
        articles.append(Article(id=key, headline=headline, outlet=row.get("feed_title") or row["feed_url"],
                                sentences=split_sentences((row.get("summary") or "")[:max_body_chars]),
                                published=published))
    return articles, undated


def framing_spread(story: dict[str, Any]) -> dict[str, Any]:
    """Per feed of a compared story: items, mean/max clickbait and mean bias; the most sensational feed."""
    by_feed: dict[str, list[dict[str, Any]]] = {}
    for article in story["comparison"]:
        by_feed.setdefault(article["outlet"], []).append(article)
    feeds = [{"feed": feed, "items": len(items),
              "mean_clickbait": round(fmean(a["headline"]["clickbait"] for a in items), 4),
              "max_clickbait": round(max(a["headline"]["clickbait"] for a in items), 4),
              "mean_bias": round(fmean(a["bias_score"] for a in items), 4)} for feed, items in by_feed.items()]
    feeds.sort(key=lambda f: -f["mean_clickbait"])
    return {"feeds": feeds, "most_sensational_feed": feeds[0]["feed"],
            "clickbait_spread": round(feeds[0]["mean_clickbait"] - feeds[-1]["mean_clickbait"], 4)}


def feed_stories(rows: Sequence[dict[str, Any]], lens: StoryLens, since: datetime, until: datetime,
                 window_days: float, max_body_chars: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Stories carried by two or more feeds in the window, each with its framing spread; and counts."""
    articles, undated = window_articles(rows, since, until, max_body_chars)
    out = []
    for story in lens.stories(articles, window_days=window_days):
        if len({a["outlet"] for a in story["comparison"]}) > 1:
            out.append({**story, **framing_spread(story)})
    out.sort(key=lambda s: -s["clickbait_spread"])
    return out, {"items": len(articles), "undated_items_left_out": undated, "stories_across_feeds": len(out)}
