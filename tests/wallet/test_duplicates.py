"""One record per credential (OB 3.0 equality); newer issues replace, older ones are history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from intake.services import arrival
from tests.support.issuer import ISSUED, NOW
from tests.wallet.helpers import as_bytes, signed_ob3
from wallet.models import Credential, CredentialVersion
from wallet.services import store, trash

pytestmark = pytest.mark.django_db

CREDENTIAL_ID = "urn:uuid:6f1c3b2a-0000-4000-8000-000000000001"


def _import(owner, data: bytes) -> store.ImportOutcome:
    return arrival.credential_import(owner=owner, data=data, source="upload", now=NOW)


def test_the_same_credential_imported_twice_is_one_record(owner, issuer):
    data = as_bytes(issuer.ob3())

    first = _import(owner, data)
    second = _import(owner, data)

    assert second.status == "duplicate"
    assert second.credential.pk == first.credential.pk
    assert Credential.objects.filter(owner=owner).count() == 1


def test_the_same_credential_in_different_whitespace_is_still_one_record(owner, issuer):
    credential = issuer.ob3()
    _import(owner, as_bytes(credential))

    outcome = _import(owner, b"\n" + as_bytes(credential).replace(b"\n  ", b" ") + b"\n")

    assert outcome.status == "duplicate"
    assert Credential.objects.count() == 1


def test_ids_compare_after_percent_decoding_and_trimming(owner, issuer):
    plain = signed_ob3(issuer, credential_id="https://issuer.example/c/a b")
    encoded = signed_ob3(issuer, credential_id=" https://issuer.example/c/a%20b ")
    _import(owner, as_bytes(plain))

    outcome = _import(owner, as_bytes(encoded))

    assert outcome.status == "duplicate"
    assert Credential.objects.count() == 1


def test_two_owners_each_keep_their_own_copy(owner, stranger, issuer):
    data = as_bytes(issuer.ob3())

    _import(owner, data)
    outcome = _import(stranger, data)

    assert outcome.status == "imported"
    assert Credential.objects.count() == 2


def test_a_newer_issue_replaces_the_current_one_and_keeps_it_in_history(owner, issuer):
    older = as_bytes(signed_ob3(issuer, credential_id=CREDENTIAL_ID, name="First issue"))
    newer = as_bytes(
        signed_ob3(
            issuer,
            credential_id=CREDENTIAL_ID,
            valid_from=ISSUED + timedelta(days=30),
            name="Second issue",
        )
    )
    first = _import(owner, older)

    outcome = _import(owner, newer)

    assert outcome.status == "updated"
    credential = Credential.objects.get(pk=first.credential.pk)
    assert bytes(credential.original) == newer
    assert credential.title == "Second issue"
    version = CredentialVersion.objects.get(credential=credential)
    assert bytes(version.original) == older
    assert version.reason == "replaced"
    assert credential.runs.count() == 2


def test_an_older_issue_imported_later_is_kept_in_history_only(owner, issuer):
    newer = as_bytes(
        signed_ob3(
            issuer, credential_id=CREDENTIAL_ID, valid_from=ISSUED + timedelta(days=30), name="New"
        )
    )
    older = as_bytes(signed_ob3(issuer, credential_id=CREDENTIAL_ID, name="Old"))
    _import(owner, newer)

    outcome = _import(owner, older)
    _import(owner, older)

    assert outcome.status == "duplicate"
    credential = Credential.objects.get()
    assert bytes(credential.original) == newer
    assert credential.title == "New"
    version = CredentialVersion.objects.get(credential=credential)
    assert bytes(version.original) == older
    assert version.reason == "older"


def test_re_importing_a_deleted_credential_brings_it_back(owner, issuer):
    data = as_bytes(issuer.ob3())
    first = _import(owner, data)
    trash.credential_delete(credential=first.credential, now=NOW)

    outcome = _import(owner, data)

    assert outcome.credential.pk == first.credential.pk
    assert Credential.objects.get().deleted_at is None


def test_a_clr_imported_twice_keeps_one_set_of_children(owner, issuer):
    data = as_bytes(issuer.clr())

    _import(owner, data)
    _import(owner, data)

    assert Credential.objects.filter(parent__isnull=True).count() == 1
    assert Credential.objects.filter(parent__isnull=False).count() == 2


def test_a_newer_copy_that_does_not_verify_never_replaces_a_verified_one(owner, issuer):
    genuine = as_bytes(signed_ob3(issuer, credential_id=CREDENTIAL_ID, name="Genuine"))
    altered = signed_ob3(
        issuer, credential_id=CREDENTIAL_ID, valid_from=ISSUED + timedelta(days=30), name="Real"
    )
    altered["name"] = "Altered after signing"
    _import(owner, genuine)

    outcome = _import(owner, as_bytes(altered))

    assert outcome.status == "duplicate"
    assert "does not verify" in outcome.message
    credential = Credential.objects.get()
    assert bytes(credential.original) == genuine
    assert credential.verdict == "verified"
    assert CredentialVersion.objects.get(credential=credential).reason == "unverified"


def test_a_verifying_newer_issue_replaces_one_that_does_not_verify(owner, issuer):
    broken = signed_ob3(issuer, credential_id=CREDENTIAL_ID, name="Broken")
    broken["name"] = "Altered after signing"
    fixed = as_bytes(
        signed_ob3(
            issuer, credential_id=CREDENTIAL_ID, valid_from=ISSUED + timedelta(days=1), name="Fixed"
        )
    )
    _import(owner, as_bytes(broken))

    outcome = _import(owner, fixed)

    assert outcome.status == "updated"
    assert Credential.objects.get().verdict == "verified"
