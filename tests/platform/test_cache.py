"""The Redis cache never takes a page down: failures are misses, limits keep counting per
process, an unresponsive Redis costs one short timeout, and a recovered one is used again."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache.backends.redis import RedisCache

from config import cache as resilient
from config.cache import ResilientRedisCache, redis_cache_settings
from tests.conftest import closed_loopback_url


def _cache(url: str) -> ResilientRedisCache:
    params = redis_cache_settings(url)
    return ResilientRedisCache(url, {"KEY_PREFIX": params["KEY_PREFIX"], **params})


@pytest.fixture
def down() -> ResilientRedisCache:
    return _cache(closed_loopback_url())


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """A port that accepts connections and never answers (a hung or overloaded Redis)."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=8)
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    listener.close()


def test_a_failure_is_a_miss_and_writes_land_in_process_memory(down: ResilientRedisCache) -> None:
    assert down.get("k", "default") == "default"
    assert down.add("lock", 1, timeout=60) is True
    assert down.add("lock", 1, timeout=60) is False
    down.set("counter", 1)
    assert down.incr("counter") == 2
    assert down.get("counter") == 2


def test_big_values_are_not_kept_in_every_process(down: ResilientRedisCache) -> None:
    down.set("document", b"x" * (resilient.FALLBACK_MAX_VALUE_BYTES + 1))
    down.set("small", b"x" * 100)

    assert down.get("document") is None
    assert down.get("small") == b"x" * 100


def test_an_unresponsive_redis_is_given_up_on_within_its_timeout(silent_redis: str) -> None:
    cache = _cache(silent_redis)
    answers: list[Any] = []
    worker = threading.Thread(target=lambda: answers.append(cache.get("k", "miss")), daemon=True)

    worker.start()
    worker.join(timeout=10 * resilient.SOCKET_TIMEOUT_SECONDS)

    assert answers == ["miss"], "a cache read waited on a silent Redis past its socket timeout"


def test_redis_is_left_alone_for_a_while_after_failing_then_used_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(resilient.time, "monotonic", lambda: clock[0])
    calls: list[str] = []
    redis_up = [False]

    def redis_get(self: RedisCache, key: str, default: Any = None, version: Any = None) -> Any:
        calls.append(key)
        if not redis_up[0]:
            raise resilient.redis.ConnectionError("refused")
        return f"from redis: {key}"

    monkeypatch.setattr(RedisCache, "get", redis_get)
    monkeypatch.setattr(RedisCache, "set", lambda self, *args, **kwargs: None)
    cache = _cache("redis://127.0.0.1:1/0")

    assert cache.get("a") is None
    cache.set("b", "kept while down")
    assert cache.get("b") == "kept while down"
    assert calls == ["a"]  # one attempt, then process memory only

    clock[0] += resilient.RETRY_AFTER_SECONDS + 0.1
    redis_up[0] = True
    assert cache.get("b") == "from redis: b"
    assert calls == ["a", "b"]
    # What was kept during the outage is gone: it must not resurface at the next one.
    redis_up[0] = False
    assert cache.get("b") is None


def test_every_call_through_one_pool_uses_one_redis_client() -> None:
    cache = _cache(closed_loopback_url())
    client = cache._cache

    first = client.get_client(write=True)

    assert client.get_client(write=True) is first  # not a new client per cache call
    assert client.get_client(write=False).connection_pool is first.connection_pool
