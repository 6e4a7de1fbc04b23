"""Score feed titles: in-process with ``model.Scorer`` or through a running service.

Titles are checked once, by ``model.text.clean`` (the rule every way in shares); an item whose title cannot be
scored gets a ``skip_reason`` and is stored anyway, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from model.result import Score
from model.text import TextError, clean, normalize
from service.feeds.parse import FeedItem


class ScoringError(RuntimeError):
    """Scoring failed (e.g. the service did not answer); the affected feeds are retried next run."""


class ItemScorer(Protocol):
    """What the feed scorer needs from a scorer: ``model.Scorer`` and :class:`RemoteScorer` both fit."""

    def score_normalized(self, texts: Sequence[str]) -> list[Score]: ...


def prepare(item: FeedItem) -> tuple[str, str | None]:
    """``(normalized_title, skip_reason)``; the reason is ``None`` when the title can be scored."""
    try:
        return clean(item.title), None
    except TextError as exc:
        return normalize(item.title), f"title {exc.reason}"


class RemoteScorer:
    """Scores through a running headline-lens service's ``POST /score``.

    ``base_url`` is the service root, e.g. ``http://127.0.0.1:3000``.
    """

    def __init__(self, base_url: str, timeout_s: float = 60.0, batch_size: int = 128, api_key: str | None = None):
        import httpx

        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.base_url = base_url.rstrip("/")
        self.batch_size = batch_size
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout_s, headers=headers, trust_env=False)

    @property
    def version(self) -> str:
        """The serving model's version, from ``GET /model`` (``--rescore`` needs it)."""
        import httpx

        try:
            response = self._client.get("/model")
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise ScoringError(f"cannot read the model version from {self.base_url}/model: {exc}") from exc
        return response.json()["version"]

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def score_normalized(self, texts: Sequence[str]) -> list[Score]:
        """Score normalised titles, ``batch_size`` per request, results in input order."""
        import httpx

        out: list[Score] = []
        for start in range(0, len(texts), self.batch_size):
            chunk = list(texts[start : start + self.batch_size])
            try:
                response = self._client.post("/score", json={"headlines": chunk})
            except httpx.HTTPError as exc:
                raise ScoringError(f"scoring service {self.base_url} unreachable: {exc}") from exc
            if response.status_code != 200:
                raise ScoringError(
                    f"scoring service {self.base_url} answered {response.status_code}: {response.text[:300]}"
                )
            results = response.json().get("results", [])
            if len(results) != len(chunk):
                raise ScoringError(f"scoring service returned {len(results)} results for {len(chunk)} titles")
            out.extend(Score.from_dict(result) for result in results)
        return out
