"""With Redis down, employers still see what was shared with them."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.usefixtures("frozen", "redis_down")

ELSEWHERE = {"REMOTE_ADDR": "198.51.100.7"}


def test_the_employer_page_is_served(client: Client, shared) -> None:
    _share, token, _credentials = shared

    response = client.get(f"/s/{token}", **ELSEWHERE)

    assert response.status_code == 200
    assert b"Robin L." in response.content


def test_the_signed_presentation_is_served(client: Client, shared) -> None:
    _share, token, _credentials = shared
    client.get(f"/s/{token}", **ELSEWHERE)

    response = client.get(f"/s/{token}/presentation", **ELSEWHERE)

    assert response.status_code == 200
    assert response.json()["type"][0] == "VerifiablePresentation"


def test_wrong_tokens_are_still_counted(client: Client, settings, db) -> None:
    # The miss counter lives in the cache; while Redis is down each process counts alone.
    settings.SATCHEL_SHARE_MISS_LIMIT = 2

    statuses = [client.get(f"/s/not-a-token-{n}", **ELSEWHERE).status_code for n in range(3)]

    assert statuses == [404, 404, 429]
