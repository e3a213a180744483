from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import HolderKey, User
from tests.accounts.conftest import PASSWORD, link_in_last_email

SIGNUP = {"email": "grace@example.org", "password1": PASSWORD, "password2": PASSWORD}


@pytest.mark.django_db
def test_it_signs_up_sends_a_verification_link_and_logs_in_on_confirmation(client):
    response = client.post("/accounts/signup/", SIGNUP)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["grace@example.org"]
    assert client.get("/account/").status_code == 302  # not signed in before confirming

    confirm_path = link_in_last_email("/accounts/confirm-email/")
    assert client.get(confirm_path).status_code == 200
    response = client.post(confirm_path)

    assert response.status_code == 302
    address = EmailAddress.objects.get(email="grace@example.org")
    assert address.verified and address.primary
    page = client.get("/account/")
    assert page.status_code == 200
    assert b"grace@example.org" in page.content


@pytest.mark.django_db
def test_it_gives_every_new_earner_a_holder_key_at_signup(client):
    client.post("/accounts/signup/", SIGNUP)

    user = User.objects.get(email="grace@example.org")
    keys = list(HolderKey.objects.filter(user=user))
    assert len(keys) == 1
    assert keys[0].did.startswith("did:key:z6Mk")
    assert keys[0].retired_at is None


@pytest.mark.django_db
def test_it_has_no_username_field(client):
    response = client.get("/accounts/signup/")

    assert b'name="username"' not in response.content
    assert b'name="email"' in response.content


@pytest.mark.django_db
def test_signing_up_with_a_taken_email_looks_the_same_and_warns_the_owner(client, owner):
    response = client.post(
        "/accounts/signup/",
        {"email": owner.email, "password1": PASSWORD, "password2": PASSWORD},
    )

    # Same outcome as a fresh sign-up: no error revealing the address is registered.
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert User.objects.filter(email=owner.email).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [owner.email]
    assert "Account Already Exists" in mail.outbox[0].subject
    assert "/accounts/password/reset/" in mail.outbox[0].body


@pytest.mark.django_db
def test_the_confirmation_email_speaks_as_satchel_not_as_a_host_name(client, settings):
    settings.SATCHEL_PUBLIC_ORIGIN = "https://satchel.example"

    client.post("/accounts/signup/", SIGNUP)

    message = mail.outbox[0]
    assert message.subject == "[Satchel] Confirm your email address"
    assert message.body.startswith("Hello from Satchel, your learning wallet.")
    assert "Hello from 127.0.0.1" not in message.body
    assert "Hello from testserver" not in message.body
    assert message.body.rstrip().endswith("Satchel\nhttps://satchel.example")
    assert "/accounts/confirm-email/" in message.body
