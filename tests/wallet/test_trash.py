"""Delete moves to the trash for 30 days; emptying it removes the bytes for good."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from tests.support.issuer import NOW
from wallet import selectors
from wallet.models import Credential
from wallet.services import trash

pytestmark = pytest.mark.django_db


def test_a_deleted_credential_leaves_the_record_but_waits_in_the_trash(owner, make_credential):
    credential = make_credential(owner)

    trash.credential_delete(credential=credential, now=NOW)

    assert list(selectors.credential_list(owner=owner)) == []
    assert list(selectors.trash_list(owner=owner)) == [credential]
    with pytest.raises(Http404):
        selectors.access_credential(owner=owner, credential_id=credential.pk)


def test_deleting_a_clr_trashes_what_it_contains(owner, make_credential):
    parent = make_credential(owner, format="clr2")
    child = make_credential(owner, parent=parent)

    trash.credential_delete(credential=parent, now=NOW)

    child.refresh_from_db()
    assert child.deleted_at == NOW
    trash.credential_restore(credential=parent, now=NOW + timedelta(days=1))
    child.refresh_from_db()
    assert child.deleted_at is None


def test_a_credential_can_be_restored_within_30_days(owner, make_credential):
    credential = make_credential(owner)
    trash.credential_delete(credential=credential, now=NOW)

    trash.credential_restore(credential=credential, now=NOW + timedelta(days=29))

    assert list(selectors.credential_list(owner=owner)) == [credential]


def test_restoring_after_30_days_is_refused(owner, make_credential):
    credential = make_credential(owner)
    trash.credential_delete(credential=credential, now=NOW)

    with pytest.raises(ValidationError):
        trash.credential_restore(credential=credential, now=NOW + timedelta(days=31))


def test_emptying_the_trash_removes_only_the_owners_trashed_credentials(
    owner, stranger, make_credential
):
    kept = make_credential(owner)
    gone = make_credential(owner)
    theirs = make_credential(stranger)
    trash.credential_delete(credential=gone, now=NOW)
    trash.credential_delete(credential=theirs, now=NOW)

    removed = trash.trash_empty(owner=owner, now=NOW)

    assert removed == 1
    assert set(Credential.objects.values_list("pk", flat=True)) == {kept.pk, theirs.pk}


def test_expired_trash_is_purged_for_every_owner(owner, stranger, make_credential):
    old = make_credential(owner)
    recent = make_credential(stranger)
    live = make_credential(owner)
    trash.credential_delete(credential=old, now=NOW - timedelta(days=31))
    trash.credential_delete(credential=recent, now=NOW - timedelta(days=5))

    purged = trash.purge_expired_trash(now=NOW)

    assert purged == 1
    assert set(Credential.objects.values_list("pk", flat=True)) == {recent.pk, live.pk}
