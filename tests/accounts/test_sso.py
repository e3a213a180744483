"""Signing in with a school's OpenID Connect provider, against a provider on loopback.

The browser journey (Chromium enforcing our CSP) is tests/e2e/test_school_sign_in.py; these
tests check what the Django test client can see: headers, pages, emails and the log.
"""

from __future__ import annotations

import logging

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core import mail

from accounts.models import User
from tests.accounts.conftest import PASSWORD, make_user, sign_in
from tests.support.oidc import (
    CLIENT_SECRET,
    LOGIN_URL,
    PROVIDER_NAME,
    finish_school_sign_in,
    providers_setting,
    running_provider,
    start_school_sign_in,
    unreachable_origin,
)


@pytest.fixture
def provider(settings):
    with running_provider() as provider:
        settings.SOCIALACCOUNT_PROVIDERS = provider.settings()
        yield provider


def form_action(response) -> list[str]:
    for directive in response["Content-Security-Policy"].split(";"):
        name, _, sources = directive.strip().partition(" ")
        if name == "form-action":
            return sources.split()
    raise AssertionError("no form-action directive")


# Item 15: Chromium applies form-action to the redirect that answers the form.


@pytest.mark.django_db
@pytest.mark.parametrize("process", ["login", "connect"])
def test_the_continue_form_may_be_answered_by_the_providers_sign_in_page(client, provider, process):
    response = client.get(LOGIN_URL, {"process": process})

    assert response.status_code == 200
    assert form_action(response) == ["'self'", "https://login.springfield.example"]


@pytest.mark.django_db
def test_the_allowed_origin_follows_the_discovery_document(client, settings):
    with running_provider(authorization_endpoint="http://127.0.0.1:9/o/authorize/") as p:
        settings.SOCIALACCOUNT_PROVIDERS = p.settings()

        response = client.get(LOGIN_URL)

    assert form_action(response) == ["'self'", "http://127.0.0.1:9"]


@pytest.mark.django_db
def test_every_other_page_keeps_form_action_self(client, provider):
    for path in ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]:
        assert form_action(client.get(path)) == ["'self'"]


@pytest.mark.django_db
def test_a_hostile_discovery_document_cannot_write_into_our_policy(client, settings):
    hostile = "https://evil.example; script-src * 'unsafe-inline'"
    with running_provider(authorization_endpoint=hostile) as p:
        settings.SOCIALACCOUNT_PROVIDERS = p.settings()

        response = client.get(LOGIN_URL)

    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "script-src 'self';" in policy
    assert form_action(response) == ["'self'"]


@pytest.mark.django_db
def test_the_discovery_document_is_read_once_for_many_visits(client, provider):
    for _ in range(3):
        client.get(LOGIN_URL)

    assert provider.discovery_requests == 1


@pytest.mark.django_db
def test_after_continue_the_learner_is_sent_to_the_providers_sign_in_page(client, provider):
    response = start_school_sign_in(client)

    assert response.status_code == 302
    assert response["Location"].startswith("https://login.springfield.example/authorize?")
    assert "code_challenge=" in response["Location"]


@pytest.mark.django_db
def test_a_school_sign_in_creates_an_account_with_the_verified_email(client, provider):
    response = finish_school_sign_in(client)

    assert response.status_code == 302
    user = User.objects.get(email="lin@springfield.example")
    assert SocialAccount.objects.get(user=user).uid == "student-42"
    assert client.get("/account/").status_code == 200


# Item 16: a provider that cannot be reached.


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unreachable_provider_gets_a_failure_page_not_a_500(client, settings, method):
    settings.SOCIALACCOUNT_PROVIDERS = providers_setting(server_url=unreachable_origin())

    response = getattr(client, method)(f"{LOGIN_URL}?process=login")

    assert response.status_code == 502
    page = response.content.decode()
    assert f"Satchel could not reach {PROVIDER_NAME}" in page
    assert "try again in a few minutes" in page
    assert 'class="card card--entrance' in page  # our layout, not allauth's bare page
    assert form_action(response) == ["'self'"]


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("document", [["not", "an", "object"], "text", {"issuer": 5}])
def test_a_broken_discovery_document_gets_the_failure_page_not_a_500(
    client, settings, method, document
):
    with running_provider(broken_discovery=document) as p:
        settings.SOCIALACCOUNT_PROVIDERS = p.settings()

        response = getattr(client, method)(f"{LOGIN_URL}?process=login")

    assert response.status_code == 502
    assert f"Satchel could not reach {PROVIDER_NAME}" in response.content.decode()
    assert form_action(response) == ["'self'"]


