"""``headline-lens stories FILE.jsonl|-``: group articles into stories and compare each, as JSON Lines.

Input: one article per line, ``{"id", "headline", "body"?, "outlet"?, "published"?}``, validated like
``POST /compare``'s articles (any number of lines, not only 50). Output: one line per story,
``{"story": <int>, "articles": [<ids>], ...}`` followed by the comparison fields of ``/compare``.
A line that is not a valid article is reported on stderr as ``{"line": N, "error": ...}`` and
left out; the exit status is then 1 (0 when every line was used).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import Any


def read_articles(lines: Iterable[str], config: Any) -> tuple[list[Any], list[dict[str, Any]]]:
    """Validated compare articles from JSON lines (``config``'s limits), and an error record
    ``{"line", "error"}`` per bad line."""
    from pydantic import ValidationError

    from service.errors import summarize
    from service.schemas import story_models

    article_model = story_models(config).article
    items: list[Any] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = article_model.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            errors.append({"line": number, "error": f"not valid JSON: {exc.msg}"})
            continue
        except ValidationError as exc:
            errors.append({"line": number, "error": summarize(exc.errors(include_input=False))})
            continue
        if item.id in seen:
            errors.append({"line": number, "error": f"id {item.id[:80]!r} repeats an earlier line"})
            continue
        seen.add(item.id)
        items.append(item)
    return items, errors


def _stories(args: argparse.Namespace) -> int:
    from model.artifact import ArtifactError
    from model.embedder import Embedder
    from model.scorer import Scorer
    from model.stories import StoryLens
    from service.settings import load_config
    from service.stories import to_article

    try:
        config = load_config()
        scorer = Scorer.load(args.model, threads=config.threads)
        embedder = Embedder(scorer.directory, threads=scorer.threads, manifest=scorer.manifest)
    except (ArtifactError, ValueError) as exc:
        print(f"headline-lens stories: cannot load model {args.model or ''}: {exc}", file=sys.stderr)
        return 2
    try:
        source = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")  # noqa: SIM115
        with source:
            items, errors = read_articles(source, config)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"headline-lens stories: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    for error in errors:
        print(json.dumps(error, ensure_ascii=False), file=sys.stderr)
    for story in StoryLens(scorer, embedder).stories([to_article(i) for i in items], window_days=args.window_days):
        print(json.dumps(story, ensure_ascii=False))
    return 1 if errors else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``stories`` command."""
    from model.stories import STORY_WINDOW_DAYS

    parser = subparsers.add_parser(
        "stories", help="group articles (JSON Lines) into stories and compare how each tells it",
        description=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("file", help='JSON Lines file of articles, or "-" for stdin')
    parser.add_argument("--model", help="artifact directory or store tag (default: $HEADLINE_LENS_MODEL or the newest)")
    parser.add_argument("--window-days", type=float, default=STORY_WINDOW_DAYS,
                        help=f"dated articles further apart than this never share a story (default {STORY_WINDOW_DAYS})")
    parser.set_defaults(func=_stories)
