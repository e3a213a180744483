"""Link previews (OpenGraph) are the learner's choice per link: off by default, on when
chosen at creation or later, and they carry only the title, the issuers and a badge image."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse

from accounts.models import User
from sharing.models import ShareLink
from sharing.services import share_create, share_set_preview

pytestmark = pytest.mark.usefixtures("frozen")

PREVIEW_BOT = "Slackbot-LinkExpanding 1.0"


def _og(page: str) -> dict[str, str]:
    return dict(re.findall(r'<meta property="og:(\w+)" content="([^"]*)"', page))


def test_a_link_shows_no_preview_unless_the_learner_chose_one(client: Client, shared: Any) -> None:
    _share, token, _credentials = shared

    for agent in (PREVIEW_BOT, "Mozilla/5.0"):
        page = client.get(f"/s/{token}", HTTP_USER_AGENT=agent).content.decode()
        assert "og:" not in page


def test_a_chosen_preview_names_the_credentials_issuer_and_image(
    client: Client, owner: User, add: Any, issuer: Any
) -> None:
    credential = add(issuer.baked_png(issuer.ob3()))
    share, token = share_create(
        owner=owner,
        audience="Group chat",
        credential_ids=[credential.pk],
        display_name="Robin L.",
        link_preview=True,
    )

    response = client.get(f"/s/{token}", HTTP_USER_AGENT=PREVIEW_BOT)

    tags = _og(response.content.decode())
    assert tags["title"] == "Test Achievement, shared by Robin L."
    assert tags["description"] == "Issued by Test Issuer"
    assert tags["url"].endswith(f"/s/{token}")
    image_path = tags["image"].split("://", 1)[1].split("/", 1)[1]
    image = client.get(f"/{image_path}", HTTP_USER_AGENT=PREVIEW_BOT)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    share.refresh_from_db()
    assert share.view_count == 0
    assert "Test Achievement" in _og(client.get(f"/s/{token}").content.decode())["title"]


def test_a_link_with_a_view_limit_offers_no_image_to_spend_its_views(
    client: Client, owner: User, add: Any, issuer: Any
) -> None:
    credential = add(issuer.baked_png(issuer.ob3()))
    _share, token = share_create(
        owner=owner, audience="x", credential_ids=[credential.pk], max_views=2, link_preview=True
    )
    tags = _og(client.get(f"/s/{token}", HTTP_USER_AGENT=PREVIEW_BOT).content.decode())
    assert "title" in tags and "image" not in tags


def test_the_learner_turns_previews_on_and_off_on_the_links_page(
    client: Client, owner: User, shared: Any
) -> None:
    share, token, _credentials = shared
    client.force_login(owner)
    url = reverse("shares:preview", kwargs={"share_id": share.pk})

    client.post(url, {"link_preview": "on"})
    share.refresh_from_db()
    assert share.link_preview
    assert "title" in _og(client.get(f"/s/{token}", HTTP_USER_AGENT=PREVIEW_BOT).content.decode())

    client.post(url, {"link_preview": "off"})
    share.refresh_from_db()
    assert not share.link_preview


def test_the_form_offers_previews_unticked(client: Client, owner: User, shared: Any) -> None:
    _share, _token, credentials = shared
    client.force_login(owner)
    page = client.get(reverse("shares:create")).content.decode()
    box = re.search(r'<input type="checkbox" name="link_preview"[^>]*>', page).group(0)
    assert "checked" not in box
    client.post(
        reverse("shares:create"),
        {
            "what": "credentials",
            "credentials": [credentials[0].pk],
            "audience": "Chat",
            "expiry": "30d",
            "link_preview": "on",
        },
    )
    assert ShareLink.objects.get(audience="Chat").link_preview


def test_a_stranger_cannot_turn_on_previews(client: Client, stranger: Any, shared: Any) -> None:
    share, _token, _credentials = shared
    client.force_login(stranger)
    url = reverse("shares:preview", kwargs={"share_id": share.pk})
    assert client.post(url, {"link_preview": "on"}).status_code == 404
    share.refresh_from_db()
    assert not share.link_preview
    with pytest.raises(Http404):
        share_set_preview(owner=stranger, share_id=share.pk, link_preview=True)
