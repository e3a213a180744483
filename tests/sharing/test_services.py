"""Share link services: what a link holds, its lifetime, its secret, and its audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from sharing import selectors, services
from sharing.models import ShareState
from tests.sharing.conftest import database_text
from tests.support.issuer import NOW
from wallet.models import AuditEvent
from wallet.services import organise
from wallet.services.trash import credential_delete, trash_empty


def _actions(owner) -> list[str]:
    return list(
        AuditEvent.objects.filter(user=owner).order_by("pk").values_list("action", flat=True)
    )


def test_a_link_holds_the_chosen_credentials_in_the_chosen_order(owner, add, issuer):
    first, second, third = add(issuer.ob3()), add(issuer.ob3_jwt()), add(issuer.ob3())

    share, _ = services.share_create(
        owner=owner, audience="Acme", credential_ids=[third.pk, first.pk, second.pk], now=NOW
    )

    assert selectors.share_credentials(share=share) == [third, first, second]
    assert share.state(NOW) == ShareState.ACTIVE
    assert _actions(owner)[-1] == "share.created"


def test_the_token_is_stored_only_hashed_and_encrypted(owner, add, issuer):
    credential = add(issuer.ob3())

    share, token = services.share_create(
        owner=owner, audience="Acme", credential_ids=[credential.pk], now=NOW
    )

    assert len(token) >= 43
    assert token not in database_text()
    assert share.token_hash == services.token_hash(token)
    assert services.share_token(share) == token
    assert services.share_url(share).endswith(f"/s/{token}")
    assert selectors.share_by_token(token=token) == share


def test_links_expire_after_30_days_by_default(owner, add, issuer):
    credential = add(issuer.ob3())

    share, _ = services.share_create(
        owner=owner, audience="Acme", credential_ids=[credential.pk], now=NOW
    )

    assert share.expires_at == NOW + timedelta(days=30)
    assert share.state(NOW + timedelta(days=30)) == ShareState.EXPIRED


def test_no_expiry_is_an_explicit_choice(owner, add, issuer):
    credential = add(issuer.ob3())

    share, _ = services.share_create(
        owner=owner, audience="Acme", credential_ids=[credential.pk], no_expiry=True, now=NOW
    )

    assert share.expires_at is None
    assert share.state(NOW + timedelta(days=3650)) == ShareState.ACTIVE


@pytest.mark.parametrize("lifetime", [timedelta(0), timedelta(days=400)])
def test_expiries_outside_a_year_are_refused(owner, add, issuer, lifetime):
    credential = add(issuer.ob3())

    with pytest.raises(ValidationError):
        services.share_create(
            owner=owner, audience="Acme", credential_ids=[credential.pk], expires_in=lifetime
        )


def test_every_preset_maps_to_a_lifetime_or_to_no_expiry():
    assert services.expiry_preset("7d") == (timedelta(days=7), False)
    assert services.expiry_preset("never") == (None, True)
    with pytest.raises(ValidationError):
        services.expiry_preset("forever-and-ever")


def test_another_owners_credential_cannot_be_shared(owner, stranger, add, issuer):
    theirs = add(issuer.ob3(), user=stranger)

    with pytest.raises(ValidationError):
        services.share_create(owner=owner, audience="Acme", credential_ids=[theirs.pk], now=NOW)


def test_an_audience_is_required(owner, add, issuer):
    credential = add(issuer.ob3())

    with pytest.raises(ValidationError):
        services.share_create(owner=owner, audience="  ", credential_ids=[credential.pk])


def test_a_frozen_collection_keeps_what_it_held_when_shared(owner, add, issuer):
    first, later = add(issuer.ob3()), add(issuer.ob3())
    collection = organise.collection_create(owner=owner, name="Applications", now=NOW)
    organise.collection_add(collection=collection, credential=first)

    share, _ = services.share_create(
        owner=owner, audience="Acme", collection_id=collection.pk, now=NOW
    )
    organise.collection_add(collection=collection, credential=later)

    assert selectors.share_credentials(share=share) == [first]


def test_a_followed_collection_shows_what_it_holds_now(owner, add, issuer):
    first, later = add(issuer.ob3()), add(issuer.ob3())
    collection = organise.collection_create(owner=owner, name="Applications", now=NOW)
    organise.collection_add(collection=collection, credential=first)

    share, _ = services.share_create(
        owner=owner,
        audience="Acme",
        collection_id=collection.pk,
        follow_collection=True,
        now=NOW,
    )
    organise.collection_add(collection=collection, credential=later)

    assert set(selectors.share_credentials(share=share)) == {first, later}


def test_another_owners_collection_cannot_be_shared(owner, stranger):
    theirs = organise.collection_create(owner=stranger, name="Mine", now=NOW)

    with pytest.raises(Http404):
        services.share_create(owner=owner, audience="Acme", collection_id=theirs.pk)


def test_trashing_a_credential_removes_it_from_every_link_and_emptying_deletes_it(
    owner, add, issuer
):
    kept, trashed = add(issuer.ob3()), add(issuer.ob3())
    one, _ = services.share_create(
        owner=owner, audience="A", credential_ids=[kept.pk, trashed.pk], now=NOW
    )
    two, _ = services.share_create(owner=owner, audience="B", credential_ids=[trashed.pk], now=NOW)

    credential_delete(credential=trashed, now=NOW)

    assert selectors.share_credentials(share=one) == [kept]
    assert selectors.share_credentials(share=two) == []
    trash_empty(owner=owner, now=NOW)
    assert one.items.count() == 1 and two.items.count() == 0


def test_revoking_is_immediate_idempotent_and_audited(owner, add, issuer):
    credential = add(issuer.ob3())
    share, _ = services.share_create(
        owner=owner, audience="Acme", credential_ids=[credential.pk], now=NOW
    )

    services.share_revoke(owner=owner, share_id=share.pk, now=NOW)
    services.share_revoke(owner=owner, share_id=share.pk, now=NOW + timedelta(hours=1))

    share.refresh_from_db()
    assert share.state(NOW) == ShareState.REVOKED
    assert share.revoked_at == NOW
    assert _actions(owner).count("share.revoked") == 1


def test_extending_counts_from_now_and_reopens_an_expired_link(owner, add, issuer):
    credential = add(issuer.ob3())
    share, _ = services.share_create(
        owner=owner,
        audience="Acme",
        credential_ids=[credential.pk],
        expires_in=timedelta(days=1),
        now=NOW,
    )
    later = NOW + timedelta(days=5)

    services.share_extend(owner=owner, share_id=share.pk, expires_in=timedelta(days=7), now=later)

    share.refresh_from_db()
    assert share.expires_at == later + timedelta(days=7)
    assert share.state(later) == ShareState.ACTIVE
    assert _actions(owner)[-1] == "share.extended"


def test_a_revoked_link_cannot_be_extended(owner, add, issuer):
    credential = add(issuer.ob3())
    share, _ = services.share_create(
        owner=owner, audience="Acme", credential_ids=[credential.pk], now=NOW
    )
    services.share_revoke(owner=owner, share_id=share.pk, now=NOW)

    with pytest.raises(ValidationError):
        services.share_extend(owner=owner, share_id=share.pk, no_expiry=True, now=NOW)


def test_renaming_changes_the_label_and_is_audited(owner, add, issuer):
    credential = add(issuer.ob3())
    share, _ = services.share_create(
        owner=owner, audience="Acme", credential_ids=[credential.pk], now=NOW
    )

    services.share_rename(
        owner=owner, share_id=share.pk, audience="Acme, second round", display_name="R. L."
    )

    share.refresh_from_db()
    assert (share.audience, share.display_name) == ("Acme, second round", "R. L.")
    assert _actions(owner)[-1] == "share.renamed"


def test_a_stranger_cannot_touch_someone_elses_link(owner, stranger, add, issuer):
    credential = add(issuer.ob3())
    share, _ = services.share_create(
        owner=owner, audience="Acme", credential_ids=[credential.pk], now=NOW
    )

    for action in (
        lambda: services.share_revoke(owner=stranger, share_id=share.pk),
        lambda: services.share_extend(owner=stranger, share_id=share.pk, no_expiry=True),
        lambda: services.share_rename(owner=stranger, share_id=share.pk, audience="Mine"),
        lambda: selectors.access_share(owner=stranger, share_id=share.pk),
    ):
        with pytest.raises(Http404):
            action()


def test_the_last_view_can_be_taken_only_once(owner, add, issuer):
    credential = add(issuer.ob3())
    share, _ = services.share_create(
        owner=owner, audience="Acme", credential_ids=[credential.pk], max_views=1, now=NOW
    )
    stale_copy = type(share).objects.get(pk=share.pk)

    first = services.share_take_view(share=share, user_agent="", now=NOW)
    second = services.share_take_view(share=stale_copy, user_agent="", now=NOW)

    assert first is not None and second is None
    share.refresh_from_db()
    assert share.view_count == 1
    assert share.state(NOW) == ShareState.USED_UP


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            ("Edge", "Windows"),
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            ("Safari", "iOS"),
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
            ("Firefox", "Linux"),
        ),
        ("LinkedInBot/1.0 (compatible; Mozilla/5.0)", ("Bot or link preview", "Other")),
        ("", ("Unknown", "Unknown")),
    ],
)
def test_user_agents_are_reduced_to_browser_and_system_families(agent, expected):
    assert services.coarse_user_agent(agent) == expected
