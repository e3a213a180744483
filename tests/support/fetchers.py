"""Tests choose the app's fetcher the way a deployment does: through SATCHEL_FETCHER.

The `app_fetcher` fixture (tests/conftest.py) installs a factory here and points the setting
at `installed_fetcher`, which calls it.
"""

from __future__ import annotations

from collections.abc import Callable

from wallet.verification.fetch import Fetcher

INSTALLED = "tests.support.fetchers.installed_fetcher"
_factory: list[Callable[[], Fetcher]] = []


def install(factory: Callable[[], Fetcher] | None) -> None:
    _factory[:] = [factory] if factory is not None else []


def installed_fetcher() -> Fetcher:
    if not _factory:
        raise AssertionError("SATCHEL_FETCHER names the test fetcher, but none is installed")
    return _factory[0]()
