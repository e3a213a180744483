from __future__ import annotations

import pytest

from accounts.models import HolderKey
from accounts.selectors import holder_key_current
from accounts.services import holder_key_create
from tests.accounts.conftest import sign_in


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    for path in ("/account/", "/account/holder-key/rotate/", "/account/delete/"):
        response = client.get(path)

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_the_account_page_shows_the_current_did_and_the_settings_links(owner_client, owner):
    response = owner_client.get("/account/")

    key = holder_key_current(user=owner)
    assert response.status_code == 200
    assert key.did.encode() in response.content
    for path in (
        b"/accounts/email/",
        b"/accounts/password/change/",
        b"/accounts/2fa/",
        b"/account/delete/",
        b"/account/holder-key/rotate/",
    ):
        assert path in response.content


@pytest.mark.django_db
def test_a_stranger_sees_only_their_own_did(client, owner, stranger):
    owners_did = holder_key_create(user=owner).did
    sign_in(client, stranger.email)

    response = client.get("/account/")

    assert owners_did.encode() not in response.content
    assert holder_key_current(user=stranger).did.encode() in response.content


@pytest.mark.django_db
def test_rotating_asks_first_and_then_lists_the_old_did(owner_client, owner):
    old = holder_key_create(user=owner)

    confirm = owner_client.get("/account/holder-key/rotate/")
    assert confirm.status_code == 200
    assert HolderKey.objects.filter(user=owner).count() == 1  # a GET changes nothing

    response = owner_client.post("/account/holder-key/rotate/")

    assert response.status_code == 302
    new = holder_key_current(user=owner)
    assert new.did != old.did
    page = owner_client.get("/account/")
    assert new.did.encode() in page.content
    assert b"Earlier DIDs" in page.content
    assert old.did.encode() in page.content
