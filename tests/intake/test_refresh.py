"""Refreshing a credential that names a refresh service (OB 3.0 1EdTechCredentialRefresh):
only when the learner asks, through the app's fetcher; the newer copy replaces the current
one when it verifies, and the earlier one stays in the history."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from intake.services import arrival
from intake.services.refresh import RefreshError, credential_refresh, refresh_expiring
from tests.support.issuer import ISSUED, NOW, TestIssuer
from wallet.models import AuditEvent, Credential, CredentialVersion

pytestmark = pytest.mark.django_db

REFRESH_URL = "https://issuer.example/refresh/1"
# The 1EdTech extensions context defines the refresh service type, as real credentials use it.
EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
LATER = NOW + timedelta(days=1)


def _badge(issuer: TestIssuer, *, name: str = "Test Achievement", days: int = 0, **changes: Any):
    credential = issuer.achievement_credential(issuer.ed.did, status=False)
    credential["id"] = "urn:uuid:7d2c0e6e-1111-4000-8000-000000000001"
    credential["name"] = name
    credential["validFrom"] = (ISSUED + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    credential["@context"].append(EXTENSIONS)
    credential["refreshService"] = {"id": REFRESH_URL, "type": "1EdTechCredentialRefresh"}
    credential.update(changes)
    return issuer._di_sign(credential, issuer.ed)


@pytest.fixture
def held(owner, issuer) -> Credential:
    data = json.dumps(_badge(issuer)).encode()
    outcome = arrival.credential_import(owner=owner, data=data, source="upload", now=NOW)
    assert outcome.credential is not None and outcome.credential.verdict == "verified"
    return outcome.credential


def test_a_newer_copy_from_the_refresh_service_replaces_the_current_one(owner, issuer, held):
    issuer.fetcher.add(REFRESH_URL, json.dumps(_badge(issuer, name="Renewed", days=90)))
    before = bytes(held.original)

    outcome = credential_refresh(owner=owner, credential=held, now=LATER)

    assert outcome.status == "updated", outcome.message
    assert "Refreshed" in outcome.message
    held.refresh_from_db()
    assert held.title == "Renewed" and held.verdict == "verified"
    version = CredentialVersion.objects.get(credential=held)
    assert bytes(version.original) == before
    assert version.reason == CredentialVersion.Reason.REPLACED
    assert AuditEvent.objects.filter(action="credential.refreshed").count() == 1


def test_the_same_copy_again_says_there_is_nothing_newer(owner, issuer, held):
    issuer.fetcher.add(REFRESH_URL, bytes(held.original))

    outcome = credential_refresh(owner=owner, credential=held, now=LATER)

    assert outcome.status == "duplicate"
    assert "nothing newer" in outcome.message
    assert not CredentialVersion.objects.exists()


def test_a_newer_copy_that_does_not_verify_is_kept_aside(owner, issuer, held):
    forged = _badge(issuer, name="Renewed", days=90)
    forged["name"] = "Forged after signing"
    issuer.fetcher.add(REFRESH_URL, json.dumps(forged))

    credential_refresh(owner=owner, credential=held, now=LATER)

    held.refresh_from_db()
    assert held.title == "Test Achievement"
    assert CredentialVersion.objects.get().reason == CredentialVersion.Reason.UNVERIFIED


def test_a_different_credential_from_the_refresh_service_changes_nothing(owner, issuer, held):
    other = _badge(issuer, days=90, id="urn:uuid:7d2c0e6e-2222-4000-8000-000000000002")
    issuer.fetcher.add(REFRESH_URL, json.dumps(other))

    with pytest.raises(RefreshError, match="different credential"):
        credential_refresh(owner=owner, credential=held, now=LATER)

    assert Credential.objects.count() == 1
    assert not CredentialVersion.objects.exists()


def test_a_refresh_service_that_answers_404_changes_nothing(owner, issuer, held):
    with pytest.raises(RefreshError, match="HTTP 404"):
        credential_refresh(owner=owner, credential=held, now=LATER)

    assert Credential.objects.get().sha256 == held.sha256


def test_a_credential_without_a_refresh_service_cannot_be_refreshed(owner, issuer):
    data = json.dumps(issuer.ob3()).encode()
    credential = arrival.credential_import(
        owner=owner, data=data, source="upload", now=NOW
    ).credential

    with pytest.raises(RefreshError, match="no refresh service"):
        credential_refresh(owner=owner, credential=credential, now=LATER)


def test_the_credential_page_offers_the_refresh_and_the_learner_asks_for_it(
    client: Client, owner, issuer, held
):
    issuer.fetcher.add(REFRESH_URL, json.dumps(_badge(issuer, name="Renewed", days=90)))
    client.force_login(owner)
    page = client.get(reverse("wallet:credential", args=[held.pk])).content.decode()
    assert "Ask the issuer for a newer copy" in page

    response = client.post(reverse("wallet:credential_refresh", args=[held.pk]), follow=True)

    assert "Refreshed" in response.content.decode()
    assert Credential.objects.get().title == "Renewed"


def test_a_stranger_cannot_refresh_someone_elses_credential(client: Client, stranger, held):
    client.force_login(stranger)

    response = client.post(reverse("wallet:credential_refresh", args=[held.pk]))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="credential.refreshed").exists()


def test_refreshing_needs_a_post(client: Client, owner, held):
    client.force_login(owner)

    response = client.get(reverse("wallet:credential_refresh", args=[held.pk]))

    assert response.status_code == 405


# --- the daily refresh of credentials close to expiry ------------------------------------


def _expiring(issuer: TestIssuer, *, name: str, days: int, until: timedelta) -> bytes:
    badge = _badge(issuer, name=name, days=days)
    del badge["proof"]
    badge["validUntil"] = (NOW + until).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps(issuer._di_sign(badge, issuer.ed)).encode()


def test_the_daily_refresh_renews_a_credential_close_to_expiry(owner, issuer):
    data = _expiring(issuer, name="Test Achievement", days=0, until=timedelta(days=5))
    held = arrival.credential_import(owner=owner, data=data, source="upload", now=NOW).credential
    issuer.fetcher.add(
        REFRESH_URL, _expiring(issuer, name="Renewed", days=90, until=timedelta(days=365))
    )

    asked = refresh_expiring(now=NOW)

    assert asked == 1
    held.refresh_from_db()
    assert held.title == "Renewed" and held.valid_until == NOW + timedelta(days=365)
    assert CredentialVersion.objects.filter(credential=held).count() == 1


def test_the_daily_refresh_leaves_a_credential_far_from_expiry_alone(owner, issuer):
    data = _expiring(issuer, name="Test Achievement", days=0, until=timedelta(days=60))
    arrival.credential_import(owner=owner, data=data, source="upload", now=NOW)

    assert refresh_expiring(now=NOW) == 0
    assert REFRESH_URL not in issuer.fetcher.requests


def test_the_daily_refresh_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["intake-refresh-expiring"]
    assert entry["task"] == "intake.tasks.refresh_expiring"


def test_nothing_newer_is_said_in_the_learner_s_language(owner, issuer, held):
    from django.utils import translation

    issuer.fetcher.add(REFRESH_URL, bytes(held.original))

    with translation.override("es"):
        outcome = credential_refresh(owner=owner, credential=held, now=LATER)

    assert outcome.status == "duplicate"
    assert outcome.message == "El emisor no tiene nada más reciente: tu copia es la vigente."
