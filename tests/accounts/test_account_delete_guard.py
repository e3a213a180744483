"""Deleting an account is not a password oracle: attempts are limited per account, and an
account with two-factor sign-in needs its second factor too, on the page and in the API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from rest_framework.test import APIClient

from accounts.models import User
from tests.accounts.conftest import PASSWORD, make_user, sign_in
from tests.accounts.test_mfa import SECRET, a_wrong_code, totp_code

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
API = "/api/account/delete/"
PAGE = "/account/delete/"


@pytest.fixture
def api(owner) -> APIClient:
    client = APIClient()
    client.force_authenticate(owner)
    return client


@pytest.fixture
def owner_with_totp(owner) -> User:
    TOTP.activate(owner, SECRET)
    return owner


def test_the_api_stops_answering_password_guesses(api, owner):
    for _ in range(5):
        assert api.post(API, {"password": "guess"}, format="json").status_code == 400

    response = api.post(API, {"password": PASSWORD}, format="json")

    assert response.status_code == 429
    assert "Too many attempts" in response.json()["detail"]
    assert User.objects.filter(pk=owner.pk).exists()


def test_the_page_stops_answering_password_guesses(owner_client, owner):
    for _ in range(5):
        owner_client.post(PAGE, {"password": "guess"})

    response = owner_client.post(PAGE, {"password": PASSWORD})

    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    assert User.objects.filter(pk=owner.pk).exists()


def test_the_limit_is_per_account(api, owner, stranger):
    for _ in range(5):
        api.post(API, {"password": "guess"}, format="json")
    theirs = APIClient()
    theirs.force_authenticate(stranger)

    assert theirs.post(API, {"password": PASSWORD}, format="json").status_code == 204


def test_with_two_factor_on_the_password_alone_deletes_nothing(api, owner_with_totp):
    response = api.post(API, {"password": PASSWORD}, format="json")

    assert response.status_code == 400
    assert "authenticator app" in response.json()["code"][0]
    assert User.objects.filter(pk=owner_with_totp.pk).exists()
    assert api.get("/api/account/").json()["second_factor_required"] is True


def test_with_two_factor_on_the_api_deletes_after_password_and_code(api, owner_with_totp):
    with time_machine.travel(T0, tick=False):
        response = api.post(
            API, {"password": PASSWORD, "code": totp_code(SECRET, T0)}, format="json"
        )

    assert response.status_code == 204
    assert not User.objects.filter(pk=owner_with_totp.pk).exists()


def test_a_recovery_code_is_a_second_factor_too(api, owner_with_totp):
    code = RecoveryCodes.activate(owner_with_totp).get_unused_codes()[0]

    response = api.post(API, {"password": PASSWORD, "code": code}, format="json")

    assert response.status_code == 204


def test_a_wrong_password_and_a_wrong_code_get_the_same_answer(api, owner_with_totp):
    with time_machine.travel(T0, tick=False):
        right_code = totp_code(SECRET, T0)
        wrong_password = api.post(API, {"password": "guess", "code": right_code}, format="json")
        wrong_code = api.post(
            API, {"password": PASSWORD, "code": a_wrong_code(SECRET, T0)}, format="json"
        )

    assert wrong_password.status_code == wrong_code.status_code == 400
    assert wrong_password.json() == wrong_code.json()
    assert User.objects.filter(pk=owner_with_totp.pk).exists()


def test_a_wrong_password_does_not_use_up_a_recovery_code(api, owner_with_totp):
    codes = RecoveryCodes.activate(owner_with_totp)
    code = codes.get_unused_codes()[0]

    api.post(API, {"password": "guess", "code": code}, format="json")

    assert api.post(API, {"password": PASSWORD, "code": code}, format="json").status_code == 204


def test_with_two_factor_on_the_page_asks_for_the_code(client, owner_with_totp):
    with time_machine.travel(T0, tick=False):
        sign_in(client, owner_with_totp.email)
        client.post("/accounts/2fa/authenticate/", {"code": totp_code(SECRET, T0)})
    later = datetime(2026, 3, 2, 9, 5, 0, tzinfo=UTC)
    with time_machine.travel(later, tick=False):
        page = client.get(PAGE)
        assert b'name="code"' in page.content

        refused = client.post(PAGE, {"password": PASSWORD})
        assert refused.status_code == 200
        assert b"authenticator app" in refused.content
        assert User.objects.filter(pk=owner_with_totp.pk).exists()

        response = client.post(PAGE, {"password": PASSWORD, "code": totp_code(SECRET, later)})

    assert response.status_code == 302
    assert not User.objects.filter(pk=owner_with_totp.pk).exists()


def test_without_two_factor_the_page_asks_only_for_the_password(owner_client):
    page = owner_client.get(PAGE)

    assert b'name="password"' in page.content
    assert b'name="code"' not in page.content


def test_a_stranger_with_two_factor_is_asked_for_their_own_code(owner):
    other = make_user("kim@example.org")
    TOTP.activate(other, SECRET)
    client = APIClient()
    client.force_authenticate(owner)

    assert client.post(API, {"password": PASSWORD}, format="json").status_code == 204
    assert User.objects.filter(pk=other.pk).exists()
