from __future__ import annotations

import pytest

from accounts.models import User
from accounts.services import holder_key_create


@pytest.mark.django_db
def test_staff_see_an_earners_dids_but_never_their_private_key(client, owner):
    admin = User.objects.create_superuser(email="root@example.org", password="x" * 12)
    client.force_login(admin)
    key = holder_key_create(user=owner)

    response = client.get(f"/admin/accounts/user/{owner.pk}/change/")

    assert response.status_code == 200
    assert key.did.encode() in response.content
    assert key.private_key_encrypted.encode() not in response.content


@pytest.mark.django_db
def test_a_non_staff_earner_cannot_open_the_admin(owner_client):
    response = owner_client.get("/admin/accounts/user/")

    assert response.status_code == 302
