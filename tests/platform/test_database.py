"""A database connection killed under the app is replaced, not answered with a 500."""

from __future__ import annotations

import os
from collections.abc import Iterator

import environ
import psycopg
import pytest
from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

# CI runs the suite on PostgreSQL; on a developer machine the local server's maintenance
# database serves this test (it only reads).
POSTGRES_URL = os.environ.get(
    "SATCHEL_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


def _postgres_settings() -> dict:
    default = settings.DATABASES["default"]
    if default["ENGINE"].endswith("postgresql"):
        target = {k: default[k] for k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")}
    else:
        target = environ.Env.db_url_config(POSTGRES_URL)
    # The connection policy under test is the app's own.
    policy = {k: default[k] for k in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")}
    return {**target, **policy}


def _backend_pid(connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_connections_are_health_checked() -> None:
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.fixture
def postgres(django_db_blocker) -> Iterator[BaseDatabaseWrapper]:
    """A connection to PostgreSQL under the app's connection policy, as an alias of its own
    (django.contrib.postgres looks connections up by alias when they open)."""
    alias = "health_checked"
    configured = connections.configure_settings({"default": _postgres_settings()})
    connections.settings[alias] = configured["default"]
    try:
        with django_db_blocker.unblock():
            yield connections[alias]
            connections[alias].close()
    finally:
        del connections[alias]
        del connections.settings[alias]


def test_a_connection_killed_between_requests_is_replaced(postgres: BaseDatabaseWrapper) -> None:
    # One request opens a persistent connection and finishes.
    postgres.close_if_unusable_or_obsolete()
    first = _backend_pid(postgres)
    postgres.close_if_unusable_or_obsolete()
    # Between requests the server ends it (a failover, a restart, an idle timeout).
    with psycopg.connect(**postgres.get_connection_params(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [first])
    # The next request starts: it gets a working connection, not an error (and a 500).
    postgres.close_if_unusable_or_obsolete()
    assert _backend_pid(postgres) != first
