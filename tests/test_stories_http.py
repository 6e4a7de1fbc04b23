"""``POST /score_article`` and ``POST /compare`` on the real service (``bentoml serve``) with the tiny model."""

from __future__ import annotations

import httpx
import pytest
from service_server import running_service

from service.settings import ServiceConfig

LIMITS = ServiceConfig()  # the servers below run with the default limits
MAX_BODY_CHARS, MAX_CHARS, MAX_COMPARE_ARTICLES = LIMITS.max_body_chars, LIMITS.max_chars, LIMITS.max_compare_articles

BODY = "The council voted on Monday. The budget passed by one vote. Rail fares will rise."


@pytest.fixture(scope="module")
def server(tiny_server):
    return tiny_server


@pytest.fixture(scope="module")
def old_server(tiny_artifact, tmp_path_factory):
    from test_stories import _without_embedder

    old = _without_embedder(tiny_artifact, tmp_path_factory.mktemp("old") / "artifact")
    with running_service(old, tmp_path_factory.mktemp("svc-old")) as srv:
        yield srv


def post(server, path: str, payload) -> httpx.Response:
    return httpx.post(f"{server.url}{path}", json=payload, timeout=60)


def test_score_article_answers_headline_scores_incongruence_and_loaded_sentences(server):
    headline = "You Won't Believe What The Council Did Next"
    response = post(server, "/score_article", {"headline": headline, "body": BODY})
    assert response.status_code == 200, response.text
    answer = response.json()
    alone = post(server, "/score", {"headlines": [headline], "explain": True}).json()["results"][0]
    assert answer["headline"] == alone  # the headline's scores exactly as /score returns them
    assert 0 <= answer["incongruence"] <= 1 and answer["sentences"] == 3
    assert 0 <= answer["loaded_share"] <= 1
    assert [s["index"] for s in answer["most_loaded"]] and all("spans" in s for s in answer["most_loaded"])
    biases = [s["bias"] for s in answer["most_loaded"]]
    assert biases == sorted(biases, reverse=True)


def test_score_article_without_body_has_no_incongruence(server):
    answer = post(server, "/score_article", {"headline": "Council approves budget"}).json()
    assert answer["incongruence"] is None and answer["loaded_share"] is None and answer["most_loaded"] == []


@pytest.mark.parametrize("payload, message", [
    ({"headline": "   "}, "empty"),
    ({"headline": "x" * (MAX_CHARS + 1)}, "characters"),
    ({"headline": "ok", "body": "y. " * (MAX_BODY_CHARS // 3 + 1)}, "characters per body"),
    ({"headline": "ok", "body": 5}, "body"),
    ({"headline": "ok", "extra": 1}, "extra"),
    ({}, "headline"),
])
def test_score_article_rejects_bad_input_with_a_400(server, payload, message):
    response = post(server, "/score_article", payload)
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]


def _article(i: int, **extra) -> dict:
    return {"id": f"a{i}", "headline": "Council approves the city budget", "body": BODY, **extra}


def test_compare_groups_and_compares(server):
    articles = [_article(0, outlet="Calm", published="2024-04-19"), _article(1, outlet="Loud", published="2024-04-20"),
                _article(2, published="2024-06-01")]
    response = post(server, "/compare", {"articles": articles})
    assert response.status_code == 200, response.text
    found = response.json()["stories"]
    assert [s["articles"] for s in found] == [["a0", "a1"], ["a2"]]  # same text, but a2 is weeks later
    first = found[0]
    assert sorted(first["ranked_by_clickbait"]) == ["a0", "a1"] and sorted(first["ranked_by_bias"]) == ["a0", "a1"]
    assert {a["outlet"] for a in first["comparison"]} == {"Calm", "Loud"}
    assert len(first["shared_facts"]) == 3  # identical bodies report every fact
    assert first["unique_facts"] == []


@pytest.mark.parametrize("payload, message", [
    ({"articles": [_article(0)]}, "compare takes 2"),
    ({"articles": [_article(i) for i in range(MAX_COMPARE_ARTICLES + 1)]}, "compare takes 2"),
    ({"articles": [_article(0), _article(0)]}, "distinct"),
    ({"articles": [_article(0, published="last Tuesday"), _article(1)]}, "ISO 8601"),
    ({"articles": [_article(0, id=""), _article(1)]}, "id"),
    ({"articles": [_article(0, headline=""), _article(1)]}, "empty"),
    ({"articles": "nope"}, "articles"),
])
def test_compare_rejects_bad_input_with_a_400(server, payload, message):
    response = post(server, "/compare", payload)
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]


def test_a_model_without_embedder_keeps_scoring_and_names_what_to_do(old_server):
    assert post(old_server, "/score", {"headlines": ["Council approves budget"]}).status_code == 200
    for path, payload in (("/score_article", {"headline": "ok", "body": BODY}),
                          ("/compare", {"articles": [_article(0), _article(1)]})):
        response = post(old_server, path, payload)
        assert response.status_code == 501, response.text
        assert "add-embedder" in response.json()["error"]
