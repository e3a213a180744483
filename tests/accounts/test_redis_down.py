"""With Redis down, earners still sign in; sessions never lived there."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.accounts.conftest import PASSWORD, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_down")]


def test_signing_in_works(client: Client, owner) -> None:
    response = sign_in(client, owner.email)

    assert response.status_code == 302
    assert client.get("/account/").status_code == 200


def test_failed_sign_ins_are_still_limited(client: Client, owner, settings) -> None:
    # allauth's counters live in the cache; while Redis is down each process counts alone,
    # which keeps the limit (per process) and locks nobody out because of the outage.
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/m/ip"}
    for _ in range(3):
        sign_in(client, owner.email, "wrong guess")

    response = sign_in(client, owner.email, PASSWORD)

    assert "Too many failed sign-in attempts" in response.content.decode()
    assert client.get("/account/").status_code == 302
