from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client, override_settings


@pytest.mark.django_db
@override_settings(REDIS_URL=None)
def test_it_reports_a_healthy_database_and_no_redis(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "not configured"}


@pytest.mark.django_db
@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_it_reports_an_unreachable_redis_as_degraded_but_serving(client: Client) -> None:
    # Pages keep serving without Redis: a load balancer must not pull the process for it.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["redis"].startswith("error")


@pytest.mark.django_db
def test_it_reports_a_broken_database_as_unhealthy(client: Client) -> None:
    with mock.patch("config.health.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error: OperationalError"


@pytest.mark.django_db
@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_probes_share_one_redis_client_per_process(client: Client) -> None:
    from config import health

    with mock.patch("redis.Redis.from_url", wraps=__import__("redis").Redis.from_url) as made:
        health._clients.clear()
        client.get("/healthz")
        client.get("/healthz")

    assert made.call_count == 1  # not a new client and connection pool for every probe
