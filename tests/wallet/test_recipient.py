"""Recipient matching against the owner's verified emails and DIDs (pain point 9)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from intake.services import arrival
from tests.support.issuer import EARNER_EMAIL, NOW
from tests.wallet.conftest import hold_did, make_user
from tests.wallet.helpers import as_bytes
from wallet import selectors
from wallet.services import reverify, store

pytestmark = pytest.mark.django_db


def _import(owner, data: bytes) -> store.ImportOutcome:
    return arrival.credential_import(owner=owner, data=data, source="upload", now=NOW)


def test_a_badge_issued_to_a_verified_email_matches(owner, issuer):
    outcome = _import(owner, as_bytes(issuer.ob2_hosted()))

    assert outcome.credential.recipient_match == "match"
    assert outcome.credential.verdict == "verified"


def test_a_badge_issued_to_an_unverified_email_says_which_identity_to_add(issuer, db):
    someone = make_user("other@example.org")

    outcome = _import(someone, as_bytes(issuer.ob2_hosted()))

    credential = outcome.credential
    assert credential.recipient_match == "no_match"
    assert credential.recipient_hint == EARNER_EMAIL
    assert credential.verdict == "verified_with_warnings"
    recipient = [c for c in credential.runs.get().report["checks"] if c["name"] == "recipient"]
    assert EARNER_EMAIL in recipient[0]["message"]


def test_a_credential_matches_once_its_did_is_added_to_the_account(issuer, db):
    someone = make_user("someone@example.org")
    credential = _import(someone, as_bytes(issuer.ob3())).credential
    assert credential.recipient_match == "no_match"

    hold_did(someone, issuer.earner_did)
    reverify.credential_reverify(credential=credential, now=NOW)

    credential.refresh_from_db()
    assert credential.recipient_match == "match"
    assert credential.verdict == "verified"


def test_removing_an_email_never_hides_a_credential(owner, issuer):
    EmailAddress.objects.create(user=owner, email="second@example.net", verified=True)
    credential = _import(owner, as_bytes(issuer.ob2_hosted())).credential
    EmailAddress.objects.filter(user=owner, email=EARNER_EMAIL).delete()

    reverify.credential_reverify(credential=credential, now=NOW)

    credential.refresh_from_db()
    assert credential.recipient_match == "no_match"
    assert list(selectors.credential_list(owner=owner)) == [credential]
