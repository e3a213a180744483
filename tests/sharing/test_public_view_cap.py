"""A view cap caps everything: after the last view the link is dead for everyone, and the
viewer who used it downloads through short-lived grants tied to their own view."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import time_machine

from sharing.models import ShareView
from sharing.services import share_create, share_revoke
from tests.sharing.conftest import SOON
from tests.support.issuer import NOW

pytestmark = pytest.mark.usefixtures("frozen")

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/126.0"


def _get(client, path: str, address: str = "198.51.100.7", **headers):
    return client.get(path, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=address, **headers)


def _capped(owner, credentials, max_views: int):
    share, token = share_create(
        owner=owner,
        audience="Acme",
        credential_ids=[c.pk for c in credentials],
        max_views=max_views,
        now=NOW,
    )
    return share, token


def _download_links(page: str, token: str) -> list[str]:
    """Every address under the link that the page points at (downloads and images)."""
    found = re.findall(r'(?:href|src)="(/s/' + re.escape(token) + r'/[^"]+)"', page)
    return [html.unescape(url) for url in found]


@pytest.fixture
def one_view(owner, add, issuer):
    """A link capped at one view, showing a credential with an image."""
    credential = add(issuer.baked_png(issuer.ob3()))
    share, token = _capped(owner, [credential], max_views=1)
    return share, token, credential


def test_after_the_last_view_nothing_under_the_link_answers_without_a_grant(client, one_view):
    _share, token, credential = one_view
    handle = credential.sha256[:20]
    assert _get(client, f"/s/{token}").status_code == 200
    assert _get(client, f"/s/{token}").status_code == 410

    for path in (
        f"/s/{token}/presentation",
        f"/s/{token}/presentation?format=jwt",
        f"/s/{token}/presentation?challenge=x",
        f"/s/{token}/credentials/{handle}",
        f"/s/{token}/credentials/{handle}/image",
    ):
        assert _get(client, path).status_code == 410, path
    assert _get(client, f"/s/{token}", HTTP_ACCEPT="application/vp+jwt").status_code == 410


def test_fetching_a_presentation_without_a_page_view_takes_a_view(client, owner, add, issuer):
    share, token = _capped(owner, [add(issuer.ob3())], max_views=30)

    codes = {_get(client, f"/s/{token}/presentation").status_code for _ in range(25)}

    assert codes == {200}
    share.refresh_from_db()
    assert (share.counted_views, share.views_left) == (25, 5)
    assert ShareView.objects.filter(share=share).count() == 25


@pytest.mark.parametrize(
    "path", ["/presentation?format=jwt", "/presentation?challenge=x", "/credentials/{handle}"]
)
def test_every_download_without_a_grant_is_a_view_of_a_capped_link(
    client, owner, add, issuer, path
):
    credential = add(issuer.ob3())
    share, token = _capped(owner, [credential], max_views=1)
    url = f"/s/{token}" + path.format(handle=credential.sha256[:20])

    assert _get(client, url).status_code == 200
    assert _get(client, url).status_code == 410
    assert _get(client, f"/s/{token}").status_code == 410
    share.refresh_from_db()
    assert share.counted_views == 1


def test_the_viewer_downloads_through_the_grants_in_their_page_after_the_last_view(
    client, one_view
):
    share, token, _credential = one_view
    page = _get(client, f"/s/{token}").content.decode()
    links = _download_links(page, token)
    assert len(links) == 4  # presentation, as JWT, the original, the image
    assert all("grant=" in link for link in links)

    for link in links:
        assert _get(client, link).status_code == 200, link
    image = next(link for link in links if "/image?" in link)
    assert _get(client, image)["Content-Type"] == "image/png"
    share.refresh_from_db()
    assert share.counted_views == 1


def test_a_grant_works_for_ten_minutes_after_its_view_and_then_ends(client, one_view):
    _, token, _ = one_view
    links = _download_links(_get(client, f"/s/{token}").content.decode(), token)

    with time_machine.travel(SOON + timedelta(minutes=9), tick=False):
        assert _get(client, links[0]).status_code == 200
    with time_machine.travel(SOON + timedelta(minutes=11), tick=False):
        assert _get(client, links[0]).status_code == 410


def test_a_grant_while_views_are_left_uses_no_view(client, owner, add, issuer):
    share, token = _capped(owner, [add(issuer.ob3())], max_views=3)
    links = _download_links(_get(client, f"/s/{token}").content.decode(), token)

    for _ in range(5):
        for link in links:
            assert _get(client, link).status_code == 200

    share.refresh_from_db()
    assert share.counted_views == 1


def test_a_grant_opens_only_the_link_whose_view_made_it(client, owner, add, issuer):
    credential = add(issuer.ob3())
    _, first = _capped(owner, [credential], max_views=1)
    other_share, second = _capped(owner, [credential], max_views=1)
    links = _download_links(_get(client, f"/s/{first}").content.decode(), first)
    assert _get(client, f"/s/{second}").status_code == 200  # uses up the second link too

    borrowed = [link.replace(first, second) for link in links]

    assert [_get(client, link).status_code for link in borrowed] == [410] * len(borrowed)
    other_share.refresh_from_db()
    assert other_share.counted_views == 1


def test_a_forged_grant_is_refused_and_takes_no_view(client, owner, add, issuer):
    share, token = _capped(owner, [add(issuer.ob3())], max_views=2)
    link = _download_links(_get(client, f"/s/{token}").content.decode(), token)[0]
    grant = link.split("grant=", 1)[1]
    forged = link.replace(grant, grant[:-2] + ("AA" if not grant.endswith("AA") else "BB"))

    assert _get(client, forged).status_code == 410
    assert _get(client, f"/s/{token}/presentation?grant=made-up").status_code == 410
    share.refresh_from_db()
    assert share.counted_views == 1


def test_revoking_the_link_ends_its_grants_at_once(client, one_view, owner):
    share, token, _ = one_view
    links = _download_links(_get(client, f"/s/{token}").content.decode(), token)

    share_revoke(owner=owner, share_id=share.pk, now=SOON)

    assert [_get(client, link).status_code for link in links] == [410] * len(links)


def test_a_page_served_from_the_cache_carries_a_grant_for_its_own_view(client, owner, add, issuer):
    share, token = _capped(owner, [add(issuer.ob3())], max_views=2)

    first = _download_links(_get(client, f"/s/{token}").content.decode(), token)
    second = _download_links(_get(client, f"/s/{token}", "203.0.113.5").content.decode(), token)

    assert first != second
    assert not set(first) & set(second)
    views = list(ShareView.objects.filter(share=share).order_by("pk"))
    assert len(views) == 2
    # Both pages' grants still work after the last view: each was made for its own view.
    for link in first + second:
        assert _get(client, link).status_code == 200, link


def test_a_cached_page_never_serves_a_used_up_or_revoked_link(client, owner, add, issuer):
    credential = add(issuer.ob3())
    _, capped = _capped(owner, [credential], max_views=1)
    share, unlimited = share_create(
        owner=owner, audience="Other", credential_ids=[credential.pk], now=NOW
    )
    assert _get(client, f"/s/{capped}").status_code == 200
    assert _get(client, f"/s/{unlimited}").status_code == 200

    share_revoke(owner=owner, share_id=share.pk, now=SOON)

    assert _get(client, f"/s/{capped}").status_code == 410
    assert _get(client, f"/s/{unlimited}").status_code == 410


def test_an_unlimited_link_needs_no_grant(client, shared):
    _, token, credentials = shared

    page = _get(client, f"/s/{token}").content.decode()

    assert "grant=" not in page
    assert _get(client, f"/s/{token}/presentation").status_code == 200
    assert _get(client, f"/s/{token}/credentials/{credentials[0].sha256[:20]}").status_code == 200


def test_the_api_shows_the_views_direct_downloads_took(client, owner, add, issuer):
    from rest_framework.test import APIClient

    share, token = _capped(owner, [add(issuer.ob3())], max_views=5)
    for _ in range(3):
        _get(client, f"/s/{token}/presentation?format=jwt")
    api = APIClient()
    api.force_authenticate(owner)

    detail = api.get(f"/api/shares/{share.pk}/").json()
    log = api.get(f"/api/shares/{share.pk}/views/").json()

    assert (detail["view_count"], detail["views_left"]) == (3, 2)
    assert [entry["kind"] for entry in log] == ["presentation"] * 3


def test_the_cached_rendering_holds_no_viewers_grant(client, owner, add, issuer):
    from sharing.public_views import rendered_pages

    _, token = _capped(owner, [add(issuer.ob3())], max_views=2)
    links = _download_links(_get(client, f"/s/{token}").content.decode(), token)
    grants = {link.split("grant=", 1)[1] for link in links}

    cached = b"".join(rendered_pages.values())

    assert cached
    assert not any(grant.encode() in cached for grant in grants)
