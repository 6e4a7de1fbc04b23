"""The seed articles: parse the raw scraped pages and load their hand labels.

``seeds/`` holds a few news pages saved as plain text, exactly as scraped, plus
``labels.jsonl`` with one hand-labelled row per headline found in them. Scraped
text is messy: breadcrumbs, author lines, view counters, photo captions, titles
printed twice, share boxes, "Related Articles" lists, comment forms, copyright
lines, and sometimes a second, unrelated article glued to the end. ``parse_seed``
recovers the headline structure with general layout heuristics (line shape,
position, repetition, boilerplate patterns), never with per-file rules.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from model.text import normalize
from training.sources.base import Row
from training.sources.tables import SourceFormatError, jsonl_records

SOURCE = "seeds"
#: The repository's ``seeds/`` directory; pass another directory to ``load`` to override.
SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
LABELS_FILE = "labels.jsonl"
#: Label roles: the page's headline, a sub-headline or summary line, a related-article link.
ROLES = ("headline", "subhead", "related")


class SeedParseError(SourceFormatError):
    """A seed page or label file that cannot be read as documented."""


@dataclass
class SeedArticle:
    """The headline structure of one scraped article.

    ``appended`` holds further articles found on the same page after this one
    (a scraper that kept reading into the next story).
    """

    headline: str
    subheads: list[str] = field(default_factory=list)
    body: str = ""
    related_headlines: list[str] = field(default_factory=list)
    author: str | None = None
    appended: list[SeedArticle] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (appended articles nested the same way)."""
        return asdict(self)

    def articles(self) -> list[SeedArticle]:
        """This article followed by the appended ones."""
        return [self, *self.appended]


# Line kinds.
_BODY, _TITLE, _BULLET, _TEASER = "body", "title", "bullet", "teaser"
_AUTHOR, _BREADCRUMB, _META, _CAPTION = "author", "breadcrumb", "meta", "caption"
_BOILERPLATE, _RELATED = "boilerplate", "related"

_RELATED_MARKER = re.compile(
    r"(related|more|recommended|similar|trending)( (articles?|stories|posts|news|reads|for you))?"
    r"|more from .{1,40}|read more|read next|you may also like|see also",
    re.IGNORECASE,
)
_BOILERPLATE_LINE = re.compile(
    r"short ?url|shortlink|share( this)?( article| story| post)?|leave a (reply|comment)|comments?"
    r"|about the author|source|sources|advertisement|print|email|subscribe|sign up|log ?in"
    r"|https?://\S+|www\.\S+"
    r"|your email address will not be published.*|required fields are marked.*",
    re.IGNORECASE,
)
_COPYRIGHT = re.compile(r"^(©|\(c\)\s|copyright\b)|all rights reserved", re.IGNORECASE)
# Scrapers keep ad-slot labels glued to the end of a paragraph: "...in the country. Advertisement".
_INLINE_AD = re.compile(r"(?<=[.!?\"”’'])\s+Advertisement$")
_COUNTER = re.compile(r"[\d.,]+\s*[kKmM]?(\s+(views?|shares?|comments?|reads?))?")
_CAPTION_LINE = re.compile(
    r"\bphoto(graph)?\s*(by|source|credit)s?\b|\bscreenshot of\b|\b(image|picture) credits?\b|\bfile photo\b"
    r"|/(EPA|AFP|AP|Reuters)(-EFE)?\b|\bGetty Images\b",
    re.IGNORECASE,
)
_BREADCRUMB_START = re.compile(r"home\b\s*(?P<rest>.*)", re.IGNORECASE)
_BREADCRUMB_SEPARATOR = re.compile(r"\s[›»>/|]\s")
_BULLET_LINE = re.compile(r"[-•*–]\s+(?P<text>\S.*)")
_BYLINE = re.compile(r"(?i:by|written by)\s+[A-Z]")  # the name itself must be capitalised
_NAME_TOKEN = re.compile(r"[A-Z][\w'’.-]*")
# "WASHINGTON: ..." or "NIAMEY — ...": a wire article's first paragraph.
_DATELINE = re.compile(r"(?P<place>[A-Z][A-Z.'’ -]{2,40}?)\s*(\([^)]{1,40}\))?\s*(:|—|–|--?)\s+\S")
_NOT_PLACES = {"BREAKING", "UPDATE", "UPDATED", "EXCLUSIVE", "WATCH", "LIVE", "OPINION", "ANALYSIS", "VIDEO"}
# Initialisms end with a full stop without ending a sentence: "... with U.S."
_INITIALISM_END = re.compile(r"(\b[A-Za-z]\.){2,}$")
_OPENING_QUOTES = "\"“‘'«"
_MAX_TITLE_WORDS = 30
_MAX_TITLE_CHARS = 200


