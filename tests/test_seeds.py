"""The seed pages, their hand labels, the page parser and the training-row adapter."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from model.text import normalize
from training.sources.seeds import (
    SEEDS_DIR,
    SOURCE,
    SeedArticle,
    SeedParseError,
    load,
    parse_seed,
    parse_seed_file,
    read_labels,
    seed_files,
)
from training.sources.tables import SourceFormatError

LABELS = read_labels(SEEDS_DIR)
FILES = seed_files(SEEDS_DIR)


def _label_id(row: dict) -> str:
    return f"{row['file'][:3]}-{row['role']}-{row['text'][:30]}"


def _all_titles(article: SeedArticle) -> list[str]:
    return [
        title
        for part in article.articles()
        for title in (part.headline, *part.subheads, *part.related_headlines)
    ]


# --- the labelled seed pages ------------------------------------------------------------------


def test_every_seed_page_is_labelled_and_has_a_headline_row():
    assert len(FILES) == 5
    labelled = {row["file"] for row in LABELS if row["role"] == "headline"}
    assert labelled == {path.name for path in FILES}


@pytest.mark.parametrize("row", LABELS, ids=_label_id)
def test_labelled_text_is_in_its_unchanged_seed_file(row):
    raw = (SEEDS_DIR / row["file"]).read_bytes()
    # The labels were written against these exact bytes.
    assert hashlib.sha256(raw).hexdigest() == row["sha256"]
    lines = {normalize(line).lstrip("-•* ") for line in raw.decode("utf-8").splitlines()}
    assert normalize(row["text"]) in lines


def test_the_sensational_headline_is_labelled_clickbait_and_wire_headlines_are_not():
    by_text = {normalize(row["text"]): row for row in LABELS}
    shock = by_text["Breaking: US Troops Withdraw from Niger \u2013 What Happens Next Will Shock You!"]
    assert shock["clickbait"] == 1.0
    assert by_text["U.S. to end military presence in Niger"]["clickbait"] == 0.0


# --- the parser on the real pages ---------------------------------------------------------


@pytest.mark.parametrize("row", LABELS, ids=_label_id)
def test_parser_recovers_each_labelled_headline_in_its_role(row):
    article = parse_seed_file(SEEDS_DIR / row["file"]).articles()[row.get("article", 0)]
    text = normalize(row["text"])
    if row["role"] == "headline":
        assert normalize(article.headline) == text
    elif row["role"] == "subhead":
        assert text in [normalize(s) for s in article.subheads]
    else:
        assert text in [normalize(r) for r in article.related_headlines]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:3])
def test_parser_finds_nothing_that_is_not_a_labelled_headline(path):
    # Boilerplate, breadcrumbs, bylines, captions and section labels never come out as titles.
    labelled = {normalize(row["text"]) for row in LABELS if row["file"] == path.name}
    found = {normalize(title) for title in _all_titles(parse_seed_file(path))}
    assert found == labelled


BOILERPLATE = ("Short Url", "https://", "Leave A Reply", "Your email address", "\u00a9", "All Rights Reserved",
               "Related Articles", "About The Author", "Home News", "Photo Source", "Photo by", "Advertisement")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:3])
def test_boilerplate_stays_out_of_headlines_and_body(path):
    article = parse_seed_file(path)
    for part in article.articles():
        for marker in BOILERPLATE:
            assert all(marker not in title for title in _all_titles(part))
            assert marker not in part.body
        assert part.headline not in ("Source", "NewsWorld", "428", "0")


def test_byline_is_taken_as_author_not_headline():
    article = parse_seed_file(SEEDS_DIR / "004_41ba5d63a9538e46.txt")
    assert article.author == "Layla Al-Khalifa"
    assert article.headline.startswith("Breaking:")


def test_appended_article_in_000_is_split_off():
    article = parse_seed_file(SEEDS_DIR / "000_ce35a20acf327f5d.txt")
    assert article.headline == "Russian troops enter base housing US military in Niger, US official says"
    assert [a.headline for a in article.appended] == ["Pardoned Honduran ex-president praises Trump"]
    appended = article.appended[0]
    assert article.body.startswith("WASHINGTON: Russian military personnel")
    assert "Honduras" not in article.body
    assert appended.body.startswith("WASHINGTON: The recently freed former president of Honduras")
    assert "Niger" not in appended.body
    # The scraper printed the second story twice; the body keeps each paragraph once.
    paragraphs = appended.body.split("\n\n")
    assert len(paragraphs) == len(set(paragraphs)) == 15


def test_to_dict_has_the_documented_keys():
    data = parse_seed_file(SEEDS_DIR / "000_ce35a20acf327f5d.txt").to_dict()
    assert {"headline", "subheads", "body", "related_headlines"} <= data.keys()
    assert data["appended"][0]["headline"] == "Pardoned Honduran ex-president praises Trump"
    json.dumps(data)


# --- the parser on small synthetic pages ------------------------------------------------------

BODY = [
    "Officials confirmed on Monday that the bridge will close for repairs next month.",
    "The work is expected to take six weeks and will cost about $4 million, the council said.",
]


def _page(*lines: str) -> str:
    return "\n\n".join(lines) + "\n"


def test_breadcrumb_counter_caption_and_repeated_title():
    title = "City Council Votes to Close River Bridge for Repairs"
    article = parse_seed(
        _page(f"Home News {title}", "LocalNews", title, "1,204", "Traffic on the bridge. Photo by Jo Bloggs",
              title, *BODY)
    )
    assert article.headline == title
    assert article.subheads == []
    assert article.body.split("\n\n") == BODY


def test_title_printed_twice_beats_an_earlier_one_off_title():
    title = "Bridge to close for six weeks of repairs"
    article = parse_seed(_page("Weather warning issued for the coast tonight", title, "1,204", title, *BODY))
    assert article.headline == title
    assert article.subheads == []


def test_breadcrumb_with_separators_is_not_a_headline():
    article = parse_seed(_page("Home > Local > Transport", "Bridge to close for six weeks of repairs", *BODY))
    assert article.headline == "Bridge to close for six weeks of repairs"


def test_byline_and_deck_above_the_body():
    article = parse_seed(
        _page("By Jane Doe", "You Won't Believe Which Bridge Is Closing Next", "River bridge to shut for repairs", *BODY)
    )
    assert article.author == "By Jane Doe"
    assert article.headline == "You Won't Believe Which Bridge Is Closing Next"
    assert article.subheads == ["River bridge to shut for repairs"]


def test_comment_form_copyright_and_inline_ads_are_dropped():
    article = parse_seed(
        _page("Bridge to close for repairs", BODY[0] + " Advertisement", BODY[1], "Source", "Leave A Reply",
              "Your email address will not be published.", "\u00a9 2024 Example Media Ltd. All rights reserved.")
    )
    assert article.headline == "Bridge to close for repairs"
    assert article.body.split("\n\n") == BODY
    assert article.appended == []


def test_title_after_the_body_and_an_appended_story():
    title = "Bridge to close for repairs, council says"
    other = "Storm knocks out power across the coast"
    article = parse_seed(
        _page(f"LONDON: {BODY[0]}", BODY[1], title, "Short Url", "https://example.com/x", title,
              "- The work will take six weeks", other,
              "BRIGHTON (Reuters) \u2014 A storm cut power to thousands of homes overnight, the utility said.",
              "Crews expect to restore supply by Wednesday evening at the latest.")
    )
    assert article.headline == title
    assert article.subheads == ["The work will take six weeks"]
    assert [a.headline for a in article.appended] == [other]
    assert "storm" not in article.body
    assert article.appended[0].body.startswith("BRIGHTON")


def test_crosshead_without_story_break_stays_in_the_same_article():
    article = parse_seed(_page("Bridge to close for repairs", BODY[0], "What drivers should do now", BODY[1]))
    assert article.appended == []
    assert article.body.split("\n\n") == [BODY[0], "What drivers should do now", BODY[1]]


def test_related_links_with_and_without_teasers():
    with_teasers = parse_seed(
        _page("Bridge to close for repairs", *BODY, "Related Articles", "Bridge Photo", "LocalNews",
              "Rail line reopens after three months of engineering works",
              "Passengers returned to the line on Sunday after a long...")
    )
    assert with_teasers.related_headlines == ["Rail line reopens after three months of engineering works"]
    plain = parse_seed(_page("Bridge to close for repairs", *BODY, "More stories", "Rail line reopens after works",
                             "Mayor opens new cycle lane in city centre"))
    assert plain.related_headlines == ["Rail line reopens after works", "Mayor opens new cycle lane in city centre"]


def test_initialism_at_the_end_of_a_title_is_not_a_sentence_end():
    article = parse_seed(_page("Talks Stall Between Niger and the U.S.", *BODY))
    assert article.headline == "Talks Stall Between Niger and the U.S."


@pytest.mark.parametrize("text", ["", "\n\n", _page(*BODY), _page("Short Url", "Leave A Reply")])
def test_page_without_a_headline_is_a_clear_error(text):
    with pytest.raises(SeedParseError, match="no headline"):
        parse_seed(text)


def test_undecodable_file_error_names_the_file(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Bridge \xff closes\n")
    with pytest.raises(SeedParseError, match="bad.txt"):
        parse_seed_file(bad)


# --- the training-row adapter -------------------------------------------------------------


def test_load_yields_one_row_per_label():
    rows = list(load())
    assert len(rows) == len(LABELS)
    for row, label in zip(rows, LABELS):
        assert row.text == label["text"]
        assert row.source == SOURCE
        assert (row.clickbait, row.bias) == (label["clickbait"], label["bias"])
        assert row.group == normalize(label["text"])
        assert row.weight == 1.0
    assert {row.weight for row in load(weight=3.0)} == {3.0}


def _write_seeds(tmp_path: Path, *rows: str) -> Path:
    (tmp_path / "a.txt").write_text(_page("Bridge to close for repairs", *BODY), encoding="utf-8")
    (tmp_path / "labels.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path


def test_load_reads_another_directory(tmp_path):
    row = {"file": "a.txt", "role": "headline", "text": "Bridge  to close for repairs", "clickbait": 0, "bias": 0.5}
    (loaded,) = load(_write_seeds(tmp_path, json.dumps(row)), weight=2.0)
    assert (loaded.clickbait, loaded.bias, loaded.weight) == (0.0, 0.5, 2.0)
    assert loaded.group == "Bridge to close for repairs"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "JSON object"),
        ('{"file": "a.txt", "role": "headline", "text": "x"}', "missing fields"),
        ('{"file": "a.txt", "role": "title", "text": "x", "clickbait": 0, "bias": 0}', "role"),
        ('{"file": "a.txt", "role": "headline", "text": "x", "clickbait": 1.5, "bias": 0}', "clickbait"),
        ('{"file": "a.txt", "role": "headline", "text": "x", "clickbait": 0, "bias": true}', "bias"),
        ('{"file": "a.txt", "role": "headline", "text": " ", "clickbait": 0, "bias": 0}', "text"),
        ('{"file": "b.txt", "role": "headline", "text": "x", "clickbait": 0, "bias": 0}', "does not exist"),
    ],
)
def test_bad_label_rows_are_clear_errors_with_line_numbers(tmp_path, line, message):
    with pytest.raises(SourceFormatError, match=message) as info:
        list(load(_write_seeds(tmp_path, "", line)))
    assert "labels.jsonl:2" in str(info.value)


def test_missing_labels_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="labels.jsonl"):
        list(load(tmp_path))
