from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from tests.accounts.conftest import PASSWORD, make_user, sign_in

OIDC_PROVIDERS = {
    "openid_connect": {
        "APPS": [
            {
                "provider_id": "school",
                "name": "Springfield University",
                "client_id": "satchel",
                "secret": "not-a-real-secret",
                "settings": {"server_url": "https://id.springfield.example"},
            }
        ],
        "OAUTH_PKCE_ENABLED": True,
    }
}


@pytest.mark.django_db
def test_it_logs_in_a_verified_earner_by_email(client, owner):
    response = sign_in(client, owner.email)

    assert response.status_code == 302
    assert client.get("/account/").status_code == 200


@pytest.mark.django_db
def test_it_refuses_a_wrong_password_with_a_clear_message(client, owner):
    response = sign_in(client, owner.email, "not the password")

    assert response.status_code == 200
    assert b"email address and/or password you specified are not correct" in response.content
    assert client.get("/account/").status_code == 302


@pytest.mark.django_db
def test_an_unknown_email_gets_the_same_message_as_a_wrong_password(client):
    response = sign_in(client, "nobody@example.org", "whatever it is")

    assert b"email address and/or password you specified are not correct" in response.content


@pytest.mark.django_db
def test_it_blocks_login_until_the_email_is_verified(client):
    user = make_user("new@example.org", verified=False)

    response = sign_in(client, user.email)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    page = client.get(response["Location"])
    assert b"Before you can sign in, confirm that this email address is yours" in page.content
    assert client.get("/account/").status_code == 302
    assert mail.outbox[-1].to == ["new@example.org"]  # the link is sent again


STRANGER_IP = "203.0.113.9"
OWNER_IP = "198.51.100.7"


def sign_in_from(client, ip: str, email: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_repeated_failed_logins_from_one_client_are_rate_limited(client, owner):
    for _ in range(5):
        sign_in_from(client, STRANGER_IP, owner.email, "wrong guess")

    # Even the right password is refused from there while the limit holds.
    response = sign_in_from(client, STRANGER_IP, owner.email)

    assert response.status_code == 200
    assert b"Too many failed sign-in attempts from here" in response.content
    assert "Send me a sign-in code" in response.content.decode()
    assert client.get("/account/").status_code == 302


@pytest.mark.django_db
def test_a_strangers_wrong_passwords_do_not_lock_the_owner_out(client, owner):
    for _ in range(6):
        sign_in_from(Client(), STRANGER_IP, owner.email, "wrong guess")

    response = sign_in_from(client, OWNER_IP, owner.email)

    assert response.status_code == 302
    assert client.get("/account/").status_code == 200


@pytest.mark.django_db
def test_addresses_from_one_ipv6_network_count_as_one_client(client, owner):
    for n in range(1, 6):
        sign_in_from(client, f"2001:db8:1:2::{n}", owner.email, "wrong guess")

    response = sign_in_from(client, "2001:db8:1:2::99", owner.email)

    assert b"Too many failed sign-in attempts" in response.content


@pytest.mark.django_db
def test_one_client_guessing_across_accounts_is_still_limited_per_address(client, owner):
    for n in range(10):
        sign_in_from(client, STRANGER_IP, f"someone-{n}@example.org", "wrong guess")

    response = sign_in_from(client, STRANGER_IP, owner.email)

    assert response.status_code == 200
    assert b"Too many failed sign-in attempts" in response.content


@pytest.mark.django_db
def test_a_learner_locked_out_here_signs_in_with_an_emailed_code(client, owner):
    for _ in range(5):
        sign_in_from(client, STRANGER_IP, owner.email, "wrong guess")
    page = client.get("/accounts/login/", REMOTE_ADDR=STRANGER_IP)
    assert b'href="/accounts/login/code/"' in page.content

    response = client.post("/accounts/login/code/", {"email": owner.email}, REMOTE_ADDR=STRANGER_IP)
    assert response.status_code == 302
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[-1].body, re.M).group(1)
    response = client.post(response["Location"], {"code": code}, REMOTE_ADDR=STRANGER_IP)

    assert response.status_code == 302
    assert client.get("/account/", REMOTE_ADDR=STRANGER_IP).status_code == 200


@pytest.mark.django_db
def test_it_offers_school_sign_in_when_an_oidc_provider_is_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = OIDC_PROVIDERS

    response = client.get("/accounts/login/")

    assert b"Sign in with Springfield University" in response.content
    assert b"/accounts/oidc/school/login/" in response.content


@pytest.mark.django_db
def test_it_shows_no_school_button_without_a_provider(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}

    response = client.get("/accounts/login/")

    assert b"Sign in with" not in response.content


@pytest.mark.django_db
def test_sign_out_is_a_post(owner_client):
    assert owner_client.get("/").status_code == 200

    response = owner_client.post("/accounts/logout/")

    assert response.status_code == 302
    assert owner_client.get("/account/").status_code == 302
