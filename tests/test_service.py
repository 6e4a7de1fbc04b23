"""The BentoML service through a real server on 127.0.0.1 with the tiny model."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys

import httpx
import pytest
from service_server import REPO

from service.settings import ConfigError, load_config

# Words that appear only in this module's requests, so the log check can look for them.
SECRET_WORDS = "Zanzibarquux Flumphtastic"


@pytest.fixture(scope="module")
def server(tiny_server):
    return tiny_server


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


def _score(client, headlines, explain=False):
    response = client.post("/score", json={"headlines": headlines, "explain": explain})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_results_have_the_shape_and_come_back_in_order(client, tiny_scorer):
    headlines = ["What Happens Next Will Shock You!", "Parliament passes budget after overnight session",
                 "17 Things Only Night Owls Will Understand"]
    results = _score(client, headlines)
    assert [r["text"] for r in results] == headlines
    expected = [score.to_dict() for score in tiny_scorer.score(headlines)]
    assert results == expected
    for result in results:
        assert set(result) == {"text", "clickbait", "bias", "labels", "model_version"}
        assert 0 <= result["clickbait"] <= 1 and 0 <= result["bias"] <= 1
        assert set(result["labels"]) == {"clickbait", "bias"}


def test_duplicates_and_repeats_get_identical_results(client):
    headlines = ["Oil prices fall as inventories rise", "Court upholds ruling", "Oil prices fall as inventories rise"]
    first = _score(client, headlines)
    assert first[0] == first[2]
    assert _score(client, headlines) == first  # the repeat is answered from the cache


def test_text_is_normalised_and_unusual_scripts_are_scored(client):
    headlines = ["Tom &amp; Jerry <b>return</b>", "مرحبا بالعالم", "🎉🎉 party time", "שלום עולם", "naïve “quotes”"]
    results = _score(client, headlines)
    assert [r["text"] for r in results] == ["Tom & Jerry return", "مرحبا بالعالم", "🎉🎉 party time", "שלום עולם",
                                            'naïve "quotes"']


def test_explain_spans_index_the_returned_text(client):
    headlines = ["You Won't Believe What This Dog Did At The Beach!", "Tom &amp; Jerry: 10 reasons you'll cry"]
    results = _score(client, headlines, explain=True)
    assert any(r["spans"] for r in results)
    for result in results:
        for span in result["spans"]:
            assert result["text"][span["start"] : span["end"]] == span["text"]
            assert set(span) == {"start", "end", "text", "head", "weight", "cue"}
    # Explaining does not change the scores.
    plain = _score(client, headlines)
    assert [{k: v for k, v in r.items() if k != "spans"} for r in results] == plain


@pytest.mark.parametrize(
    "body,message",
    [
        ({"headlines": ["x"] * 257}, "the limit is 256"),
        ({"headlines": ["x"] * 65, "explain": True}, "the limit is 64 per request with explain"),
        ({"headlines": ["x" * 2001]}, "the limit is 2000 characters"),
        ({"headlines": []}, "at least one headline"),
        ({"headlines": ["ok", "   \t "]}, "headline 1 is empty"),
        ({"headlines": ["&nbsp;<br>"]}, "headline 0 is empty"),
        ({"headlines": "one headline"}, "valid array"),
        ({"headlines": [1, 2]}, "valid string"),
        ({"headlines": [None]}, "valid string"),
        ({"headlines": ["ok"], "explain": "yes"}, "valid boolean"),
        ({"headlines": ["ok"], "explian": True}, "Extra inputs are not permitted"),
        ({}, "Field required"),
        ([], "object"),
        ("headline", "object"),
        (None, "object"),
    ],
)
def test_limits_and_types_get_a_400_naming_the_rule(client, body, message):
    response = client.post("/score", content=json.dumps(body), headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert message in response.json()["error"]  # the top-level message names the rule


@pytest.mark.parametrize(
    "content,content_type",
    [
        (b'{"headlines": ["unterminated', "application/json"),
        (b"\xff\xfe{\"headlines\": [\"\xff\"]}", "application/json"),
        (b"", "application/json"),
        (b"headlines=abc", "application/x-www-form-urlencoded"),
        (b"just text", "text/plain"),
        (b'{"headlines": ["a"]}' * 3, "application/json"),
        (b"[" * 5000, "application/json"),
        (b'{"headlines": ["a"]}', "multipart/form-data"),
    ],
)
def test_malformed_requests_never_get_a_5xx(client, content, content_type):
    response = client.post("/score", content=content, headers={"content-type": content_type})
    assert 400 <= response.status_code < 500


def test_get_model_describes_the_manifest(client, tiny_scorer):
    info = client.get("/model").json()
    manifest = tiny_scorer.manifest
    assert info["version"] == manifest.version
    assert info["labels"] == ["clickbait", "bias"]
    assert info["thresholds"] == manifest.thresholds
    assert info["calibration"] == {spec.name: spec.calibration for spec in manifest.heads}
    assert info["metrics"] == manifest.metrics
    assert info["check"] == {} and info["export"] == {}  # the tiny test model never ran either
    assert set(info["heads"]) == {"clickbait", "bias"}
    assert "readers would call the headline clickbait" in info["heads"]["clickbait"]["meaning"]


def test_a_model_without_a_passing_check_is_announced_loudly_at_start(server, client):
    client.get("/model")  # the server has started: its start-up output is in the log
    log = server.log()
    assert "WARNING: serving a model whose check did not pass" in log
    assert "model check: not run for" in log


def test_feedback_round_trips_through_export(client, server, tmp_path):
    response = client.post("/feedback", json={"text": "Parliament passes &amp; budget", "head": "bias", "score": 0,
                                              "comment": "neutral"})
    assert response.status_code == 200, response.text
    assert response.json()["stored"] is True
    out = tmp_path / "feedback.jsonl"
    db = server.log_path.parent / "feedback.sqlite3"
    subprocess.run([sys.executable, "-m", "model.cli", "feedback", "export", "--db", str(db), "--out", str(out)],
                   check=True, cwd=REPO)
    [row] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert (row["text"], row["head"], row["score"], row["comment"]) == ("Parliament passes & budget", "bias", 0.0,
                                                                        "neutral")
    assert row["model_version"] == client.get("/model").json()["version"]


@pytest.mark.parametrize(
    "body",
    [
        {"text": "a headline", "head": "sarcasm", "score": 1},
        {"text": "a headline", "head": "bias", "score": 1.5},
        {"text": "a headline", "head": "bias", "score": "high"},
        {"text": "a headline", "head": "bias", "score": True},
        {"text": "  ", "head": "bias", "score": 1},
        {"text": "a headline", "head": "bias", "score": 1, "comment": "x" * 2001},
    ],
)
def test_bad_feedback_is_rejected_and_not_stored(client, server, body):
    response = client.post("/feedback", json=body)
    assert response.status_code == 400
    db = server.log_path.parent / "feedback.sqlite3"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM feedback WHERE text = 'a headline'").fetchone()[0] == 0


def test_feedback_on_a_locked_database_answers_503_naming_the_problem(client, server):
    db = server.log_path.parent / "feedback.sqlite3"
    other_writer = sqlite3.connect(db, isolation_level=None)
    other_writer.execute("BEGIN EXCLUSIVE")
    try:
        response = client.post("/feedback", json={"text": "a locked headline", "head": "bias", "score": 0.5})
        scoring = client.post("/score", json={"headlines": ["Rates fall"]})
    finally:
        other_writer.execute("ROLLBACK")
        other_writer.close()
    assert response.status_code == 503, response.text
    assert "feedback database is locked" in response.json()["error"]
    assert scoring.status_code == 200
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM feedback WHERE text = 'a locked headline'").fetchone()[0] == 0


def _metric(client, name):
    match = re.search(rf"^{name} ([0-9.e+]+)$", client.get("/metrics").text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_metrics_count_headlines_and_cache_hits(client):
    before = {n: _metric(client, n) for n in ("headline_lens_headlines_scored_total",
                                              "headline_lens_cache_hits_total", "headline_lens_cache_misses_total")}
    _score(client, ["Metrics headline one", "Metrics headline two", "Metrics headline one"])
    _score(client, ["Metrics headline one"])
    assert _metric(client, "headline_lens_headlines_scored_total") - before["headline_lens_headlines_scored_total"] == 4
    assert _metric(client, "headline_lens_cache_misses_total") - before["headline_lens_cache_misses_total"] == 2
    assert _metric(client, "headline_lens_cache_hits_total") - before["headline_lens_cache_hits_total"] == 1


def test_health_endpoints(client):
    assert client.get("/livez").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_openapi_describes_every_endpoint_with_examples(client):
    spec = client.get("/docs.json").json()
    assert {"/score", "/feedback", "/model"} <= set(spec["paths"])
    assert "get" in spec["paths"]["/model"]
    schemas = spec["components"]["schemas"]
    for name in ("ScoreRequestIODescriptor", "ScoreResponseIODescriptor", "FeedbackRequestIODescriptor", "ModelInfo"):
        assert "example" in schemas[name], name


def test_openapi_states_the_real_rules(client):
    """The spec says what validation enforces, so a client built from it sends valid requests."""
    spec = client.get("/docs.json").json()
    for path in ("/score", "/feedback", "/score_feed"):
        assert spec["paths"][path]["post"]["requestBody"]["required"] is True, path
    headlines = spec["components"]["schemas"]["ScoreRequestIODescriptor"]["properties"]["headlines"]
    assert (headlines["minItems"], headlines["maxItems"], headlines["items"]["maxLength"]) == (1, 256, 2000)
    feedback = spec["components"]["schemas"]["FeedbackRequestIODescriptor"]["properties"]
    assert feedback["head"]["enum"] == ["clickbait", "bias"]


def test_validation_errors_keep_the_documented_shape(client):
    body = client.post("/score", json={"headlines": ["x"] * 257}).json()
    assert isinstance(body["detail"], str) and "the limit is 256" in body["detail"]


def test_cli_output_equals_http_output(client, tiny_artifact):
    headlines = ["What Happens Next Will Shock You!", "Tom &amp; Jerry return", "Court upholds ruling"]
    cli = subprocess.run(
        [sys.executable, "-m", "model.cli", "score", "--model", str(tiny_artifact), "--format", "jsonl", "--explain",
         *headlines],
        check=True, capture_output=True, text=True, cwd=REPO,
    )
    assert [json.loads(line) for line in cli.stdout.splitlines()] == _score(client, headlines, explain=True)


def test_concurrent_requests_are_all_answered(client, server):
    import asyncio

    async def burst():
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            calls = [http.post("/score", json={"headlines": [f"Concurrent headline {i}"]}) for i in range(60)]
            return await asyncio.gather(*calls)

    responses = asyncio.run(burst())
    assert [r.status_code for r in responses] == [200] * 60
    assert [r.json()["results"][0]["text"] for r in responses] == [f"Concurrent headline {i}" for i in range(60)]


def test_no_headline_text_in_the_server_log(client, server):
    _score(client, [SECRET_WORDS], explain=True)
    client.post("/score", json={"headlines": [SECRET_WORDS * 200]})  # a 400
    client.post("/score", json={"headlines": [SECRET_WORDS], "explain": "no"})  # a 400 naming the field
    client.post("/feedback", json={"text": SECRET_WORDS, "head": "bias", "score": 0.5})
    log = server.log()
    assert "/score" in log  # the access log is there, so the check is not vacuous
    for word in SECRET_WORDS.split():
        assert word not in log


def test_serving_never_imports_torch(tiny_artifact):
    code = "import sys, service.service; assert 'torch' not in sys.modules, 'torch imported'"
    env = {"HEADLINE_LENS_MODEL": str(tiny_artifact), "BENTOML_DO_NOT_TRACK": "true"}
    import os

    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, env={**os.environ, **env})


def test_config_reads_environment_over_file(tmp_path):
    config_file = tmp_path / "service.yaml"
    config_file.write_text("cache_size: 10\ncors_origins: [https://a.example]\nrate_limit_per_minute: 5\n")
    config = load_config({"HEADLINE_LENS_CONFIG": str(config_file), "HEADLINE_LENS_RATE_LIMIT": "0",
                          "HEADLINE_LENS_API_KEYS": "k1, k2,"})
    assert config.cache_size == 10
    assert config.cors_origins == ("https://a.example",)
    assert config.rate_limit_per_minute == 0
    assert config.api_keys == ("k1", "k2")
    assert "k1" not in repr(config)  # keys never reach logs through repr
    defaults = load_config({})
    assert (defaults.max_headlines, defaults.max_chars, defaults.cache_size) == (256, 2000, 50_000)
    assert defaults.cors_origins == () and defaults.api_keys == ()


@pytest.mark.parametrize(
    "environ,setting",
    [
        ({"HEADLINE_LENS_CACHE_SIZE": "many"}, "HEADLINE_LENS_CACHE_SIZE"),
        ({"HEADLINE_LENS_RATE_LIMIT": "-1"}, "HEADLINE_LENS_RATE_LIMIT"),
        ({"HEADLINE_LENS_FEED_TIMEOUT": "0"}, "HEADLINE_LENS_FEED_TIMEOUT"),
    ],
)
def test_bad_settings_name_the_variable(environ, setting):
    with pytest.raises(ConfigError, match=setting):
        load_config(environ)


def test_unknown_settings_in_the_file_are_refused(tmp_path):
    config_file = tmp_path / "service.yaml"
    config_file.write_text("cache_sise: 10\n")
    with pytest.raises(ConfigError, match="cache_sise"):
        load_config({"HEADLINE_LENS_CONFIG": str(config_file)})


def test_bento_build_pins_the_newest_stored_model(tiny_artifact, tmp_path):
    import os
    import shutil

    import yaml

    env = {**os.environ, "BENTOML_HOME": str(tmp_path / "store"), "BENTOML_DO_NOT_TRACK": "true"}
    env.pop("HEADLINE_LENS_MODEL", None)
    register = "import sys; from model.store import register; print(register(sys.argv[1]))"
    tag = subprocess.run([sys.executable, "-c", register, str(tiny_artifact)], env=env, check=True, cwd=REPO,
                         capture_output=True, text=True).stdout.strip()
    subprocess.run([sys.executable, "-m", "bentoml", "build"], env=env, check=True, cwd=REPO, capture_output=True,
                   timeout=300)
    [bento_yaml] = (tmp_path / "store" / "bentos" / "headline-lens").glob("*/bento.yaml")
    info = yaml.safe_load(bento_yaml.read_text())
    [model] = info["services"][0]["models"]
    assert model["tag"] == tag  # a version, not "latest"
    assert {(e["name"], e["value"]) for e in info["envs"]} >= {("BENTOML_DO_NOT_TRACK", "true")}
    shutil.rmtree(tmp_path / "store")


def _slow_scorer(scorer, calls: list[int]):
    import time

    def score(texts: list[str]):
        calls.append(len(texts))
        time.sleep(0.02)  # a model call that takes long enough for requests to pile up
        return scorer.score_normalized(texts)

    return score


def test_concurrent_requests_share_model_calls(tiny_scorer):
    import asyncio

    from service.batcher import Batcher

    calls: list[int] = []

    async def burst():
        batcher = Batcher(_slow_scorer(tiny_scorer, calls), max_latency_ms=10_000, max_batch_size=256)
        requests = [batcher([f"Headline {i}", f"Another headline {i}"]) for i in range(50)]
        return await asyncio.wait_for(asyncio.gather(*requests), timeout=60)

    results = asyncio.run(burst())
    assert [[r.text for r in pair] for pair in results] == [[f"Headline {i}", f"Another headline {i}"]
                                                            for i in range(50)]
    assert sum(calls) == 100
    assert len(calls) < 50  # requests were merged into shared model calls
    assert max(calls) <= 256


def test_overload_is_shed_with_a_503_not_a_hang(tiny_scorer):
    import asyncio

    from bentoml.exceptions import ServiceUnavailable

    from service.batcher import Batcher

    async def burst():
        batcher = Batcher(_slow_scorer(tiny_scorer, []), max_latency_ms=1, max_batch_size=2)
        requests = [batcher([f"Headline {i}"]) for i in range(100)]
        return await asyncio.wait_for(asyncio.gather(*requests, return_exceptions=True), timeout=60)

    outcomes = asyncio.run(burst())
    shed = [o for o in outcomes if isinstance(o, ServiceUnavailable)]
    assert shed and all(isinstance(o, (ServiceUnavailable, list)) for o in outcomes)
    assert ServiceUnavailable.error_code.value == 503


def test_a_lone_request_after_a_burst_goes_to_the_model_at_once(tiny_scorer):
    """A batcher that holds requests to fill batches learns long holds from a burst and then
    keeps a lone headline waiting (BentoML's CorkDispatcher did: 9 ms became ~130 ms). Its
    estimate refreshes at most every 5 s, so the burst lasts about 6 s."""
    import asyncio
    import time

    from service.batcher import Batcher

    slow = {"on": True}

    def score(texts: list[str]):
        if slow["on"]:
            time.sleep(0.1)  # burst calls: queued requests wait for seconds
        return tiny_scorer.score_normalized(texts)

    async def burst_then_lone():
        batcher = Batcher(score, max_latency_ms=60_000, max_batch_size=4)
        await asyncio.gather(*(batcher([f"Headline {i}"]) for i in range(240)))
        slow["on"] = False
        started = time.monotonic()
        [result] = await batcher(["A lone headline"])
        return result, time.monotonic() - started

    result, seconds = asyncio.run(burst_then_lone())
    assert result.text == "A lone headline"
    assert seconds < 0.3  # the burst's requests waited 0.1 to 6 s each


def test_a_failing_model_call_fails_its_requests_and_the_batcher_goes_on(tiny_scorer):
    import asyncio

    from service.batcher import Batcher

    def score(texts: list[str]):
        if any("boom" in text for text in texts):
            raise RuntimeError("model call failed")
        return tiny_scorer.score_normalized(texts)

    async def run():
        batcher = Batcher(score, max_latency_ms=10_000, max_batch_size=256)
        failed = await asyncio.gather(batcher(["boom"]), return_exceptions=True)
        return failed, await batcher(["Fine headline"])

    [failed], [after] = asyncio.run(run())
    assert isinstance(failed, RuntimeError) and after.text == "Fine headline"


def test_a_model_call_with_too_few_results_fails_its_requests_instead_of_hanging(tiny_scorer):
    import asyncio

    from service.batcher import Batcher

    async def run():
        batcher = Batcher(lambda texts: tiny_scorer.score_normalized(texts)[:-1], max_latency_ms=10_000,
                          max_batch_size=256)
        return await asyncio.wait_for(asyncio.gather(batcher(["One", "Two"]), return_exceptions=True), timeout=30)

    [outcome] = asyncio.run(run())
    assert isinstance(outcome, RuntimeError) and "1 results for 2 texts" in str(outcome)


def test_a_cancelled_request_is_not_scored(tiny_scorer):
    import asyncio

    from service.batcher import Batcher

    seen: list[str] = []

    def score(texts: list[str]):
        import time

        seen.extend(texts)
        time.sleep(0.05)
        return tiny_scorer.score_normalized(texts)

    async def run():
        batcher = Batcher(score, max_latency_ms=10_000, max_batch_size=1)
        first = asyncio.ensure_future(batcher(["First headline"]))
        gone = asyncio.ensure_future(batcher(["Client went away"]))
        await asyncio.sleep(0.01)
        gone.cancel()
        await first
        return await batcher(["Last headline"])

    [last] = asyncio.run(run())
    assert last.text == "Last headline"
    assert "Client went away" not in seen
