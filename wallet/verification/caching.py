"""The one bounded in-memory cache: every cache the code keeps in a process is one of these.

Pure library (no Django, no clock of its own). A cache holds at most `size` entries and drops
the least recently used first, so a process that meets endless new keys (documents, links,
contexts written inline) keeps a fixed amount of memory. With `seconds`, an entry also lapses
that long after it was stored, on the `clock` the caller passes (`time.monotonic` in the app,
a fake one in tests). Threads of a worker share a cache safely: writes and lapsing entries
take the cache's lock; plain reads are single atomic steps of the underlying OrderedDict.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, MutableMapping
from typing import Generic, TypeVar, overload

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")

_MISSING = object()


class BoundedCache(MutableMapping[K, V], Generic[K, V]):
    """At most `size` entries, least recently used out first; with `seconds`, each entry
    lapses that long after it was stored, as `clock` tells. Thread-safe.

    `get` and `cache[key]` count as a use; `key in cache` and `peek` do not. A key that
    cannot be hashed raises TypeError, as with a dict.
    """

    def __init__(
        self,
        size: int,
        *,
        seconds: float | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if size < 1:
            raise ValueError(f"A bounded cache holds at least one entry, not {size}.")
        if (seconds is None) != (clock is None):
            raise ValueError("A cache whose entries lapse needs both `seconds` and `clock`.")
        self.size = size
        self.seconds = seconds
        self.clock = clock
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lapse_at: dict[K, float] = {}
        self._lock = threading.Lock()
        # `peek(key, default)`: the stored value without counting a use or checking lapse
        # times, as one C call; for the hottest lookups, in caches without `seconds`.
        self.peek: Callable[[K, object], object] = self._entries.get

    @overload
    def get(self, key: K) -> V | None: ...

    @overload
    def get(self, key: K, default: D) -> V | D: ...

    def get(self, key: K, default: object = None) -> object:
        # Reads take no lock: a lookup and a move to the end are each one atomic step of the
        # C OrderedDict (an entry a writer drops in between is simply not moved); a lock
        # would cost more than the lookup.
        entries = self._entries
        value = entries.get(key, _MISSING)
        if value is _MISSING:
            return default
        if self.clock is not None:
            return self._get_lapsing(key, default)
        # A writer may have dropped the entry since the lookup: the value read still stands.
        with contextlib.suppress(KeyError):
            entries.move_to_end(key)
        return value

    def _get_lapsing(self, key: K, default: object) -> object:
        with self._lock:
            value = self._entries.get(key, _MISSING)
            if value is _MISSING:
                return default
            if self._lapse_at[key] <= self.clock():  # type: ignore[misc]
                del self._entries[key], self._lapse_at[key]
                return default
            self._entries.move_to_end(key)
            return value

    def __getitem__(self, key: K) -> V:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value  # type: ignore[return-value]

    def __setitem__(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            if self.clock is not None and self.seconds is not None:
                self._lapse_at[key] = self.clock() + self.seconds
            while len(self._entries) > self.size:
                oldest, _ = self._entries.popitem(last=False)
                self._lapse_at.pop(oldest, None)

    def __delitem__(self, key: K) -> None:
        with self._lock:
            del self._entries[key]
            self._lapse_at.pop(key, None)

    def __contains__(self, key: object) -> bool:
        if self.clock is None:
            return key in self._entries
        with self._lock:
            return key in self._entries and self._lapse_at[key] > self.clock()  # type: ignore[index]

    def __iter__(self) -> Iterator[K]:
        with self._lock:
            return iter(list(self._entries))

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()  # the same object: `peek` stays bound to it
            self._lapse_at.clear()


__all__ = ["BoundedCache"]