@dataclass
class _Line:
    kind: str
    text: str


def _is_dateline(text: str) -> bool:
    match = _DATELINE.match(text)
    return bool(match) and match.group("place").strip(" .-").upper() not in _NOT_PLACES


def _is_title_shaped(text: str) -> bool:
    """Short, not a quotation, not ending like a sentence: the shape of a headline."""
    words = text.split()
    if not 3 <= len(words) <= _MAX_TITLE_WORDS or len(text) > _MAX_TITLE_CHARS:
        return False
    if text[0] in _OPENING_QUOTES or _is_dateline(text):
        return False
    if text.endswith((".", ",", ";", ":", ".”", '."', ".’")):
        return bool(_INITIALISM_END.search(text))
    return True


def _is_author(text: str) -> bool:
    words = text.split()
    if _BYLINE.match(text) and len(words) <= 6:
        return True
    # A bare name: two or three capitalised words and nothing else.
    return 2 <= len(words) <= 3 and all(_NAME_TOKEN.fullmatch(word) for word in words)


def _is_breadcrumb(text: str, others: set[str]) -> bool:
    """ "Home > News > ..." or "Home News <the page title>"."""
    match = _BREADCRUMB_START.match(text)
    if not match or not match.group("rest"):
        return False
    rest = match.group("rest")
    return bool(_BREADCRUMB_SEPARATOR.search(f" {rest}")) or any(
        other != text and len(other.split()) >= 3 and rest.endswith(other) for other in others
    )


def _classify(text: str, others: set[str]) -> _Line:
    words = text.split()
    if _RELATED_MARKER.fullmatch(text.rstrip(":")):
        return _Line(_RELATED, text)
    if _BOILERPLATE_LINE.fullmatch(text) or _COPYRIGHT.search(text):
        return _Line(_BOILERPLATE, text)
    if _COUNTER.fullmatch(text) or len(words) == 1:
        # View counters and run-together section labels ("NewsWorld").
        return _Line(_META, text)
    if _CAPTION_LINE.search(text):
        return _Line(_CAPTION, text)
    if _is_breadcrumb(text, others):
        return _Line(_BREADCRUMB, text)
    bullet = _BULLET_LINE.fullmatch(text)
    if bullet:
        return _Line(_BULLET, bullet.group("text"))
    if len(words) >= 5 and text.endswith(("...", "…")):
        return _Line(_TEASER, text)
    if _is_author(text):
        return _Line(_AUTHOR, text)
    if _is_title_shaped(text):
        return _Line(_TITLE, text)
    if len(words) >= 4:
        return _Line(_BODY, text)
    return _Line(_META, text)


def _classify_page(text: str) -> list[_Line]:
    stripped = [_INLINE_AD.sub("", line.strip()) for line in text.splitlines()]
    texts = [line for line in stripped if line]
    others = set(texts)
    return [_classify(line, others) for line in texts]


def _title_counts(lines: list[_Line]) -> Counter[str]:
    """How often each title is printed, counting a breadcrumb that ends with it."""
    counts = Counter(line.text for line in lines if line.kind == _TITLE)
    for line in lines:
        if line.kind == _BREADCRUMB:
            for title in list(counts):
                if line.text.endswith(title):
                    counts[title] += 1
    return counts


