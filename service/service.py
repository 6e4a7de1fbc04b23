"""The headline-lens BentoML service: ``bentoml serve service.service:HeadlineLens``.

Endpoints: ``POST /score``, ``POST /feedback``, ``GET /model``, ``GET /feed`` and BentoML's
``/livez``, ``/readyz``, ``/metrics``, ``/docs.json``. Scoring runs on onnxruntime through
``model.Scorer``; torch is never imported. Headline text is never logged, and nothing
sent to ``/score`` is stored (only the in-memory cache holds scores).
"""

from __future__ import annotations

import os
import sys
import threading

os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")  # telemetry stays off unless asked for

from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import anyio  # noqa: E402
import bentoml  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse, Response  # noqa: E402

from model.embedder import Embedder, missing_message  # noqa: E402
from model.labels import HEAD_NAMES, head  # noqa: E402
from model.result import Score  # noqa: E402
from model.scorer import Scorer, check_artifact  # noqa: E402
from model.store import MODEL_NAME, resolve  # noqa: E402
from model.stories import Article, article_report, explain_results, stories  # noqa: E402
from service.batcher import Batcher  # noqa: E402
from service.cache import ScoreCache  # noqa: E402
from service.demo_page import demo_app  # noqa: E402
from service.errors import ValidationMessageMiddleware  # noqa: E402
from service.feedback import FeedbackStore, FeedbackStoreError  # noqa: E402
from service.feeds.api import ScoreFeedRequest, ScoreFeedResponse, score_feed_response  # noqa: E402
from service.feeds.rescored import OPENAPI_PARAMETERS, OPTION_NAMES, rescored_feed_response  # noqa: E402
from service.privacy import install_log_redaction  # noqa: E402
from service.schemas import (  # noqa: E402
    CompareResponse,
    FeedbackReceipt,
    ModelInfo,
    ScoreArticleResponse,
    ScoreResponse,
    clean_body,
    request_models,
    story_models,
)
from service.security import add_security_middleware  # noqa: E402
from service.settings import load_config  # noqa: E402
from service.stories import score_articles, to_article  # noqa: E402

CONFIG = load_config()
ScoreRequest, FeedbackRequest = request_models(CONFIG)
ScoreArticleRequest, CompareArticle, CompareRequest = story_models(CONFIG)

HEADLINES_SCORED = bentoml.metrics.Counter(
    name="headline_lens_headlines_scored", documentation="Headlines answered by /score (cache hits included)."
)
CACHE_HITS = bentoml.metrics.Counter(
    name="headline_lens_cache_hits", documentation="Distinct headlines of a request answered from the score cache."
)
CACHE_MISSES = bentoml.metrics.Counter(
    name="headline_lens_cache_misses", documentation="Distinct headlines of a request sent to the model."
)

# GET endpoints; BentoML merges this app's OpenAPI paths into /docs.json.
http_app = FastAPI(title="headline-lens", docs_url=None, redoc_url=None, openapi_url=None)


def served_model_dir(bento: Any = None) -> Path:
    """The one rule for which model serves: ``HEADLINE_LENS_MODEL`` if set, else the model
    pinned in the Bento being served (``bento``), else the newest stored model."""
    if bento is not None and not CONFIG.model:
        pinned = [info.tag for info in bento.info.all_models if info.tag.name == MODEL_NAME]
        if pinned:
            return resolve(str(pinned[0]))
    return resolve(CONFIG.model)


def _checked_model_dir() -> Path:
    """Find and check the model when the module is imported.

    A missing or broken model then stops ``bentoml serve`` itself with the reason (an
    ``ArtifactError`` naming the problem), instead of a worker failing and restarting.
    The check keeps no model in memory: ``bentoml serve``'s parent process imports this
    module too, and only the worker needs the model.
    """
    directory = served_model_dir()
    manifest = check_artifact(directory)
    if not manifest.check.get("passed"):
        # Loud on purpose: a model that failed (or never ran) its check still serves, but whoever
        # starts it must see that its scores were not confirmed.
        banner = "!" * 72
        print(f"{banner}\nWARNING: serving a model whose check did not pass\n{manifest.check_report()}\n{banner}",
              file=sys.stderr, flush=True)
    return directory


MODEL_DIR = _checked_model_dir()


def _stored_model_ref() -> Any:
    """A store reference for ``bentoml build`` to pin and pack, or ``None`` when serving a directory."""
    if CONFIG.model and Path(CONFIG.model).is_dir():
        return None
    return bentoml.models.BentoModel(f"{MODEL_NAME}:{MODEL_DIR.name}")


