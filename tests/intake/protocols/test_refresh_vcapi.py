"""Refreshing over VC Refresh 2021 (a VC-API exchange) with a stub issuer on loopback: only
when the learner asks, answered with a presentation signed by their holder key over the
exchange's challenge, the newer copy stored and the earlier one kept in the history."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from intake.services import arrival
from intake.services.refresh import RefreshError, credential_refresh, refresh_expiring
from tests.support.issuer import ISSUED, NOW, TestIssuer
from tests.support.issuing import StubIssuer
from wallet.models import Credential, CredentialVersion
from wallet.verification import verify_document

REFRESH_TYPE = "VerifiableCredentialRefreshService2021"
# The CCG's refresh service context is not vendored; the type is defined inline, as JSON-LD
# lets a credential do.
REFRESH_TERMS = {REFRESH_TYPE: f"https://w3id.org/vc-refresh-service#{REFRESH_TYPE}"}


def _badge(issuer: TestIssuer, url: str, *, name: str, days: int = 0) -> dict[str, Any]:
    credential = issuer.achievement_credential(issuer.ed.did, status=False)
    credential["@context"].append(REFRESH_TERMS)
    credential["id"] = "urn:uuid:5b7e1c2a-3333-4000-8000-000000000003"
    credential["name"] = name
    credential["validFrom"] = (ISSUED + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    credential["refreshService"] = {"type": REFRESH_TYPE, "url": url}
    return issuer._di_sign(credential, issuer.ed)


@pytest.fixture
def exchange_url(stub: StubIssuer) -> str:
    stub.exchanges["refresh"] = {"challenge": "c-refresh", "done": False}
    return f"{stub.origin}/exchanges/refresh"


@pytest.fixture
def held(owner, issuer, exchange_url) -> Credential:
    data = json.dumps(_badge(issuer, exchange_url, name="Test Achievement")).encode()
    outcome = arrival.credential_import(owner=owner, data=data, source="upload", now=NOW)
    assert outcome.credential is not None and outcome.credential.verdict == "verified"
    return outcome.credential


def test_the_exchange_is_answered_with_a_holder_signed_presentation_and_the_newer_copy_kept(
    owner, issuer, stub, exchange_url, held
):
    newer = _badge(issuer, exchange_url, name="Renewed", days=90)
    stub.issued_credential = lambda: newer  # type: ignore[method-assign]
    before = bytes(held.original)
    assert stub.exchange_posts == [], "nothing is sent before the learner asks"

    outcome = credential_refresh(owner=owner, credential=held, now=NOW)

    assert outcome.status == "updated", outcome.message
    held.refresh_from_db()
    assert held.title == "Renewed"
    assert bytes(CredentialVersion.objects.get(credential=held).original) == before
    vp = stub.exchange_posts[-1]["verifiablePresentation"]
    assert vp["holder"] == issuer.earner_did
    assert vp["proof"]["challenge"] == "c-refresh"
    options = issuer.options(challenge="c-refresh", domain="127.0.0.1", now=NOW)
    assert verify_document(vp, options=options).verdict.is_ok


def test_an_exchange_that_refuses_changes_nothing(owner, stub, exchange_url, held):
    stub.exchanges["refresh"]["done"] = True

    with pytest.raises(RefreshError, match="refused"):
        credential_refresh(owner=owner, credential=held, now=NOW)

    assert Credential.objects.get().sha256 == held.sha256
    assert not CredentialVersion.objects.exists()


def test_the_daily_refresh_never_answers_an_exchange_on_its_own(owner, issuer, stub, exchange_url):
    badge = _badge(issuer, exchange_url, name="Test Achievement")
    del badge["proof"]
    badge["validUntil"] = (NOW + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    data = json.dumps(issuer._di_sign(badge, issuer.ed)).encode()
    arrival.credential_import(owner=owner, data=data, source="upload", now=NOW)

    assert refresh_expiring(now=NOW) == 0
    assert stub.exchange_posts == []