def _pick_headline(gap: list[_Line], counts: Counter[str]) -> str | None:
    """A title printed more than once is the page title; otherwise the first title wins."""
    titles = [line.text for line in gap if line.kind == _TITLE]
    for title in titles:
        if counts[title] > 1:
            return title
    return titles[0] if titles else None


def _dedupe(texts: list[str], exclude: str = "") -> list[str]:
    seen = {exclude}
    out = []
    for text in texts:
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


@dataclass
class _Draft:
    headline: str | None
    subheads: list[str]
    author: str | None
    paragraphs: list[str]


def _heading_before_body(gap: list[_Line], counts: Counter[str]) -> _Draft:
    """Headline, deck lines and byline printed above a body."""
    headline = _pick_headline(gap, counts)
    author = next((line.text for line in gap if line.kind == _AUTHOR), None)
    if headline is None:
        return _Draft(None, [], author, [])
    start = next(i for i, line in enumerate(gap) if line.text == headline)
    subheads = [line.text for line in gap[start + 1 :] if line.kind in (_TITLE, _BULLET)]
    return _Draft(headline, _dedupe(subheads, exclude=headline), author, [])


def _heading_after_body(draft: _Draft, gap: list[_Line], counts: Counter[str]) -> list[_Line]:
    """Fill a headless draft from the lines after its body; return the lines left for the next article.

    Some pages print the title (and a share box repeating it with a summary
    bullet) only after the text. Summary bullets that follow the title belong to
    it; the first other title after the title's last appearance starts the next article.
    """
    headline = _pick_headline(gap, counts)
    if headline is None:
        return gap
    last = max(i for i, line in enumerate(gap) if line.text == headline)
    rest = gap[last + 1 :]
    bullets = []
    while rest and rest[0].kind != _TITLE:
        if rest[0].kind == _BULLET:
            bullets.append(rest[0].text)
        rest = rest[1:]
    draft.headline = headline
    draft.subheads = _dedupe(bullets, exclude=headline)
    return rest


def _starts_new_article(gap: list[_Line], body: list[_Line]) -> bool:
    """A body after a gap is a new story only with a title plus a dateline or end-of-story boilerplate.

    Without that evidence, short titles between paragraphs are crossheads of the same story.
    """
    has_title = any(line.kind == _TITLE for line in gap)
    ended = any(line.kind == _BOILERPLATE for line in gap)
    return has_title and (ended or _is_dateline(body[0].text))


def _split_blocks(lines: list[_Line]) -> list[tuple[bool, list[_Line]]]:
    """Consecutive runs of ``(is_body, lines)``; teasers in the text count as body."""
    blocks: list[tuple[bool, list[_Line]]] = []
    for line in lines:
        is_body = line.kind in (_BODY, _TEASER)
        if blocks and blocks[-1][0] == is_body:
            blocks[-1][1].append(line)
        else:
            blocks.append((is_body, [line]))
    return blocks


def _drafts(lines: list[_Line], counts: Counter[str]) -> list[_Draft]:
    drafts: list[_Draft] = []
    pending: list[_Line] = []
    for is_body, block in _split_blocks(lines):
        if not is_body:
            if drafts and drafts[-1].headline is None:
                pending = _heading_after_body(drafts[-1], block, counts)
            else:
                pending = block
            continue
        if drafts and not _starts_new_article(pending, block):
            # Crosshead titles in between stay in the text they divide.
            drafts[-1].paragraphs += [line.text for line in pending if line.kind == _TITLE]
        else:
            drafts.append(_heading_before_body(pending, counts))
        drafts[-1].paragraphs += [line.text for line in block]
        pending = []
    if pending and not drafts:  # a page with titles and no text at all
        drafts.append(_heading_before_body(pending, counts))
    return [draft for draft in drafts if draft.headline is not None]


