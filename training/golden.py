"""The model check every training run ends with: rankings any working model gets right.

Three kinds of check, each about ordering rather than exact values, so that a small model
trained in a few minutes passes them as well as the shipped one does:

- **seed**: the seed ``004`` headline ("... What Happens Next Will Shock You!") scores more
  clickbait than every wire-style seed headline;
- **minimal pairs**: a neutral headline and the same headline with its framing loaded
  by verbs, adverbs or labels ("responds to" / "caves to", "the tax reform" / "the so-called
  tax reform"); the loaded one must score more bias in at least ``pair_floor`` of the pairs;
- **clickbait style is not bias**: neutral teasers ("You will never guess ...") score less
  bias, on average, than the loaded halves of the pairs.

The run's preset adds evaluation floors (``TrainConfig.floors``: a test metric and its
minimum). The result goes into the manifest as ``check`` and is shown by ``GET /model``;
the service prints a failed check loudly at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from model.labels import HEAD_NAMES

#: ``texts -> (n, heads)`` calibrated probabilities of raw (not yet normalised) texts.
ScoreFn = Callable[[Sequence[str]], np.ndarray]

CLICKBAIT, BIAS = HEAD_NAMES.index("clickbait"), HEAD_NAMES.index("bias")

#: (neutral, loaded): the same news, with the loading carried by a verb, an adverb or a label.
#: Written for these checks; none of them is a training row.
MINIMAL_PAIRS: tuple[tuple[str, str], ...] = (
    ("Biden responds to junta as Russia expands role in Africa",
     "Biden caves to junta as Russia humiliates America in Africa"),
    ("Senate passes border bill", "Senate finally rams through border bill"),
    ("Governor comments on budget shortfall", "Governor admits budget disaster"),
    ("Mayor criticizes police union contract", "Mayor slams police union's outrageous contract"),
    ("Lawmakers debate the tax reform", "Lawmakers debate the so-called tax reform"),
    ("Company says it will review safety practices", "Company quietly concedes its shameful safety failures"),
    ("Officials announce new climate rules", "Bureaucrats impose job-killing climate rules"),
    ("Protesters gather outside the capitol", "Radical mob swarms the capitol"),
    ("President meets with union leaders", "President grovels to union bosses"),
    ("Court blocks the immigration order", "Activist judges sabotage the immigration order"),
    ("Minister responds to criticism of the plan", "Minister lashes out at critics of his disastrous plan"),
    ("Candidate changes position on trade", "Candidate flip-flops on trade yet again"),
)

#: Neutral news told as a tease: clickbait style, no loaded wording.
CLICKBAIT_STYLE_NEUTRAL: tuple[str, ...] = (
    "You will never guess which country just kicked out US troops",
    "What happened at this city council meeting will surprise you",
    "10 things to know about the new school calendar",
    "This is the one chart you need to understand the jobs report",
    "Here's why everyone is talking about the new bridge",
    "The answer to this weather question might surprise you",
)

SEED_PREFIX = "004_"


def seed_headlines() -> tuple[list[str], list[str]]:
    """(sensational seed 004 headlines, wire-style seed headlines) from ``seeds/labels.jsonl``."""
    from training.sources.seeds import read_labels

    labels = read_labels()
    sensational = [r["text"] for r in labels if r["file"].startswith(SEED_PREFIX) and r["clickbait"] >= 0.5]
    wire = [r["text"] for r in labels if r["clickbait"] == 0]
    return sensational, wire


def pair_scores(score: ScoreFn) -> dict[str, Any]:
    """How the bias score orders ``MINIMAL_PAIRS`` and rates ``CLICKBAIT_STYLE_NEUTRAL``.

    ``pair_accuracy``: share of pairs whose loaded headline scores more bias; ``loaded_bias``,
    ``neutral_bias``, ``teaser_bias``: mean bias of each set; ``missed``: loaded headlines that lost.
    """
    neutral, loaded = zip(*MINIMAL_PAIRS)
    bias = np.asarray(score([*neutral, *loaded, *CLICKBAIT_STYLE_NEUTRAL]))[:, BIAS]
    n = len(MINIMAL_PAIRS)
    neutral_bias, loaded_bias, teaser_bias = bias[:n], bias[n : 2 * n], bias[2 * n :]
    wins = loaded_bias > neutral_bias
    return {
        "pair_accuracy": float(wins.mean()),
        "loaded_bias": round(float(loaded_bias.mean()), 4),
        "neutral_bias": round(float(neutral_bias.mean()), 4),
        "teaser_bias": round(float(teaser_bias.mean()), 4),
        "missed": [pair[1] for pair, won in zip(MINIMAL_PAIRS, wins) if not won],
    }


def _lookup(metrics: dict[str, Any], key: str) -> float | None:
    for row in metrics.get("summary", []):
        if row.get("key") == key:
            return row.get("model")
    return None


def model_check(score: ScoreFn, metrics: dict[str, Any] | None = None, floors: dict[str, float] | None = None,
                pair_floor: float = 0.75) -> dict[str, Any]:
    """Run every check on ``score``; ``metrics`` (an evaluation report) for the ``floors``.

    Returns ``{"passed": bool, "checks": [{"name", "passed", "value", "goal", "detail"}]}``.
    """
    checks: list[dict[str, Any]] = []

    def add(name: str, passed: bool, value: float | None, goal: str, detail: Any = None) -> None:
        checks.append({"name": name, "passed": bool(passed), "value": None if value is None else round(value, 4),
                       "goal": goal, "detail": detail})

    sensational, wire = seed_headlines()
    seed_scores = score([*sensational, *wire])[:, CLICKBAIT]
    top_wire = float(seed_scores[len(sensational):].max())
    lowest_sensational = float(seed_scores[: len(sensational)].min())
    add("seed_004_above_wire", lowest_sensational > top_wire, lowest_sensational - top_wire,
        "seed 004 clickbait > every wire seed headline",
        {"seed_004": round(lowest_sensational, 4), "highest_wire": round(top_wire, 4)})

    pairs = pair_scores(score)
    add("loaded_above_neutral", pairs["pair_accuracy"] >= pair_floor, pairs["pair_accuracy"],
        f"loaded > neutral bias in >= {pair_floor:.0%} of {len(MINIMAL_PAIRS)} minimal pairs",
        {"missed": pairs["missed"]})
    add("clickbait_style_is_not_bias", pairs["teaser_bias"] < pairs["loaded_bias"], pairs["teaser_bias"],
        "mean bias of neutral teasers < mean bias of loaded headlines", {"loaded_mean": pairs["loaded_bias"]})

    for key, floor in (floors or {}).items():
        value = _lookup(metrics or {}, key)
        add(f"floor:{key}", value is not None and value >= floor, value, f">= {floor}")
    return {"passed": all(c["passed"] for c in checks), "checks": checks}



def seed_story_articles() -> list[Any]:
    """The seed pages as ``model.stories.Article``s: ids ``000``..``004``, the story appended to ``000`` as ``000+1``."""
    from model.sentences import split_sentences
    from model.stories import Article
    from model.text import normalize
    from training.sources.seeds import SEEDS_DIR, parse_seed_file

    articles = []
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        for k, page in enumerate(parse_seed_file(path).articles()):
            articles.append(Article(id=path.name[:3] + (f"+{k}" if k else ""), headline=normalize(page.headline),
                                    sentences=split_sentences(page.body)))
    return articles


def seed_story_facts(lens: Any) -> dict[str, Any]:
    """The four facts the seeds must show through ``model.stories.StoryLens`` (each ``True`` when it holds).

    The five Niger pages form one story; the Honduras story appended to ``000`` does not join it;
    ``004`` ranks most sensational in that story; ``004`` has the highest headline-body incongruence.
    """
    from model.stories import stories

    articles = seed_story_articles()
    scored = lens.score(articles)
    found = stories(scored)
    niger = ["000", "001", "002", "003", "004"]
    story = next((s for s in found if "004" in s["articles"]), {"articles": [], "ranked_by_clickbait": []})
    incongruence = {m.article.id: m.incongruence for m in scored}
    return {
        "niger_pages_form_one_story": sorted(a for a in story["articles"] if a in niger) == niger,
        "appended_story_stays_apart": "000+1" not in story["articles"],
        "004_ranks_most_sensational": story["ranked_by_clickbait"][:1] == ["004"],
        "004_most_incongruent": max(incongruence, key=lambda k: incongruence[k] or 0.0) == "004",
        "stories": [s["articles"] for s in found],
        "incongruence": incongruence,
    }
