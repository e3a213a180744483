"""The one bounded cache every in-process cache is made of."""

from __future__ import annotations

import threading

import pytest

from wallet.verification.caching import BoundedCache


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_it_never_holds_more_than_its_size_and_drops_the_least_recently_used() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    cache["a"] = 1
    cache["b"] = 2
    assert cache.get("a") == 1  # a is now the most recently used

    cache["c"] = 3

    assert "b" not in cache
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)


def test_storing_a_key_again_replaces_its_value_and_makes_it_the_most_recent() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    cache["a"] = 1
    cache["b"] = 2
    cache["a"] = 10

    cache["c"] = 3

    assert dict(cache.items()) == {"a": 10, "c": 3}


def test_asking_whether_a_key_is_there_does_not_count_as_a_use() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    cache["a"] = 1
    cache["b"] = 2
    assert "a" in cache

    cache["c"] = 3

    assert "a" not in cache and "b" in cache


def test_a_missing_key_gives_the_default_or_key_error() -> None:
    cache: BoundedCache[str, int | None] = BoundedCache(4)
    cache["none"] = None

    assert cache.get("absent") is None
    assert cache.get("absent", 7) == 7
    assert cache.get("none", 7) is None  # a stored None is a value, not a miss
    with pytest.raises(KeyError):
        cache["absent"]


def test_an_entry_lapses_after_its_seconds_on_the_callers_clock() -> None:
    clock = _Clock()
    cache: BoundedCache[tuple[str], bytes] = BoundedCache(4, seconds=60, clock=clock)
    cache[("a",)] = b"page a"

    clock.now += 59
    assert cache.get(("a",)) == b"page a"
    assert ("a",) in cache
    clock.now += 1
    assert ("a",) not in cache
    assert cache.get(("a",)) is None
    assert len(cache) == 0


def test_storing_again_starts_the_entrys_time_again() -> None:
    clock = _Clock()
    cache: BoundedCache[str, str] = BoundedCache(4, seconds=60, clock=clock)
    cache["a"] = "old"
    clock.now += 50
    cache["a"] = "new"
    clock.now += 50

    assert cache.get("a") == "new"


def test_entries_can_be_deleted_and_cleared() -> None:
    cache: BoundedCache[str, int] = BoundedCache(4)
    cache.update({"a": 1, "b": 2, "c": 3})
    del cache["a"]
    assert sorted(cache) == ["b", "c"]

    cache.clear()

    assert len(cache) == 0 and list(cache) == []


def test_an_unhashable_key_raises_type_error_as_with_a_dict() -> None:
    cache: BoundedCache[object, int] = BoundedCache(4)
    with pytest.raises(TypeError):
        cache.get(["a list"])
    with pytest.raises(TypeError):
        cache[["a list"]] = 1


@pytest.mark.parametrize(
    ("size", "seconds", "clock"),
    [(0, None, None), (4, 60, None), (4, None, _Clock())],
)
def test_it_refuses_a_size_below_one_or_seconds_without_a_clock(
    size: int, seconds: float | None, clock: _Clock | None
) -> None:
    with pytest.raises(ValueError):
        BoundedCache(size, seconds=seconds, clock=clock)


def test_threads_sharing_one_cache_never_push_it_past_its_size() -> None:
    cache: BoundedCache[int, int] = BoundedCache(16)
    seen_sizes: list[int] = []
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def work(offset: int) -> None:
        try:
            start.wait()
            for n in range(2_000):
                key = (n * 7 + offset) % 64
                cache[key] = n
                cache.get((key + 1) % 64)
                seen_sizes.append(len(cache))
        except BaseException as exc:  # reported by the main thread below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert max(seen_sizes) <= 16


def test_peek_reads_without_counting_a_use() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    cache["a"] = 1
    cache["b"] = 2
    assert cache.peek("a", None) == 1
    assert cache.peek("absent", "default") == "default"

    cache["c"] = 3

    assert "a" not in cache and "b" in cache
