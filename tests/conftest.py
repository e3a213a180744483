"""Shared fixtures. Time is frozen where it matters; the network is a map."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from config.cache import redis_cache_settings
from config.celery import app as celery_app


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Each test starts with an empty cache: cached pages, facets and rate-limit counters
    must not leak from one test's database into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _tasks_run_in_process() -> Iterator[None]:
    """Tasks called by the code under test run in the test's process, even with REDIS_URL set.

    Only tests/platform/test_celery.py talks to a real worker, through its own Celery client.
    """
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


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
def broker_down() -> Iterator[str]:
    """Tasks are sent to a real broker (not run in process), and that broker is down."""
    conf = celery_app.conf
    previous = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = closed_loopback_url(), False
    try:
        yield conf.broker_url
    finally:
        conf.broker_url, conf.task_always_eager = previous
        if celery_app._pool is not None:  # connections made to the dead broker
            celery_app._pool.force_close_all()
            celery_app._pool = None
        celery_app.amqp._producer_pool = None
