"""The cue taxonomy: every cue matches its documented examples, neutral wording matches none."""

from __future__ import annotations

import pytest

from model.cues import CUE_NAMES, CUES, cue_at, find_cues

EXAMPLES = {
    "curiosity_gap": "You Won't Believe What Happens Next",
    "second_person": "Why your phone battery dies",
    "hyperbole": "The most mind-blowing goal ever scored",
    "listicle_number": "17 Things Only Night Owls Understand",
    "urgency": "Breaking: read this before it's too late",
    "emotional_appeal": "Heartbreaking photos from the shelter",
    "loaded_term": "Senator slams radical regime over so-called reform",
}


def test_taxonomy_is_the_documented_one():
    assert set(CUE_NAMES) == set(EXAMPLES)
    module_doc = __import__("model.cues", fromlist=["__doc__"]).__doc__
    for cue in CUES:
        assert cue.name in module_doc, f"{cue.name} is not documented in model/cues.py"


@pytest.mark.parametrize("name,text", sorted(EXAMPLES.items()))
def test_each_cue_matches_its_example(name, text):
    assert name in {cue for _, _, cue in find_cues(text)}


@pytest.mark.parametrize(
    "text",
    ["Central bank holds interest rates steady at 4.5 percent", "Floods displace thousands in northern province"],
)
def test_neutral_headlines_match_no_cue(text):
    assert find_cues(text) == []


def test_matches_index_the_text():
    text = "Senator slams 10 reasons you will love"
    for start, end, _ in find_cues(text):
        assert 0 <= start < end <= len(text)
        assert text[start:end].strip()


def test_cue_at_prefers_taxonomy_order_and_needs_overlap():
    text = "You Won't Believe This"
    matches = find_cues(text)
    assert cue_at(matches, 0, 3) == "curiosity_gap"  # "You" is in both curiosity_gap and second_person
    assert cue_at(matches, 18, 22) is None  # "This" alone matches nothing
    assert cue_at(matches, 17, 18) is None  # the space after the matched phrase


def test_words_are_matched_whole():
    assert find_cues("Yourtown council meets") == []  # "your" inside a word is not second person
    assert find_cues("Nowhere to park near the stadium") == []  # nor is "now" inside "Nowhere"


def test_a_counted_list_matches_as_a_whole():
    text = "17 Things Only Night Owls Understand"
    assert (0, len("17 Things"), "listicle_number") in find_cues(text)


def test_a_bare_number_is_not_a_list():
    assert find_cues("5 dead in motorway crash") == []
