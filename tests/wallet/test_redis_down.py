"""With Redis down, the learner's record is still there."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_down")]


def test_the_record_page_is_served(client: Client, owner, make_credential) -> None:
    make_credential(owner, title="Intro to Statistics")
    client.force_login(owner)

    response = client.get("/")

    assert response.status_code == 200
    assert b"Intro to Statistics" in response.content