def _related_headlines(lines: list[_Line]) -> list[str]:
    """Related-link titles: the title right above each teaser, or every full title when there are no teasers."""
    teased = [
        line.text
        for line, following in zip(lines, lines[1:])
        if line.kind in (_TITLE, _BULLET) and following.kind == _TEASER
    ]
    if any(line.kind == _TEASER for line in lines):
        return _dedupe(teased)
    return _dedupe([line.text for line in lines if line.kind in (_TITLE, _BULLET) and len(line.text.split()) >= 4])


def parse_seed(text: str) -> SeedArticle:
    """Recover headline, sub-headlines, body and related headlines from one scraped page.

    Raises ``SeedParseError`` when the page holds nothing shaped like a headline.
    """
    lines = _classify_page(text)
    marker = next((i for i, line in enumerate(lines) if line.kind == _RELATED), len(lines))
    main, related = lines[:marker], lines[marker + 1 :]
    counts = _title_counts(main)
    drafts = _drafts(main, counts)
    if not drafts:
        raise SeedParseError("no headline found on the page")
    # The page's own story is the one whose title is printed more than once, else the first.
    primary = next((d for d in drafts if counts[d.headline] > 1), drafts[0])
    articles = [
        SeedArticle(
            headline=draft.headline,
            subheads=draft.subheads,
            body="\n\n".join(_dedupe(draft.paragraphs)),  # scrapers sometimes print the text twice
            author=draft.author,
        )
        for draft in drafts
    ]
    main_article = articles[drafts.index(primary)]
    main_article.related_headlines = _related_headlines(related)
    main_article.appended = [article for article in articles if article is not main_article]
    return main_article


def parse_seed_file(path: str | Path) -> SeedArticle:
    """``parse_seed`` on a UTF-8 file; errors name the file."""
    path = Path(path)
    try:
        return parse_seed(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, SeedParseError) as exc:
        raise SeedParseError(f"{path}: {exc}") from exc


def seed_files(seeds_dir: Path = SEEDS_DIR) -> list[Path]:
    """The raw seed pages, in name order."""
    return sorted(Path(seeds_dir).glob("*.txt"))


def read_labels(seeds_dir: Path = SEEDS_DIR) -> list[dict[str, Any]]:
    """The rows of ``labels.jsonl``, checked: known file and role, targets in [0, 1], non-empty text."""
    rows = []
    for where, row in jsonl_records(Path(seeds_dir) / LABELS_FILE):
        _check_label(row, where, Path(seeds_dir))
        rows.append(row)
    return rows


def _check_label(row: Any, where: str, seeds_dir: Path) -> None:
    if not isinstance(row, dict):
        raise SeedParseError(f"{where}: a row must be a JSON object")
    missing = {"file", "text", "clickbait", "bias", "role"} - row.keys()
    if missing:
        raise SeedParseError(f"{where}: missing fields {sorted(missing)}")
    if not isinstance(row["text"], str) or not row["text"].strip():
        raise SeedParseError(f"{where}: text must be a non-empty string")
    if row["role"] not in ROLES:
        raise SeedParseError(f"{where}: role {row['role']!r} is not one of {ROLES}")
    for head in ("clickbait", "bias"):
        value = row[head]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
            raise SeedParseError(f"{where}: {head} must be a number in [0, 1], not {value!r}")
    if not (seeds_dir / row["file"]).is_file():
        raise SeedParseError(f"{where}: seed file {row['file']!r} does not exist")


def load(seeds_dir: Path = SEEDS_DIR, weight: float = 1.0) -> Iterator[Row]:
    """Yield the hand-labelled seed headlines as training rows.

    Texts are yielded raw (assembly normalises); ``group`` is the normalised text so
    a headline printed on several pages never straddles a split.
    """
    for row in read_labels(seeds_dir):
        yield Row(
            text=row["text"],
            source=SOURCE,
            clickbait=float(row["clickbait"]),
            bias=float(row["bias"]),
            group=normalize(row["text"]),
            weight=weight,
        )
