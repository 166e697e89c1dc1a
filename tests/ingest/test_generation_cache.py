"""The per-run cache stays bounded and keeps the entries in use."""

from __future__ import annotations

import pytest

from pasienis.ingest.cache import MISSING, GenerationCache


def test_bounded_whatever_is_stored() -> None:
    cache = GenerationCache(100)
    for i in range(10_000):
        cache.put(i, str(i))
        assert cache.size() <= 200
    assert cache[9_999] == "9999"
    assert cache[0] is MISSING
    assert not MISSING  # falsy, like an absent dict.get


def test_entries_in_use_survive_rotation() -> None:
    cache = GenerationCache(100)
    hot = list(range(20))
    for key in hot:
        cache.put(key, key)
    for i in range(100, 20_000):
        cache.put(i, i)  # a stream of one-off keys, 99 % of what is stored
        key = hot[i % len(hot)]
        assert cache[key] == key  # used within every generation: never lost
    assert cache[150] is MISSING  # one-off keys age out
    assert cache.size() <= 200


def test_old_hit_moves_back_and_forget() -> None:
    cache = GenerationCache(2)
    cache.put("a", None)  # None and False are values, not absence
    cache.put("b", False)  # full: a and b are now the old generation
    assert dict(cache) == {}
    assert cache.old == {"a": None, "b": False}
    assert cache["a"] is None
    assert "a" in cache
    cache.forget("b")
    assert cache["b"] is MISSING
    assert list(map(cache.__getitem__, ["a", "zz"])) == [None, MISSING]


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least one"):
        GenerationCache(0)
