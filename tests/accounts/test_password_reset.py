from __future__ import annotations

import pytest
from django.core import mail

from tests.accounts.conftest import link_in_last_email, sign_in

NEW_PASSWORD = "a brand new passphrase 42"


@pytest.mark.django_db
def test_a_forgotten_password_is_reset_through_an_emailed_link(client, owner):
    response = client.post("/accounts/password/reset/", {"email": owner.email})

    assert response.status_code == 302
    assert mail.outbox[-1].to == [owner.email]
    key_path = link_in_last_email("/accounts/password/reset/key/")
    form_page = client.get(key_path, follow=True)
    assert form_page.status_code == 200

    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else key_path,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    client.logout()
    assert sign_in(client, owner.email, NEW_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_reset_for_an_unknown_address_looks_the_same(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