def _head_cards(manifest) -> dict[str, dict[str, Any]]:
    """What each head's score means and how it was calibrated, from the label schema and manifest."""
    calibrate_on = manifest.training.get("config", {}).get("calibrate_on", {})
    reliability = manifest.metrics.get("reliability", {})
    return {
        spec.name: {
            "meaning": head(spec.name).meaning,
            "threshold": spec.threshold,
            "calibration": spec.calibration.get("method"),
            "calibrated_on": calibrate_on.get(spec.name) or "validation rows of every training source labelled for it",
            "reliability": reliability.get(spec.name, []),
        }
        for spec in manifest.heads
    }


@bentoml.service(name="headline-lens", workers=1, traffic={"timeout": 60})
@bentoml.asgi_app(http_app, path="/")
class HeadlineLens:
    """Scores news headlines for clickbait/sensationalism and bias/loaded framing, and explains why."""

    # `bentoml build` pins this tag to the newest stored model and packs it into the Bento.
    stored_model = _stored_model_ref()

    def __init__(self) -> None:
        self.scorer = Scorer(served_model_dir(HeadlineLens.bento), threads=CONFIG.threads)
        self.cache = ScoreCache(CONFIG.cache_size)
        self.batcher = Batcher(self.scorer.score_normalized, CONFIG.max_latency_ms, CONFIG.max_batch_size)
        self.feedback_store = FeedbackStore(CONFIG.feedback_path)
        self._embedder_instance: Embedder | None = None
        self._embedder_lock = threading.Lock()

    async def score_texts(self, normalized: list[str], explain: bool = False) -> list[Score]:
        """Scores for already-validated, normalised texts, in order (for /score and other endpoints).

        Each distinct text is looked up once: repeats come from the cache, the rest go to the
        model through the batcher, merged with other requests' texts (503 when overloaded).
        """
        version = self.scorer.version
        unique = list(dict.fromkeys(normalized))
        found = {text: self.cache.get(version, text) for text in unique}
        missing = [text for text, score in found.items() if score is None]
        CACHE_HITS.inc(len(unique) - len(missing))
        CACHE_MISSES.inc(len(missing))
        for score in await self.batcher(missing):
            found[score.text] = score
            self.cache.put(version, score)
        if explain:
            # All occlusion variants of the request go to the model in one call.
            explained = await anyio.to_thread.run_sync(self.scorer.explain, [found[text] for text in unique])
            found = {score.text: score for score in explained}
        HEADLINES_SCORED.inc(len(normalized))
        return [found[text] for text in normalized]

    @bentoml.api(route="/score", input_spec=ScoreRequest, output_spec=ScoreResponse)
    async def score(self, headlines: list[str], explain: bool = False) -> JSONResponse:
        """Score headlines (1 to 256); results come back in input order. `explain` adds `spans`."""
        scores = await self.score_texts(headlines, explain)
        return JSONResponse({"results": [score.to_dict() for score in scores]})

    @bentoml.api(route="/feedback", input_spec=FeedbackRequest, output_spec=FeedbackReceipt)
    def feedback(self, text: str, head: str, score: float, comment: str | None = None) -> FeedbackReceipt | JSONResponse:
        """Store a user's correction of one score (text, head, the score they expect, optional comment).

        Answers 503 with the reason when the feedback database is locked or read-only.
        """
        try:
            row_id = self.feedback_store.add(text, head, score, comment, model_version=self.scorer.version)
        except FeedbackStoreError as exc:
            return JSONResponse({"error": str(exc)}, status_code=503)
        return FeedbackReceipt(id=row_id, stored=True)

    @bentoml.api(route="/score_feed", input_spec=ScoreFeedRequest, output_spec=ScoreFeedResponse)
    async def score_feed(self, url: str | None = None, xml: str | None = None) -> JSONResponse:
        """Score a feed's items: `url` (fetched; private addresses refused) or `xml` (the document itself)."""
        return await score_feed_response(url, xml, self.score_texts, CONFIG)

    @http_app.get(
        "/feed",
        tags=["Service APIs"],
        response_class=Response,
        responses={
            200: {"description": "the feed, RSS 2.0 or Atom, each item with its scores",
                  "content": {"application/rss+xml": {}, "application/atom+xml": {}}},
            304: {"description": "unchanged since the ETag / Last-Modified the reader sent"},
            400: {"description": f"bad url or option ({', '.join(OPTION_NAMES)})"},
            403: {"description": "the url leads to a refused (private) address"},
            413: {"description": "the feed is larger than feed_max_bytes"},
            422: {"description": "the url's document is not a usable feed"},
            502: {"description": "the feed's server failed or could not be reached"},
            504: {"description": "the feed's server did not answer within feed_timeout_s"},
        },
        openapi_extra={"parameters": OPENAPI_PARAMETERS},
    )
    async def rescored_feed(self, request: Request) -> Response:
        """A feed rescored for any feed reader: subscribe to `/feed?url=<percent-encoded feed URL>`.

        Options: `format` (rss|atom, default the source's), `min_clickbait`, `max_clickbait`,
        `max_bias` (0 to 1: drop items past them), `badge=true` (mark flagged titles).
        """
        return await rescored_feed_response(
            request.query_params, request.headers, self.score_texts, self.scorer.version, CONFIG
        )

    async def _embedder(self) -> Embedder | None:
        """The sentence embedder, loaded on first use (``/score``-only deployments never pay its memory)."""
        if not self.scorer.manifest.embedder:
            return None
        return await anyio.to_thread.run_sync(self._load_embedder)

    def _load_embedder(self) -> Embedder:
        with self._embedder_lock:
            if self._embedder_instance is None:
                self._embedder_instance = Embedder(self.scorer.directory, threads=self.scorer.threads,
                                                   manifest=self.scorer.manifest)
            return self._embedder_instance

    async def _scored(self, articles: list[Article]) -> list | JSONResponse:
        embedder = await self._embedder()
        if embedder is None:
            return JSONResponse({"error": missing_message(self.scorer.manifest)}, status_code=501)
        return await score_articles(articles, self.score_texts, embedder.embed, self.scorer.manifest.thresholds)

    @bentoml.api(route="/score_article", input_spec=ScoreArticleRequest, output_spec=ScoreArticleResponse)
    async def score_article(self, headline: str, body: str | None = None) -> JSONResponse:
        """Score an article: its headline (as `/score` with `explain`), the headline's incongruence with the body,
        the body's loaded-sentence share and its most loaded sentences with spans. 501 when the model has no embedder.
        """
        scored = await self._scored([Article(id="article", headline=headline, sentences=clean_body(body, CONFIG))])
        if isinstance(scored, JSONResponse):
            return scored
        report = article_report(scored[0])
        explained = await anyio.to_thread.run_sync(
            explain_results, [report["headline"], *report["most_loaded"]], self.scorer)
        report["headline"], report["most_loaded"] = explained[0], explained[1:]
        return JSONResponse(report)

    @bentoml.api(route="/compare", input_spec=CompareRequest, output_spec=CompareResponse)
    async def compare(self, articles: list[CompareArticle]) -> JSONResponse:
        """Group 2 to 50 articles into stories (same event) and compare how each article tells its story.
        501 when the model has no sentence embedder.
        """
        items = [a if isinstance(a, CompareArticle) else CompareArticle.model_validate(a) for a in articles]
        scored = await self._scored([to_article(item) for item in items])
        if isinstance(scored, JSONResponse):
            return scored
        return JSONResponse({"stories": stories(scored)})

    @http_app.get("/model", response_model=ModelInfo, tags=["Service APIs"])
    def model_info(self) -> ModelInfo:
        """The serving model: version, labels, thresholds, calibration and evaluation metrics."""
        manifest = self.scorer.manifest
        return ModelInfo(
            version=manifest.version,
            labels=list(HEAD_NAMES),
            thresholds=manifest.thresholds,
            calibration={spec.name: spec.calibration for spec in manifest.heads},
            metrics=manifest.metrics,
            base_model=manifest.base_model,
            created_at=manifest.created_at,
            schema_version=manifest.schema_version,
            preprocessing_version=manifest.preprocessing_version,
            max_length=manifest.max_length,
            quantized=manifest.quantized,
            heads=_head_cards(manifest),
            export=manifest.training.get("export", {}),
            check=manifest.check,
        )

    @bentoml.on_shutdown
    def _close(self) -> None:
        self.batcher.shutdown()
        self.feedback_store.close()


HeadlineLens.add_asgi_middleware(ValidationMessageMiddleware)
# Browser-extension backend: CORS, API keys and rate limits; the demo page at "/"; no request data in logs.
add_security_middleware(HeadlineLens, CONFIG)
HeadlineLens.mount_asgi_app(demo_app(), path="/", name="demo")
install_log_redaction()
