from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from tests.accounts.conftest import link_in_last_email


@pytest.mark.django_db
def test_an_earner_adds_a_second_address_and_verifies_it(owner_client, owner):
    response = owner_client.post(
        "/accounts/email/", {"action_add": "", "email": "ada@school.example"}
    )

    assert response.status_code == 302
    added = EmailAddress.objects.get(user=owner, email="ada@school.example")
    assert not added.verified and not added.primary
    assert mail.outbox[-1].to == ["ada@school.example"]

    owner_client.post(link_in_last_email("/accounts/confirm-email/"))

    added.refresh_from_db()
    assert added.verified
    page = owner_client.get("/accounts/email/")
    assert page.content.count(b"Verified") == 2


@pytest.mark.django_db
def test_an_unverified_address_cannot_become_primary(owner_client, owner):
    owner_client.post("/accounts/email/", {"action_add": "", "email": "ada@school.example"})

    owner_client.post("/accounts/email/", {"action_primary": "", "email": "ada@school.example"})

    assert EmailAddress.objects.get_primary(owner).email == "ada@example.org"


@pytest.mark.django_db
def test_adding_another_accounts_address_reveals_nothing_and_cannot_take_it(
    owner_client, owner, stranger
):
    response = owner_client.post("/accounts/email/", {"action_add": "", "email": stranger.email})

    # The same outcome as for a fresh address: no "already in use" error to probe with.
    assert response.status_code == 302
    assert mail.outbox[-1].to == [stranger.email]

    owner_client.post(link_in_last_email("/accounts/confirm-email/"))

    assert not EmailAddress.objects.filter(user=owner, email=stranger.email, verified=True).exists()
    assert EmailAddress.objects.filter(user=stranger, email=stranger.email, verified=True).exists()
