"""The shared cache: Redis when it is configured, and never a reason for a page to fail.

Nothing Satchel keeps in the cache is the only copy of anything: fetched documents, the
record's filter lists, rate-limit counters, short locks. So when Redis cannot answer (down,
restarting, unreachable), each process carries on with a small cache of its own in memory:
reads start as misses, writes land in memory, and every limiter keeps counting, per process
instead of across them. The first failure is logged, and Redis is left alone for a few
seconds before it is tried again, so an outage costs one short timeout, not one per call.

What that means for each limiter while Redis is down (the README repeats it for operators):
- sign-in, sign-up and password-reset limits (allauth) count per process: with N processes,
  up to N times the configured rate gets through; nobody is locked out by the outage;
- a one-time code (TOTP) cannot be replayed within the process that accepted it;
- the share link's wrong-token counter counts per process (tokens carry 256 bits, so this
  limit slows guessing down; it was never what makes guessing futile);
- the employer page's "one re-check at a time" lock holds per process.
"""

from __future__ import annotations

import logging
import pickle
import time
from typing import Any

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

# Redis answers within a millisecond on a working network; a second means it will not.
SOCKET_TIMEOUT_SECONDS = 1.0
# After a failure, Redis is not tried again for this long (per process).
RETRY_AFTER_SECONDS = 5.0
# The stand-in keeps small values only: a fetched document can weigh megabytes.
FALLBACK_ENTRIES = 1000
FALLBACK_MAX_VALUE_BYTES = 64 * 1024


def redis_cache_settings(url: str) -> dict[str, Any]:
    """The CACHES entry for Redis at `url`."""
    return {
        "BACKEND": "config.cache.ResilientRedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "satchel",
        "OPTIONS": {
            "socket_connect_timeout": SOCKET_TIMEOUT_SECONDS,
            "socket_timeout": SOCKET_TIMEOUT_SECONDS,
        },
    }


class _SmallValues(LocMemCache):
    """A process-local cache that declines values too big to hold in every process."""

    def _small(self, value: Any) -> bool:
        return len(pickle.dumps(value, self.pickle_protocol)) <= FALLBACK_MAX_VALUE_BYTES

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        if not self._small(value):
            return False
        return super().add(key, value, timeout, version)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        if self._small(value):
            super().set(key, value, timeout, version)
        else:
            super().delete(key, version)


class _OneClientPerPool(RedisCacheClient):
    """Django's client makes a new redis.Redis, with its table of reply handlers, for every
    cache call (about 0.1 ms, as much as the round trip); one per connection pool serves them
    all (a redis-py client is safe to share across threads, and its pool across forks)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Both private to Django's RedisCacheClient (its own get_client uses them), not in stubs.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            self._clients[id(pool)] = client
        return client


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, standing in with process memory whenever Redis fails."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _OneClientPerPool
        self._fallback = _SmallValues(
            f"satchel-fallback-{id(self)}",
            {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": FALLBACK_ENTRIES}},
        )
        self._down_until = 0.0

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self._down_until and time.monotonic() < self._down_until:
            return getattr(self._fallback, name)(*args, **kwargs)
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except redis.RedisError as exc:
            if not self._down_until:
                logger.warning(
                    "cache: Redis failed (%s: %s); this process uses its own memory meanwhile",
                    type(exc).__name__,
                    exc,
                )
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            return getattr(self._fallback, name)(*args, **kwargs)
        if self._down_until:
            # What the stand-in held was for the outage only.
            logger.warning("cache: Redis answers again")
            self._down_until = 0.0
            self._fallback.clear()
        return result

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._call("add", key, value, timeout, version)

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._call("get", key, default, version)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._call("set", key, value, timeout, version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._call("touch", key, timeout, version)

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._call("delete", key, version)

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return self._call("get_many", keys, version)

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._call("has_key", key, version)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        return self._call("incr", key, delta, version)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list[Any]:
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._call("delete_many", keys, version)

    def clear(self) -> None:
        self._call("clear")
