"""The learner's story: share five credentials, send the link, watch who looks, revoke it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from sharing import services
from sharing.models import ShareLink, ShareView
from tests.support.issuer import TestIssuer
from wallet.models import Credential

pytestmark = pytest.mark.django_db

FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def five(add: Callable[..., Credential], issuer: TestIssuer) -> list[Credential]:
    return [
        add(issuer.ob3()),
        add(issuer.ob3_jwt()),
        add(issuer.baked_png(issuer.ob3())),
        add(issuer.ob3(suite="Ed25519Signature2020")),
        add(issuer.ob2_hosted()),
    ]


@pytest.fixture
def signed_in(client: Client, owner: User) -> Client:
    client.force_login(owner)
    return client


def create(client: Client, credentials: list[Credential], **fields: Any) -> Any:
    data = {
        "what": "credentials",
        "credentials": [str(c.pk) for c in credentials],
        "audience": "Acme Corp, data analyst application",
        "expiry": "30d",
        "display_name": "Robin L.",
        **fields,
    }
    return client.post(reverse("shares:create"), data)


def link_on(html: str) -> str:
    match = re.search(r'id="share-url" value="([^"]+)"', html)
    assert match, "the page shows no link"
    return match.group(1)


def test_the_learner_shares_five_credentials_watches_the_views_and_revokes(
    signed_in: Client, five: list[Credential], frozen: Any
) -> None:
    response = create(signed_in, five)
    share = ShareLink.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("shares:detail", kwargs={"share_id": share.pk})
    assert list(share.items.values_list("credential_id", flat=True)) == [c.pk for c in five]

    detail = signed_in.get(response["Location"])
    html = detail.content.decode()
    url = link_on(html)
    assert url == services.share_url(share)
    assert "/s/" in url
    assert reverse("shares:qr_svg", kwargs={"share_id": share.pk}) in html
    assert 'What it shares <span class="muted">(5)</span>' in html
    for credential in five:
        assert reverse("wallet:credential", kwargs={"credential_id": credential.pk}) in html
    assert "Nobody has opened it yet." in html
    assert detail["Cache-Control"].startswith("max-age=0")

    qr = signed_in.get(reverse("shares:qr_svg", kwargs={"share_id": share.pk}))
    assert qr.status_code == 200
    assert qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content
    assert "no-store" in qr["Cache-Control"]

    employer = Client(HTTP_USER_AGENT=FIREFOX_ON_LINUX)
    assert employer.get(urlsplit(url).path).status_code == 200

    listing = signed_in.get(reverse("shares:list")).content.decode()
    assert "Acme Corp, data analyst application" in listing
    assert "<dt>Views</dt><dd>1</dd>" in listing
    assert "Active" in listing
    log = signed_in.get(response["Location"]).content.decode()
    assert "<td>Opened the page</td><td>Firefox on Linux</td>" in log
    assert "Nobody has opened it yet." not in log

    confirm = signed_in.get(reverse("shares:revoke", kwargs={"share_id": share.pk}))
    assert "Revoke this link?" in confirm.content.decode()
    share.refresh_from_db()
    assert share.revoked_at is None, "asking for confirmation changes nothing"

    revoked = signed_in.post(reverse("shares:revoke", kwargs={"share_id": share.pk}))
    assert revoked.status_code == 302
    share.refresh_from_db()
    assert share.revoked_at is not None
    after = signed_in.get(revoked["Location"]).content.decode()
    assert "This link is revoked" in after
    assert 'id="share-url"' not in after
    assert employer.get(urlsplit(url).path).status_code == 410
    ended = signed_in.get(reverse("shares:list")).content.decode()
    assert "Ended links" in ended
    assert "Revoked" in ended
    assert ShareView.objects.filter(share=share).count() == 1
