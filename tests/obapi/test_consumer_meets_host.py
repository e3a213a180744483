"""Satchel's consumer against Satchel's own host, over real HTTP on loopback: one learner's
Satchel connects to another's (discovery, registration, the other learner consents on the
host's page, tokens), and brings that learner's credentials in through getCredentials;
disconnecting revokes the tokens at the host (RFC 7009)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken, RefreshToken

from intake.services.arrival import credential_import
from obapi import badge_hosts
from obapi.models import BadgeHost, SyncAttempt, ToolAccess
from tests.support.issuer import NOW
from wallet.models import Credential


@pytest.mark.django_db(transaction=True)
def test_one_satchel_brings_in_what_another_holds(
    live_server, settings, issuer, owner, stranger
) -> None:
    origin = live_server.url
    settings.SATCHEL_PUBLIC_ORIGIN = origin
    settings.SATCHEL_OUTBOUND_ALLOW = (origin,)
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],
    }
    for data in (json.dumps(issuer.ob3()).encode(), issuer.ob3_jwt().encode()):
        credential_import(owner=owner, data=data, source="upload", now=NOW)

    # The stranger connects their Satchel to the owner's (the same deployment, over HTTP).
    started = badge_hosts.badge_host_connect(owner=stranger, base_url=origin, api="ob", now=NOW)
    authorization = urlsplit(started.authorization_url)
    assert f"{authorization.scheme}://{authorization.netloc}" == origin

    # The owner allows it on the host's consent page.
    browser = Client()
    browser.force_login(owner)
    page = browser.get(authorization.path, parse_qs(authorization.query))
    assert page.status_code == 200
    assert "Satchel" in page.content.decode()
    form = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    back = browser.post(authorization.path, {**form, "allow": "Authorize"})
    query = {k: v[0] for k, v in parse_qs(urlsplit(back["Location"]).query).items()}

    connected = badge_hosts.badge_host_authorized(
        owner=stranger, state=query["state"], code=query["code"], error="", now=NOW
    )

    assert connected.state == BadgeHost.State.CONNECTED
    attempt = SyncAttempt.objects.get(host=connected)
    assert attempt.outcome == SyncAttempt.Outcome.SUCCEEDED, attempt.message
    assert (attempt.received, attempt.imported) == (2, 2)
    brought = Credential.objects.filter(owner=stranger, source="badge_host")
    assert brought.count() == 2
    log = ToolAccess.objects.filter(owner=owner).values_list("action", flat=True)
    assert set(log) == {ToolAccess.Action.CONNECTED, ToolAccess.Action.READ_CREDENTIALS}

    # The next sync asks only for what changed since (an hour's overlap brings both again).
    again = badge_hosts.badge_host_sync(host_id=connected.pk, now=NOW)
    assert again is not None and again.outcome == SyncAttempt.Outcome.SUCCEEDED, again
    assert (again.received, again.duplicate) == (2, 2)
    connected.refresh_from_db()

    # The stranger disconnects: their Satchel revokes its tokens at the owner's (RFC 7009).
    assert AccessToken.objects.filter(user=owner).exists()
    done = badge_hosts.badge_host_disconnect(owner=stranger, host=connected, now=NOW)

    assert done.revoked, done.problem
    assert not AccessToken.objects.filter(user=owner).exists()
    assert not RefreshToken.objects.filter(user=owner, revoked__isnull=True).exists()
