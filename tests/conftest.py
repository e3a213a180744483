"""Shared fixtures. Time is frozen where it matters; the network is a map."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache

from config.cache import redis_cache_settings
from config.celery import app as celery_app
from tests.support import fetchers
from wallet.verification.fetch import Fetcher


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Each test starts with an empty cache: cached pages, facets and rate-limit counters
    must not leak from one test's database into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _tasks_run_in_process(settings) -> None:
    """Tasks called by the code under test run in the test's process, even with REDIS_URL set.

    Only the real-worker tests (tests/platform/test_celery.py, test_worker.py) talk to a
    worker, through their own Celery client. Set on the Django settings the Celery app reads
    (a change to `app.conf` itself loses to them in Celery 5.6).
    """
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True


@pytest.fixture(autouse=True)
def _access_log_written_at_once(settings) -> None:
    """Access-log rows are written as each view happens, so a test reads them at once; the
    batching itself is tested in tests/sharing/test_access_log.py."""
    settings.SATCHEL_SHARE_LOG_BATCH_MS = 0


@pytest.fixture(autouse=True)
def _sweeps_unpaced(settings) -> None:
    """The re-check sweep goes as fast as it can, so no test waits on a real clock; pacing
    itself is tested with an injected clock in tests/wallet/test_reverify.py."""
    settings.SATCHEL_RECHECK_RATE = 0


@pytest.fixture(autouse=True)
def _production_fetcher(settings) -> None:
    """The app fetches through the production fetcher unless a test chooses another: the
    development environment file names the demo one, which the suite must not depend on."""
    settings.SATCHEL_FETCHER = "config.outbound.guarded_fetcher"


@pytest.fixture
def app_fetcher(settings) -> Iterator[Callable[[Callable[[], Fetcher]], None]]:
    """Choose the fetcher the app builds for this test, as a deployment would: through
    SATCHEL_FETCHER (`app_fetcher(lambda: issuer.fetcher)`)."""

    def choose(factory: Callable[[], Fetcher]) -> None:
        fetchers.install(factory)
        settings.SATCHEL_FETCHER = fetchers.INSTALLED

    yield choose
    fetchers.install(None)


def closed_loopback_url(scheme: str = "redis") -> str:
    """A URL on a loopback port nobody listens on: a service that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"{scheme}://127.0.0.1:{port}/0"


@pytest.fixture
def redis_down(settings) -> str:
    """The app's Redis cache, configured as in production, with Redis down."""
    url = closed_loopback_url()
    settings.CACHES = {"default": redis_cache_settings(url)}
    return url


@pytest.fixture
def broker_down(settings) -> Iterator[str]:
    """Tasks are sent to a real broker (not run in process), and that broker is down."""
    settings.CELERY_BROKER_URL = closed_loopback_url()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _forget_broker_connections()
    try:
        yield settings.CELERY_BROKER_URL
    finally:
        _forget_broker_connections()


def _forget_broker_connections() -> None:
    # The app keeps its producer pool for the broker it first used; the pools themselves stay
    # in kombu's registry (per URL), where the eager tests' in-memory one must stay open.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