@pytest.mark.django_db
def test_a_provider_that_fails_during_the_callback_gets_the_failure_page(client, settings):
    with running_provider() as p:
        settings.SOCIALACCOUNT_PROVIDERS = p.settings()
        response = start_school_sign_in(client)
        state = response["Location"].split("state=")[1].split("&")[0]
    # The provider went away while the learner was on its sign-in page.

    response = client.get(f"{LOGIN_URL}callback/", {"code": "a-code", "state": state})

    assert response.status_code == 502
    assert f"Satchel could not reach {PROVIDER_NAME}" in response.content.decode()


# Item 17: a wrong client secret.


@pytest.mark.django_db
def test_a_refused_token_request_leaves_the_providers_answer_in_the_log(client, settings, caplog):
    with running_provider(client_secret="the-secret-the-school-really-has-2026") as p:
        settings.SOCIALACCOUNT_PROVIDERS = p.settings()
        with caplog.at_level(logging.INFO):
            response = finish_school_sign_in(client)

    assert response.status_code == 401
    assert "Satchel could not sign you in with Springfield University" in response.content.decode()
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("accounts"))
    assert f"{p.origin}/token" in logged
    assert "401" in logged
    assert "invalid_client" in logged and "Client authentication failed" in logged
    assert CLIENT_SECRET not in caplog.text
    assert "the-secret-the-school-really-has-2026" not in caplog.text


@pytest.mark.django_db
def test_a_long_answer_is_logged_truncated_and_without_tokens(client, settings, caplog):
    from accounts import sso

    line = sso.describe_answer(
        method="POST",
        url="https://id.example/token?client_secret=abc",
        status=400,
        body=b'{"error": "x", "access_token": "tok-123", "detail": "' + b"y" * 5000 + b'"}',
        secrets=["abc"],
    )

    assert "https://id.example/token" in line and "abc" not in line
    assert "tok-123" not in line
    assert len(line) < 1200


# Item 18: the email already has an account.


@pytest.mark.django_db
def test_a_school_sign_in_with_a_taken_email_mails_how_to_connect(client, provider):
    owner = make_user("lin@springfield.example")

    response = finish_school_sign_in(client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert not SocialAccount.objects.exists()
    message = mail.outbox[-1]
    assert message.to == [owner.email]
    assert "Springfield University" in message.subject
    body = message.body
    assert "http://testserver/accounts/login/" in body
    assert "http://testserver/accounts/3rdparty/" in body
    assert "Connect Springfield University" in body
    assert "http://testserver/accounts/password/reset/" in body
    assert client.get("/account/").status_code == 302  # nobody was signed in


@pytest.mark.django_db
def test_the_browser_cannot_tell_a_taken_email_from_a_new_unverified_one(client, settings):
    answers = []
    for email, verified in [("lin@springfield.example", True), ("kim@springfield.example", False)]:
        claims = {"sub": email, "email": email, "email_verified": verified}
        with running_provider(claims=claims) as p:
            settings.SOCIALACCOUNT_PROVIDERS = p.settings()
            if verified:
                make_user(email)
            client.cookies.clear()
            response = finish_school_sign_in(client)
            page = client.get(response["Location"])
        shown = page.content.decode().replace(email, "EMAIL")
        answers.append((response.status_code, response["Location"], shown))

    assert answers[0] == answers[1]
    assert "how to sign in to it" in answers[0][2]


# Item 19: removing the only way into a school-only account.


@pytest.mark.django_db
def test_removing_the_only_sign_in_says_why_and_what_to_do(client, provider):
    finish_school_sign_in(client)
    account = SocialAccount.objects.get()

    response = client.post("/accounts/3rdparty/", {"account": account.pk})

    assert response.status_code == 200
    page = response.content.decode()
    assert "only way to sign in to this account" in page
    assert "Set a password first" in page
    assert 'href="/accounts/password/set/"' in page
    assert SocialAccount.objects.filter(pk=account.pk).exists()


@pytest.mark.django_db
def test_with_a_password_the_school_sign_in_can_be_removed(client, provider):
    owner = make_user("ada@example.org")
    sign_in(client, owner.email)
    finish_school_sign_in(client, process="connect")
    account = SocialAccount.objects.get(user=owner)

    response = client.post("/accounts/3rdparty/", {"account": account.pk})
    if response.status_code == 302 and "reauthenticate" in response["Location"]:
        client.post(response["Location"], {"password": PASSWORD})
        response = client.post("/accounts/3rdparty/", {"account": account.pk})

    assert response.status_code == 302
    assert not SocialAccount.objects.filter(pk=account.pk).exists()
