"""Request and response models of the HTTP API (they also document it in the OpenAPI spec).

Validation happens here, once, for HTTP and the CLI: JSON types are strict (a number is
not a headline, ``"yes"`` is not a boolean), the limits come from ``ServiceConfig`` and
every error message names the limit it enforces. Headlines leave validation normalised.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    create_model,
    field_validator,
    model_validator,
)

from model.labels import HEAD_NAMES, HEADS
from model.text import TextError, clean
from service.settings import ServiceConfig

EXAMPLE_HEADLINES = ["You Won't Believe What This Senator Said Next", "Parliament passes the 2027 budget"]
EXAMPLE_RESULT: dict[str, Any] = {
    "text": "You Won't Believe What This Senator Said Next",
    "clickbait": 0.93,
    "bias": 0.41,
    "labels": {"clickbait": True, "bias": False},
    "model_version": "v20261122-030000",
    "spans": [
        {"start": 0, "end": 3, "text": "You", "head": "clickbait", "weight": 0.12, "cue": "second_person"},
        {"start": 4, "end": 9, "text": "Won't", "head": "clickbait", "weight": 0.2, "cue": "curiosity_gap"},
    ],
}


@lru_cache(maxsize=16_384)
def _cleaned(headline: str, max_chars: int) -> str:
    # Normalised forms of recently seen raw headlines: pages are re-sent as users scroll and
    # reload, and normalising costs more than answering them from the score cache.
    return clean(headline, max_chars=max_chars)


def _clean_cached(headline: str, index: int, max_chars: int) -> str:
    try:
        return _cleaned(headline, max_chars)
    except TextError as exc:  # the cached call cannot know the headline's position
        raise TextError(index, exc.reason) from None


#: A headline holds a character normalisation keeps: not a space, control or (common)
#: format character. Tags and entities (``"<br>"``) are beyond a pattern; the validator names them.
HEADLINE_PATTERN = (
    r"[^\s\x00-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    r"\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]"
)


class LimitError(ValueError):
    """Input breaks a documented limit; the message names it (HTTP answers 400)."""


def clean_headlines(headlines: list[str], max_headlines: int, max_chars: int) -> list[str]:
    """Check the limits and return the normalised headlines.

    Raises ``LimitError`` for the count and ``model.text.TextError`` (the rule every way in
    shares) for a headline; both are ``ValueError``s, answered with a 400.
    """
    if not headlines:
        raise LimitError("headlines must hold at least one headline")
    if len(headlines) > max_headlines:
        raise LimitError(f"too many headlines: {len(headlines)}; the limit is {max_headlines} per request")
    return [_clean_cached(headline, index, max_chars) for index, headline in enumerate(headlines)]


class Span(BaseModel):
    """A word or phrase that drives a head's score; ``text[start:end]`` of the result's normalised text."""

    start: int
    end: int
    text: str
    head: str = Field(description=f"one of {', '.join(HEAD_NAMES)}")
    weight: float = Field(description="how much the head's log-odds fall when the word (of a phrase: its "
                                      "strongest word) is removed")
    cue: str | None = Field(description="the matching cue of the documented taxonomy, if any")


#: The scores of one headline (the shape shared by HTTP, CLI and feed output). One float field per
#: head of ``model.labels.HEADS``, in the model's column order: a new head appears here by itself.
ScoreResult = create_model(
    "ScoreResult",
    __doc__="The scores of one headline (the shape shared by HTTP, CLI and feed output).",
    text=(str, Field(description="the normalised headline that was scored")),
    **{h.name: (float, Field(ge=0, le=1, description=h.meaning)) for h in HEADS},
    labels=(dict[str, bool], Field(description="each head's score at or above its threshold")),
    model_version=(str, ...),
    spans=(list[Span] | None, Field(default=None, description="only with `explain: true`")),
)


class ScoreResponse(BaseModel):
    """``POST /score`` answer: one result per input headline, in input order."""

    model_config = ConfigDict(json_schema_extra={"example": {"results": [EXAMPLE_RESULT]}})

    results: list[ScoreResult]


class ModelInfo(BaseModel):
    """``GET /model``: what is serving, from the artifact manifest."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "version": "v20261122-030000",
                "labels": ["clickbait", "bias"],
                "thresholds": {"clickbait": 0.5, "bias": 0.5},
                "calibration": {"clickbait": {"method": "temperature", "temperature": 1.3}},
                "metrics": {"test": {"clickbait": {"f1": 0.91}}},
                "base_model": "all-MiniLM-L6-v2",
                "created_at": "2026-11-22T03:00:00+00:00",
                "schema_version": 1,
                "preprocessing_version": 1,
                "max_length": 64,
                "quantized": True,
            }
        }
    )

    version: str
    labels: list[str]
    thresholds: dict[str, float]
    calibration: dict[str, Any]
    metrics: dict[str, Any]
    base_model: str
    created_at: str
    schema_version: int
    preprocessing_version: int
    max_length: int
    quantized: bool
    heads: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Per head: what its score means, the data it was calibrated on, its threshold, and the "
        "reliability diagram on held-out data (per score bin: mean score, observed share, count).",
    )
    export: dict[str, Any] = Field(
        default_factory=dict, description="The served ONNX format, why it was chosen, and every format measured."
    )
    check: dict[str, Any] = Field(
        default_factory=dict,
        description="The model check the training run ended with: golden rankings and evaluation floors.",
    )


