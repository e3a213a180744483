"""A link that shows nothing any more says so, on the page and to machines, and costs nothing.

It answers 404, not 410: the learner can bring the credential back from the trash (or add
one to a followed collection), so the emptiness is not known to be permanent.
"""

from __future__ import annotations

import pytest

from sharing.models import ShareLink, ShareView
from sharing.services import share_create
from tests.support.issuer import NOW
from wallet.services import organise
from wallet.services.trash import credential_delete, credential_restore

pytestmark = pytest.mark.usefixtures("frozen")

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/126.0"
NOTHING = "no longer shows anything here"


def _get(client, path: str, **headers):
    return client.get(path, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="198.51.100.7", **headers)


@pytest.fixture
def emptied(owner, add, issuer):
    credential = add(issuer.ob3())
    share, token = share_create(
        owner=owner, audience="Acme", credential_ids=[credential.pk], max_views=3, now=NOW
    )
    credential_delete(credential=credential)
    return share, token, credential


def test_the_page_says_the_learner_no_longer_shows_anything(client, emptied):
    _, token, _ = emptied

    response = _get(client, f"/s/{token}")

    assert response.status_code == 404
    assert NOTHING in response.content.decode()
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/presentation", ""),
        ("/presentation?format=jwt", ""),
        ("/presentation?challenge=x", ""),
        ("", "application/vp+ld+json"),
        ("", "application/vp+jwt"),
    ],
)
def test_no_empty_presentation_is_signed(client, emptied, path, accept):
    _, token, _ = emptied

    response = _get(client, f"/s/{token}{path}", HTTP_ACCEPT=accept)

    assert response.status_code == 404
    # A program that asked for JSON or a token reads the reason as problem details.
    kind = "application/problem+json" if accept else "text/plain"
    assert response["Content-Type"].startswith(kind)
    assert NOTHING in response.content.decode()


def test_an_empty_link_uses_no_view_and_is_not_a_miss(client, emptied, settings):
    settings.SATCHEL_SHARE_MISS_LIMIT = 2
    share, token, _ = emptied

    for _ in range(3):
        _get(client, f"/s/{token}")
        _get(client, f"/s/{token}/presentation")

    share = ShareLink.objects.get(pk=share.pk)
    assert (share.counted_views, share.views_left) == (0, 3)
    assert not ShareView.objects.filter(share=share).exists()
    assert _get(client, "/s/unknown").status_code == 404


def test_a_page_rendered_before_the_trash_is_not_served_after_it(client, owner, add, issuer):
    credential = add(issuer.ob3())
    _, token = share_create(owner=owner, audience="Acme", credential_ids=[credential.pk], now=NOW)
    assert _get(client, f"/s/{token}").status_code == 200

    credential_delete(credential=credential)

    response = _get(client, f"/s/{token}")
    assert response.status_code == 404
    assert "Test Achievement" not in response.content.decode()


def test_the_link_shows_again_when_the_credential_comes_back_from_the_trash(client, emptied):
    _, token, credential = emptied
    assert _get(client, f"/s/{token}").status_code == 404

    credential_restore(credential=credential)

    response = _get(client, f"/s/{token}")
    assert response.status_code == 200
    assert "Test Achievement" in response.content.decode()


def test_a_followed_collection_emptied_of_credentials_shows_nothing(client, owner, add, issuer):
    credential = add(issuer.ob3())
    collection = organise.collection_create(owner=owner, name="Data", now=NOW)
    organise.collection_add(collection=collection, credential=credential)
    _, token = share_create(
        owner=owner, audience="Acme", collection_id=collection.pk, follow_collection=True, now=NOW
    )

    organise.collection_remove(collection=collection, credential=credential)

    response = _get(client, f"/s/{token}")
    assert response.status_code == 404
    assert NOTHING in response.content.decode()


def test_a_link_of_badges_that_cannot_be_presented_signs_no_presentation(
    client, owner, add, issuer
):
    badge = add(issuer.ob2_hosted())
    _, token = share_create(owner=owner, audience="Acme", credential_ids=[badge.pk], now=NOW)

    assert _get(client, f"/s/{token}").status_code == 200
    response = _get(client, f"/s/{token}/presentation")

    assert response.status_code == 404
    assert "Open Badges 2.0" in response.content.decode()
