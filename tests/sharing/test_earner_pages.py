"""The earner's share pages: the form's choices, the list's states, changes, QR and card."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from sharing import selectors, services
from sharing.models import ShareLink
from tests.sharing.conftest import SOON
from tests.support.issuer import NOW
from wallet.models import Credential
from wallet.services import organise

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def row(db: None) -> Callable[..., Credential]:
    """A stored credential row with chosen derived fields (no bytes verified)."""
    serial = iter(range(1, 1_000))

    def make(owner: User, **fields: Any) -> Credential:
        number = next(serial)
        original = f'{{"id": "urn:test:{number}"}}'.encode()
        values: dict[str, Any] = {
            "owner": owner,
            "original": original,
            "media_type": "application/json",
            "sha256": hashlib.sha256(original).hexdigest(),
            "container": "json",
            "source": "upload",
            "format": "ob3",
            "credential_id": f"urn:test:{number}",
            "issuer_id": "did:example:issuer",
            "issuer_name": "Example University",
            "dedupe_key": f"test:{number}",
            "title": f"Credential {number}",
            "verdict": "verified",
            "created_at": NOW,
            "updated_at": NOW,
            "checked_at": NOW,
        }
        values.update(fields)
        return Credential.objects.create(**values)

    return make


@pytest.fixture
def signed_in(client: Client, owner: User) -> Client:
    client.force_login(owner)
    return client


def post_create(client: Client, **fields: Any) -> Any:
    data = {"what": "credentials", "audience": "Acme Corp", "expiry": "30d", **fields}
    return client.post(reverse("shares:create"), data)


def detail_url(share: ShareLink) -> str:
    return reverse("shares:detail", kwargs={"share_id": share.pk})


# --- the form -------------------------------------------------------------------------------


def test_the_form_lists_live_credentials_with_issuer_and_verdict(
    signed_in: Client, owner: User, row: Callable[..., Credential]
) -> None:
    row(owner, title="Statistics 101", issuer_name="Open College", verdict="revoked")
    row(owner, title="Binned", deleted_at=NOW)
    html = signed_in.get(reverse("shares:create")).content.decode()
    assert "Statistics 101" in html
    assert "Open College" in html
    assert "Revoked by the issuer" in html
    assert "Binned" not in html


def test_the_form_preselects_credentials_named_in_the_address(
    signed_in: Client, owner: User, row: Callable[..., Credential]
) -> None:
    first, second, third = row(owner), row(owner), row(owner)
    response = signed_in.get(reverse("shares:create"), {"credential": [first.pk, third.pk, "junk"]})
    html = response.content.decode()
    assert f'value="{first.pk}" id="pick-{first.pk}" checked' in html
    assert f'value="{third.pk}" id="pick-{third.pk}" checked' in html
    assert f'value="{second.pk}" id="pick-{second.pk}">' in html


def test_the_form_offers_a_credential_inside_a_transcript_when_it_is_preselected(
    signed_in: Client, owner: User, row: Callable[..., Credential]
) -> None:
    transcript = row(owner, title="Transcript")
    course = row(owner, title="Course inside", parent=transcript)
    assert "Course inside" not in signed_in.get(reverse("shares:create")).content.decode()
    html = signed_in.get(reverse("shares:create"), {"credential": course.pk}).content.decode()
    assert f'id="pick-{course.pk}" checked' in html


def test_the_display_name_defaults_to_the_earners_name(signed_in: Client) -> None:
    html = signed_in.get(reverse("shares:create")).content.decode()
    assert 'name="display_name" id="id_display_name" maxlength="120" value="Robin Learner"' in html


def test_thirty_days_is_the_default_expiry(signed_in: Client) -> None:
    response = signed_in.get(reverse("shares:create"))
    assert response.context["form"]["expiry"].value() == "30d"
    assert 'value="30d"' in response.content.decode()
    assert "No expiry (until you revoke it)" in response.content.decode()


def test_it_creates_a_link_to_the_chosen_credentials_for_thirty_days(
    signed_in: Client, owner: User, row: Callable[..., Credential], frozen: Any
) -> None:
    chosen = [row(owner), row(owner)]
    row(owner, title="Not chosen")
    response = post_create(
        signed_in, credentials=[str(c.pk) for c in chosen], display_name="R. Learner"
    )
    share = ShareLink.objects.get()
    assert response["Location"] == detail_url(share)
    assert share.owner == owner
    assert share.audience == "Acme Corp"
    assert share.display_name == "R. Learner"
    assert share.expires_at == SOON + timedelta(days=30)
    assert share.max_views is None
    assert selectors.share_credentials(share=share) == chosen


def test_no_expiry_is_an_explicit_choice(
    signed_in: Client, owner: User, row: Callable[..., Credential], frozen: Any
) -> None:
    post_create(signed_in, credentials=[str(row(owner).pk)], expiry="never", max_views="3")
    share = ShareLink.objects.get()
    assert share.expires_at is None
    assert share.max_views == 3


@pytest.mark.parametrize(
    ("preset", "days"), [("1d", 1), ("7d", 7), ("90d", 90), ("180d", 180), ("365d", 365)]
)
def test_each_expiry_preset_sets_its_lifetime(
    signed_in: Client, owner: User, row: Callable[..., Credential], frozen: Any, preset, days
) -> None:
    post_create(signed_in, credentials=[str(row(owner).pk)], expiry=preset)
    assert ShareLink.objects.get().expires_at == SOON + timedelta(days=days)


def test_a_collection_can_be_shared_as_it_is_now(
    signed_in: Client, owner: User, row: Callable[..., Credential], frozen: Any
) -> None:
    collection = organise.collection_create(owner=owner, name="Job hunt")
    inside = row(owner)
    organise.collection_add(collection=collection, credential=inside)
    post_create(
        signed_in, what="collection", collection=str(collection.pk), collection_mode="frozen"
    )
    share = ShareLink.objects.get()
    organise.collection_add(collection=collection, credential=row(owner))
    assert share.follow_collection is False
    assert selectors.share_credentials(share=share) == [inside]


def test_a_collection_can_be_followed(
    signed_in: Client, owner: User, row: Callable[..., Credential], frozen: Any
) -> None:
    collection = organise.collection_create(owner=owner, name="Job hunt")
    organise.collection_add(collection=collection, credential=row(owner))
    post_create(
        signed_in, what="collection", collection=str(collection.pk), collection_mode="follow"
    )
    share = ShareLink.objects.get()
    organise.collection_add(collection=collection, credential=row(owner))
    assert share.follow_collection is True
    assert len(selectors.share_credentials(share=share)) == 2
    html = signed_in.get(detail_url(share)).content.decode()
    assert "Follows the collection" in html


def test_the_form_explains_what_is_missing(signed_in: Client) -> None:
    response = post_create(signed_in, audience="  ", max_views="0")
    errors = response.context["form"].errors
    assert response.status_code == 200
    assert "credentials" in errors
    assert "audience" in errors
    assert "max_views" in errors
    assert ShareLink.objects.count() == 0


def test_a_collection_share_needs_a_collection(signed_in: Client, owner: User) -> None:
    organise.collection_create(owner=owner, name="Job hunt")
    response = post_create(signed_in, what="collection", collection="")
    assert "collection" in response.context["form"].errors
    assert ShareLink.objects.count() == 0


def test_a_refusal_from_the_service_is_shown_on_the_form(
    signed_in: Client, owner: User, row: Callable[..., Credential]
) -> None:
    # The only chosen credential goes to the trash between showing the form and sending it.
    credential = row(owner)
    Credential.objects.filter(pk=credential.pk).update(deleted_at=NOW)
    response = post_create(signed_in, credentials=[str(credential.pk)])
    assert response.status_code == 200
    assert ShareLink.objects.count() == 0


# --- the list -------------------------------------------------------------------------------


def test_the_list_says_each_links_state_in_words(
    signed_in: Client, owner: User, row: Callable[..., Credential], frozen: Any
) -> None:
    ids = (row(owner).pk,)
    long_ago = SOON - timedelta(days=60)
    services.share_create(owner=owner, audience="Working", credential_ids=ids)
    services.share_create(
        owner=owner,
        audience="Old one",
        credential_ids=ids,
        expires_in=timedelta(days=1),
        now=long_ago,
    )
    gone, _ = services.share_create(owner=owner, audience="Taken back", credential_ids=ids)
    services.share_revoke(owner=owner, share_id=gone.pk)
    used, _ = services.share_create(owner=owner, audience="Once", credential_ids=ids, max_views=1)
    services.share_take_view(share=used, user_agent="curl/8")
    html = signed_in.get(reverse("shares:list")).content.decode()
    working, ended = html.split("Ended links")
    assert "Working" in working and "Active" in working
    assert "Old one" in ended and "Expired" in ended
    assert "Taken back" in ended and "Revoked" in ended
    assert "Once" in ended and "All views used" in ended
    assert "<dt>Views</dt><dd>1 of 1</dd>" in ended


def test_the_list_offers_the_link_again_with_a_copy_button(
    signed_in: Client, owner: User, row: Callable[..., Credential], frozen: Any
) -> None:
    share, token = services.share_create(
        owner=owner, audience="Acme", credential_ids=(row(owner).pk,)
    )
    html = signed_in.get(reverse("shares:list")).content.decode()
    assert f'value="{services.share_url(share)}" readonly' in html
    assert token in services.share_url(share)
    assert f'data-copy="#share-url-{share.pk}"' in html


def test_the_list_counts_the_credentials_and_shows_the_last_view(
    signed_in: Client, owner: User, row: Callable[..., Credential], frozen: Any
) -> None:
    share, _ = services.share_create(
        owner=owner, audience="Acme", credential_ids=[row(owner).pk for _ in range(3)]
    )
    services.share_log_access(share=share, user_agent="curl/8", client="a", now=SOON)
    html = signed_in.get(reverse("shares:list")).content.decode()
    assert "<dt>Credentials</dt><dd>3</dd>" in html
    assert f'<time datetime="{SOON.isoformat()}">1 Mar 2026, 12:05</time>' in html


# --- changes --------------------------------------------------------------------------------


@pytest.fixture
def share(owner: User, row: Callable[..., Credential], frozen: Any) -> ShareLink:
    link, _token = services.share_create(
        owner=owner,
        audience="Acme Corp",
        credential_ids=(row(owner).pk,),
        display_name="Robin Learner",
    )
    return link


def test_extending_sets_a_new_expiry_from_now(signed_in: Client, share: ShareLink) -> None:
    response = signed_in.post(
        reverse("shares:extend", kwargs={"share_id": share.pk}), {"expiry": "365d"}
    )
    assert response["Location"] == detail_url(share)
    share.refresh_from_db()
    assert share.expires_at == SOON + timedelta(days=365)
    html = signed_in.get(detail_url(share)).content.decode()
    assert "Expiry set to 1 Mar 2027" in html


def test_extending_can_remove_the_expiry(signed_in: Client, share: ShareLink) -> None:
    signed_in.post(reverse("shares:extend", kwargs={"share_id": share.pk}), {"expiry": "never"})
    share.refresh_from_db()
    assert share.expires_at is None


def test_an_unknown_preset_changes_nothing(signed_in: Client, share: ShareLink) -> None:
    before = share.expires_at
    signed_in.post(reverse("shares:extend", kwargs={"share_id": share.pk}), {"expiry": "forever"})
    share.refresh_from_db()
    assert share.expires_at == before


def test_a_revoked_link_cannot_be_extended(
    signed_in: Client, owner: User, share: ShareLink
) -> None:
    services.share_revoke(owner=owner, share_id=share.pk)
    response = signed_in.post(
        reverse("shares:extend", kwargs={"share_id": share.pk}), {"expiry": "30d"}, follow=True
    )
    share.refresh_from_db()
    assert share.expires_at == SOON + timedelta(days=30)
    assert "cannot be reopened" in response.content.decode()


def test_renaming_changes_the_label_and_the_name_shown(signed_in: Client, share: ShareLink) -> None:
    signed_in.post(
        reverse("shares:rename", kwargs={"share_id": share.pk}),
        {"audience": "Acme Corp, second interview", "display_name": "Robin"},
    )
    share.refresh_from_db()
    assert share.audience == "Acme Corp, second interview"
    assert share.display_name == "Robin"
    assert "Renamed from “Acme Corp”" in signed_in.get(detail_url(share)).content.decode()


def test_revoking_twice_is_harmless(signed_in: Client, share: ShareLink) -> None:
    url = reverse("shares:revoke", kwargs={"share_id": share.pk})
    signed_in.post(url)
    share.refresh_from_db()
    first = share.revoked_at
    assert signed_in.post(url).status_code == 302
    share.refresh_from_db()
    assert share.revoked_at == first


# --- QR codes and the card ------------------------------------------------------------------


def test_the_qr_codes_download_as_files(signed_in: Client, share: ShareLink) -> None:
    png = signed_in.get(reverse("shares:qr_png", kwargs={"share_id": share.pk}), {"download": ""})
    assert png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert png["Content-Disposition"] == f'attachment; filename="share-{share.pk}-acme-corp-qr.png"'
    svg = signed_in.get(reverse("shares:qr_svg", kwargs={"share_id": share.pk}), {"download": ""})
    assert svg["Content-Disposition"].startswith("attachment;")
    shown = signed_in.get(reverse("shares:qr_png", kwargs={"share_id": share.pk}))
    assert shown["Content-Disposition"].startswith("inline;")
    # An SVG opened on its own is saved, never rendered as a document; an <img> still draws it.
    svg = signed_in.get(reverse("shares:qr_svg", kwargs={"share_id": share.pk}))
    assert svg["Content-Disposition"].startswith("attachment;")


def test_the_card_shows_the_audience_expiry_qr_and_address(
    signed_in: Client, share: ShareLink
) -> None:
    html = signed_in.get(reverse("shares:card", kwargs={"share_id": share.pk})).content.decode()
    assert "Prepared for <strong>Acme Corp</strong>" in html
    assert "31 March 2026" in html
    assert reverse("shares:qr_svg", kwargs={"share_id": share.pk}) in html
    assert services.share_url(share) in html
    assert "Robin Learner" in html


# --- hostile text ---------------------------------------------------------------------------


def test_hostile_titles_and_names_are_escaped_on_every_page(
    signed_in: Client, owner: User, row: Callable[..., Credential], frozen: Any
) -> None:
    credential = row(owner, title=HOSTILE, issuer_name=HOSTILE)
    share, _ = services.share_create(
        owner=owner, audience=HOSTILE, display_name=HOSTILE, credential_ids=(credential.pk,)
    )
    services.share_rename(owner=owner, share_id=share.pk, audience=HOSTILE + " again")
    pages = [
        reverse("shares:list"),
        reverse("shares:create"),
        detail_url(share),
        reverse("shares:card", kwargs={"share_id": share.pk}),
        reverse("shares:revoke", kwargs={"share_id": share.pk}),
    ]
    for page in pages:
        html = signed_in.get(page).content.decode()
        assert "<script>alert" not in html, page
        assert "<img src=x" not in html, page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html, page


def test_the_list_counts_only_live_credentials_and_followed_collections_as_they_are_now(
    signed_in: Client, owner: User, row: Callable[..., Credential], frozen: Any
) -> None:
    kept, binned = row(owner), row(owner)
    services.share_create(owner=owner, audience="Chosen", credential_ids=(kept.pk, binned.pk))
    collection = organise.collection_create(owner=owner, name="Job hunt")
    for credential in (row(owner), row(owner), row(owner)):
        organise.collection_add(collection=collection, credential=credential)
    services.share_create(
        owner=owner, audience="Followed", collection_id=collection.pk, follow_collection=True
    )
    Credential.objects.filter(pk=binned.pk).update(deleted_at=SOON)
    rows = {r.share.audience: r for r in signed_in.get(reverse("shares:list")).context["active"]}
    assert rows["Chosen"].credential_count == 1
    assert rows["Followed"].credential_count == 3


def test_the_list_takes_the_same_number_of_queries_for_one_link_or_many(
    signed_in: Client, owner: User, row: Callable[..., Credential], frozen: Any
) -> None:
    ids = (row(owner).pk, row(owner).pk)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get(reverse("shares:list")).status_code == 200
        return len(captured)

    services.share_create(owner=owner, audience="First", credential_ids=ids)
    queries()  # the first request of a session also records the session
    one = queries()
    for number in range(6):
        services.share_create(owner=owner, audience=f"Link {number}", credential_ids=ids)
    assert queries() == one


def test_the_pages_carry_no_inline_script_style_or_handler(
    signed_in: Client, share: ShareLink
) -> None:
    pages = [
        reverse("shares:list"),
        reverse("shares:create"),
        detail_url(share),
        reverse("shares:card", kwargs={"share_id": share.pk}),
        reverse("shares:revoke", kwargs={"share_id": share.pk}),
    ]
    for page in pages:
        response = signed_in.get(page)
        html = response.content.decode()
        assert "script-src 'self'" in response["Content-Security-Policy"], page
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), page
        assert not re.search(r"\sstyle=", html), page
        assert not re.search(r"\son[a-z]+=", html), page
        assert "<style" not in html, page