class FeedbackReceipt(BaseModel):
    """``POST /feedback`` answer."""

    model_config = ConfigDict(json_schema_extra={"example": {"id": 1, "stored": True}})

    id: int
    stored: bool


class RequestModels(NamedTuple):
    """The request bodies whose limits come from the service's settings."""

    score: type[BaseModel]
    feedback: type[BaseModel]


def request_models(config: ServiceConfig) -> RequestModels:
    """``POST /score`` and ``POST /feedback`` bodies enforcing ``config``'s limits.

    The limits are passed in (not read at import), so a test or an embedding application can
    build the models for any settings.
    """

    class ScoreRequest(BaseModel):
        """``POST /score`` body."""

        model_config = ConfigDict(
            extra="forbid", hide_input_in_errors=True,
            json_schema_extra={"example": {"headlines": EXAMPLE_HEADLINES, "explain": False}},
        )

        headlines: list[StrictStr] = Field(
            description=(
                f"Headlines to score, 1 to {config.max_headlines}, each at most {config.max_chars} characters and not empty "
                "after normalisation (HTML entities and tags, Unicode compatibility forms and spacing are cleaned)."
            ),
            # The documented rules, in the schema too (the validator below enforces them with clearer messages).
            json_schema_extra={
                "example": EXAMPLE_HEADLINES,
                "minItems": 1,
                "maxItems": config.max_headlines,
                "items": {"type": "string", "maxLength": config.max_chars, "pattern": HEADLINE_PATTERN},
            },
        )
        explain: StrictBool = Field(
            default=False,
            description=(
                "Add `spans`: the words driving each head's score, from word occlusion "
                f"(at most {config.max_explain_headlines} headlines per request)."
            ),
        )

        @field_validator("headlines")
        @classmethod
        def _limits(cls, headlines: list[str]) -> list[str]:
            return clean_headlines(headlines, config.max_headlines, config.max_chars)

        @model_validator(mode="after")
        def _explain_limit(self) -> ScoreRequest:
            if self.explain and len(self.headlines) > config.max_explain_headlines:
                raise LimitError(
                    f"explain: too many headlines to explain: {len(self.headlines)}; "
                    f"the limit is {config.max_explain_headlines} per request with explain"
                )
            return self

    class FeedbackRequest(BaseModel):
        """``POST /feedback`` body: a user's correction of one score."""

        model_config = ConfigDict(
            extra="forbid",
            hide_input_in_errors=True,
            json_schema_extra={
                "example": {"text": EXAMPLE_HEADLINES[1], "head": "bias", "score": 0.0, "comment": "neutral wording"}
            },
        )

        # ``json_schema_extra`` states the rules in the spec; the validators enforce them with clear messages.
        text: StrictStr = Field(
            description=f"the headline, at most {config.max_chars} characters",
            json_schema_extra={"maxLength": config.max_chars, "pattern": HEADLINE_PATTERN},
        )
        head: StrictStr = Field(description=f"one of {', '.join(HEAD_NAMES)}", json_schema_extra={"enum": list(HEAD_NAMES)})
        score: StrictFloat | StrictInt = Field(
            description="the score the user thinks is right, 0..1", json_schema_extra={"minimum": 0, "maximum": 1}
        )
        comment: StrictStr | None = Field(
            default=None, description=f"optional, at most {config.max_comment_chars} characters",
            # BentoML's OpenAPI 3.0 spec drops the ``null`` of ``str | None``: say it is allowed.
            json_schema_extra={"maxLength": config.max_comment_chars, "nullable": True},
        )

        @field_validator("text")
        @classmethod
        def _text(cls, text: str) -> str:
            return clean_headlines([text], 1, config.max_chars)[0]

        @field_validator("head")
        @classmethod
        def _head(cls, head: str) -> str:
            if head not in HEAD_NAMES:
                raise LimitError(f"head must be one of {', '.join(HEAD_NAMES)}")
            return head

        @field_validator("score")
        @classmethod
        def _score(cls, score: float) -> float:
            if not 0.0 <= score <= 1.0:
                raise LimitError("score must be between 0 and 1")
            return float(score)

        @field_validator("comment")
        @classmethod
        def _comment(cls, comment: str | None) -> str | None:
            if comment is not None and len(comment) > config.max_comment_chars:
                raise LimitError(f"comment has {len(comment)} characters; the limit is {config.max_comment_chars}")
            return comment

    return RequestModels(ScoreRequest, FeedbackRequest)


