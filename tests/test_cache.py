"""The score cache: LRU order, model-version keys, immutable shared entries, size bound."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from model.result import Score, Span
from service.cache import ScoreCache


def _result(text: str, version: str = "v1") -> Score:
    return Score(text=text, clickbait=0.5, bias=0.1, labels={"clickbait": True, "bias": False}, model_version=version)


def test_least_recently_used_entry_is_evicted():
    cache = ScoreCache(2)
    cache.put("v1", _result("a"))
    cache.put("v1", _result("b"))
    assert cache.get("v1", "a") is not None  # "a" is now the most recent
    cache.put("v1", _result("c"))
    assert cache.get("v1", "b") is None
    assert cache.get("v1", "a") is not None and cache.get("v1", "c") is not None
    assert len(cache) == 2


def test_another_model_version_misses():
    cache = ScoreCache(10)
    cache.put("v1", _result("a"))
    assert cache.get("v2", "a") is None
    assert cache.get("v1", "a").model_version == "v1"


def test_entries_are_immutable_and_spans_are_not_kept():
    cache = ScoreCache(10)
    labels = {"clickbait": True, "bias": False}
    stored = dataclasses.replace(_result("a"), labels=labels, spans=[Span(0, 1, "a", "clickbait", 0.2)])
    cache.put("v1", stored)
    labels["clickbait"] = False  # the caller's dict is not the score's
    first = cache.get("v1", "a")
    assert first.spans is None and first.labels["clickbait"] is True
    with pytest.raises(TypeError):
        first.labels["bias"] = True
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.clickbait = 0.0
    assert cache.get("v1", "a").labels["bias"] is False


def test_size_zero_disables_the_cache():
    cache = ScoreCache(0)
    cache.put("v1", _result("a"))
    assert cache.get("v1", "a") is None and len(cache) == 0


def test_concurrent_use_keeps_the_size_bound():
    cache = ScoreCache(50)

    wrong: list[str] = []

    def work(offset: int) -> None:
        for i in range(500):
            cache.put("v1", _result(str(offset + i)))
            got = cache.get("v1", str(offset + i // 2))
            if got is not None and got.text != str(offset + i // 2):
                wrong.append(got.text)

    threads = [threading.Thread(target=work, args=(k * 1000,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(cache) == 50
    assert not wrong, "a lookup returned another text's result"
