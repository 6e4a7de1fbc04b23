"""The score cache: LRU order, model-version keys, copies, hit ratio."""

from __future__ import annotations

import threading

from service.cache import ScoreCache


def _result(text: str, version: str = "v1") -> dict:
    return {"text": text, "clickbait": 0.5, "bias": 0.1, "labels": {"clickbait": True, "bias": False},
            "model_version": version}


def test_least_recently_used_entry_is_evicted():
    cache = ScoreCache(2)
    cache.put("v1", "a", _result("a"))
    cache.put("v1", "b", _result("b"))
    assert cache.get("v1", "a") is not None  # "a" is now the most recent
    cache.put("v1", "c", _result("c"))
    assert cache.get("v1", "b") is None
    assert cache.get("v1", "a") is not None and cache.get("v1", "c") is not None
    assert len(cache) == 2


def test_another_model_version_misses():
    cache = ScoreCache(10)
    cache.put("v1", "a", _result("a"))
    assert cache.get("v2", "a") is None
    assert cache.get("v1", "a")["model_version"] == "v1"


def test_callers_get_copies_and_spans_are_not_kept():
    cache = ScoreCache(10)
    stored = {**_result("a"), "spans": [{"start": 0}]}
    cache.put("v1", "a", stored)
    stored["labels"]["clickbait"] = False
    first = cache.get("v1", "a")
    assert "spans" not in first and first["labels"]["clickbait"] is True
    first["labels"]["bias"] = True
    assert cache.get("v1", "a")["labels"]["bias"] is False


def test_size_zero_disables_the_cache():
    cache = ScoreCache(0)
    cache.put("v1", "a", _result("a"))
    assert cache.get("v1", "a") is None and len(cache) == 0


def test_concurrent_use_keeps_the_size_bound():
    cache = ScoreCache(50)

    wrong: list[str] = []

    def work(offset: int) -> None:
        for i in range(500):
            cache.put("v1", str(offset + i), _result(str(offset + i)))
            got = cache.get("v1", str(offset + i // 2))
            if got is not None and got["text"] != str(offset + i // 2):
                wrong.append(got["text"])

    threads = [threading.Thread(target=work, args=(k * 1000,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(cache) == 50
    assert not wrong, "a lookup returned another text's result"