# --- Story framing: /score_article and /compare -------------------------------------------------------

#: Characters of an article's ``id`` and ``outlet``.
MAX_LABEL_CHARS = 200

EXAMPLE_BODY = ("The United States will withdraw its troops from Niger, officials said on Friday. "
                "About 1,000 American service members are based in the country.")


def clean_body(body: str | None, config: ServiceConfig, where: str = "body") -> list[str]:
    """Check a body's length and return its normalised sentences (none for a missing body)."""
    from model.sentences import split_sentences

    if body is None:
        return []
    if len(body) > config.max_body_chars:
        raise LimitError(f"{where} has {len(body)} characters; the limit is {config.max_body_chars} characters per body")
    sentences = split_sentences(body)
    if len(sentences) > config.max_request_sentences:
        raise LimitError(f"{where} has {len(sentences)} sentences; the limit is {config.max_request_sentences} per request")
    return sentences


def parse_published(value: str) -> Any:
    """An ISO 8601 date or date-time as an aware ``datetime`` (UTC when no offset is given)."""
    from datetime import datetime, timezone

    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        # No value in the message: validation messages reach the server log, which holds no request data.
        raise LimitError("published is not an ISO 8601 date or date-time (2024-03-16 or 2024-03-16T09:30:00Z)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


class LoadedSentence(BaseModel):
    """A body sentence's scores (the ``/score`` result shape) and its position in the body."""

    model_config = ConfigDict(extra="allow")

    index: int = Field(description="position of the sentence in the body, from 0")
    text: str
    bias: float = Field(ge=0, le=1)
    spans: list[Span] | None = None


class ScoreArticleResponse(BaseModel):
    """``POST /score_article`` answer."""

    model_config = ConfigDict(json_schema_extra={"example": {
        "headline": EXAMPLE_RESULT, "incongruence": 0.93, "relatedness": 0.71, "sentences": 2, "loaded_share": 0.0,
        "most_loaded": []}})

    headline: ScoreResult = Field(description="the headline's scores, as `/score` returns them (with `spans`)")
    # BentoML's OpenAPI 3.0 spec drops the ``null`` of ``float | None``: each nullable field says so.
    incongruence: float | None = Field(ge=0, le=1, json_schema_extra={"nullable": True}, description=(
        "how far the headline is from what the body says, 0..1: high when it is about something else or withholds "
        "/ overpromises (clickbait); null without a body"))
    relatedness: float | None = Field(json_schema_extra={"nullable": True},
                                      description="highest cosine similarity of the headline to a body sentence")
    sentences: int = Field(description="body sentences scored")
    loaded_share: float | None = Field(ge=0, le=1, json_schema_extra={"nullable": True},
                                       description="share of body sentences labelled loaded (bias)")
    most_loaded: list[LoadedSentence] = Field(description="the body sentences with the highest bias, with spans")


class CompareResponse(BaseModel):
    """``POST /compare`` answer: the articles grouped into stories, each story compared."""

    model_config = ConfigDict(json_schema_extra={"example": {"stories": [{
        "story": 0, "articles": ["wire", "viral"], "ranked_by_clickbait": ["viral", "wire"],
        "ranked_by_bias": ["viral", "wire"], "comparison": [], "shared_facts": [], "unique_facts": []}]}})

    stories: list[dict[str, Any]] = Field(description=(
        "groups of articles about the same event, in the order of their first article: `story` (number), "
        "`articles` (ids), `ranked_by_clickbait` and `ranked_by_bias` (ids, most first), `comparison` (per article: "
        "`headline` scores, `bias_score`, `loaded_share`, `incongruence`, `unique_cues` its siblings do not use, "
        "`neutral_alternative`: the least sensational sibling headline when it is calmer), `shared_facts` "
        "(sentences every bodied article reports, as similar-sentence matches) and `unique_facts` (sentences no "
        "sibling has a similar sentence for)"))


class StoryModels(NamedTuple):
    """The story endpoints' request bodies, with limits from the service's settings."""

    score_article: type[BaseModel]
    article: type[BaseModel]
    compare: type[BaseModel]


def story_models(config: ServiceConfig) -> StoryModels:
    """``POST /score_article`` and ``POST /compare`` bodies (and one compared article) enforcing ``config``."""

    class ArticleText(BaseModel):
        """A headline and an optional body, checked as ``/score`` checks headlines."""

        model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

        headline: StrictStr = Field(
            description=f"the headline, at most {config.max_chars} characters, not empty after normalisation",
            json_schema_extra={"maxLength": config.max_chars, "pattern": HEADLINE_PATTERN})
        body: StrictStr | None = Field(default=None, description=(
            f"the article's text (a lead paragraph is enough), at most {config.max_body_chars} characters; split "
            "into sentences, each normalised like a headline"),
            json_schema_extra={"maxLength": config.max_body_chars, "nullable": True})

        @field_validator("headline")
        @classmethod
        def _headline(cls, headline: str) -> str:
            return clean_headlines([headline], 1, config.max_chars)[0]

        @field_validator("body")
        @classmethod
        def _body(cls, body: str | None) -> str | None:
            clean_body(body, config)
            return body

    class ScoreArticleRequest(ArticleText):
        """``POST /score_article`` body."""

        model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, json_schema_extra={"example": {
            "headline": "US troops to leave Niger - What Happens Next Will Shock You!", "body": EXAMPLE_BODY}})

    class CompareArticle(ArticleText):
        """One article of a ``POST /compare`` request or a line of ``headline-lens stories``."""

        id: StrictStr = Field(description=f"the caller's id, unique in the request, 1 to {MAX_LABEL_CHARS} characters",
                              json_schema_extra={"minLength": 1, "maxLength": MAX_LABEL_CHARS})
        outlet: StrictStr | None = Field(default=None, description=f"the publisher, at most {MAX_LABEL_CHARS} characters",
                                         json_schema_extra={"maxLength": MAX_LABEL_CHARS, "nullable": True})
        published: StrictStr | None = Field(default=None, description=(
            "publication date or time, ISO 8601 (`2024-03-16`, `2024-03-16T09:30:00Z`); bounds the story to a time "
            "window"), json_schema_extra={"nullable": True})

        @field_validator("id")
        @classmethod
        def _id(cls, value: str) -> str:
            if not value or len(value) > MAX_LABEL_CHARS:
                raise LimitError(f"id must have 1 to {MAX_LABEL_CHARS} characters")
            return value

        @field_validator("outlet")
        @classmethod
        def _outlet(cls, outlet: str | None) -> str | None:
            if outlet is not None and len(outlet) > MAX_LABEL_CHARS:
                raise LimitError(f"outlet has {len(outlet)} characters; the limit is {MAX_LABEL_CHARS}")
            return outlet

        @field_validator("published")
        @classmethod
        def _published(cls, published: str | None) -> str | None:
            if published is not None:
                parse_published(published)
            return published

    class CompareRequest(BaseModel):
        """``POST /compare`` body."""

        model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, json_schema_extra={"example": {"articles": [
            {"id": "wire", "headline": "U.S. to end military presence in Niger", "body": EXAMPLE_BODY, "outlet": "Wire",
             "published": "2024-04-19"},
            {"id": "viral", "headline": "US Troops Withdraw from Niger - What Happens Next Will Shock You!",
             "body": EXAMPLE_BODY, "outlet": "Viral", "published": "2024-04-20"}]}})

        articles: list[CompareArticle] = Field(description=(
            f"2 to {config.max_compare_articles} articles with distinct ids; at most {config.max_request_sentences} "
            "body sentences in all"), json_schema_extra={"minItems": 2, "maxItems": config.max_compare_articles})

        @field_validator("articles")
        @classmethod
        def _articles(cls, articles: list[CompareArticle]) -> list[CompareArticle]:
            if not 2 <= len(articles) <= config.max_compare_articles:
                raise LimitError(f"articles: {len(articles)} given; compare takes 2 to {config.max_compare_articles}")
            ids = [a.id for a in articles]
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise LimitError(f"articles: ids must be distinct; repeated: {', '.join(duplicates)[:200]}")
            total = sum(len(clean_body(a.body, config)) for a in articles)
            if total > config.max_request_sentences:
                raise LimitError(
                    f"articles: {total} body sentences in all; the limit is {config.max_request_sentences} per request")
            return articles

    return StoryModels(ScoreArticleRequest, CompareArticle, CompareRequest)
