"""The client's address: REMOTE_ADDR, or the entry our own proxies vouch for in
X-Forwarded-For, never one the client wrote itself."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import RequestFactory

from config.clients import client_address
from tests.platform.test_settings import manage, production_env


def _request(remote: str = "10.0.0.2", forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_with_no_trusted_proxy_it_is_the_peer_whatever_the_header_says(settings):
    settings.SATCHEL_TRUSTED_PROXY_COUNT = 0

    assert client_address(_request("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.1", "203.0.113.1"),
        (1, "192.0.2.99, 203.0.113.1", "203.0.113.1"),  # the client wrote the first entry
        (2, "192.0.2.99, 203.0.113.1, 10.0.0.1", "203.0.113.1"),
        (1, " 2001:DB8::1 ", "2001:db8::1"),
        (1, "[2001:db8::1]:4711", "2001:db8::1"),
        (1, "203.0.113.1:4711", "203.0.113.1"),
    ],
)
def test_behind_trusted_proxies_it_is_the_entry_the_nearest_of_them_wrote(
    settings, count, forwarded, expected
):
    settings.SATCHEL_TRUSTED_PROXY_COUNT = count

    assert client_address(_request(forwarded=forwarded)) == expected


@pytest.mark.parametrize("forwarded", [None, "", "not-an-address", "203.0.113.1"])
def test_a_header_that_did_not_come_through_every_proxy_is_not_believed(settings, forwarded):
    settings.SATCHEL_TRUSTED_PROXY_COUNT = 2

    assert client_address(_request("10.0.0.2", forwarded)) == "10.0.0.2"


def test_sign_in_limits_and_api_throttles_count_proxies_the_same_way():
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == settings.SATCHEL_TRUSTED_PROXY_COUNT
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.SATCHEL_TRUSTED_PROXY_COUNT


@pytest.mark.parametrize("value", ["two", "-1"])
def test_a_bad_proxy_count_stops_start_up(value):
    result = manage("check", env=production_env(SATCHEL_TRUSTED_PROXY_COUNT=value))

    assert result.returncode == 2
    assert "Setting SATCHEL_TRUSTED_PROXY_COUNT:" in result.stderr.strip().splitlines()[0]


def test_api_throttles_ignore_a_forwarded_for_no_proxy_of_ours_wrote(settings):
    from rest_framework.throttling import AnonRateThrottle

    request = _request("198.51.100.7", "203.0.113.1")

    assert AnonRateThrottle().get_ident(request) == "198.51.100.7"


@pytest.mark.django_db
def test_sign_in_limits_read_the_same_client_address_and_never_fail_on_a_short_header(
    client, settings
):
    settings.SATCHEL_TRUSTED_PROXY_COUNT = 2
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2

    response = client.post(
        "/accounts/login/",
        {"login": "someone@example.org", "password": "wrong-password"},
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )

    assert response.status_code == 200  # the form again, not a 500
