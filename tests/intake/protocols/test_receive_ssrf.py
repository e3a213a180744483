"""Every address the protocols carry goes through the one outbound door: an offer, its
metadata or an exchange cannot make the wallet call an internal address, a redirect is
checked again, and an oversized answer is refused. The stub issuer itself is on loopback and
listed in SATCHEL_OUTBOUND_ALLOW; the addresses it names are not."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from intake.models import ReceiveAttempt
from intake.services.receiving import receive_accept, receive_open
from wallet.models import Credential

INSIDE = [
    "http://169.254.169.254/latest/meta-data",
    "https://10.0.0.5/credential",
    "https://[fd00::1]/credential",
    "http://127.0.0.1:1/credential",
]


def _open(owner, link, now):
    return receive_open(owner=owner, link=link, now=now)


@pytest.mark.parametrize("inside", INSIDE)
@pytest.mark.parametrize(
    "endpoint", ["credential_endpoint", "nonce_endpoint", "deferred_credential_endpoint"]
)
def test_an_endpoint_the_metadata_names_inside_is_not_called(owner, stub, now, inside, endpoint):
    if endpoint == "deferred_credential_endpoint":
        stub.defer_next = True
    stub.metadata_overrides = {endpoint: inside}
    attempt = _open(owner, stub.offer_link(), now)
    done = receive_accept(owner=owner, attempt=attempt, now=now).attempt
    if endpoint == "deferred_credential_endpoint":
        from intake.services.receiving import receive_poll

        assert done.state == ReceiveAttempt.State.WAITING
        done = receive_poll(attempt_id=done.pk, now=done.next_poll_at)
    assert done.state == ReceiveAttempt.State.FAILED
    assert done.error_kind == "refused_address"
    assert "will not contact" in done.error
    assert not Credential.objects.exists()


@pytest.mark.parametrize("inside", INSIDE[:2])
def test_an_authorization_server_inside_is_not_called(owner, stub, now, inside):
    stub.metadata_overrides = {"authorization_servers": [inside]}
    attempt = _open(owner, stub.offer_link(), now)
    done = receive_accept(owner=owner, attempt=attempt, now=now).attempt
    assert done.error_kind == "refused_address" and not stub.token_requests


def test_a_notification_endpoint_inside_is_not_called_and_changes_nothing(owner, stub, now):
    stub.metadata_overrides = {"notification_endpoint": INSIDE[0]}
    done = receive_accept(owner=owner, attempt=_open(owner, stub.offer_link(), now), now=now)
    assert done.attempt.state == ReceiveAttempt.State.RECEIVED
    assert stub.notifications == []


def test_a_credential_issuer_inside_is_not_called(owner, db, now):
    offer = {
        "credential_issuer": "http://169.254.169.254",
        "credential_configuration_ids": ["x"],
        "grants": {
            "urn:ietf:params:oauth:grant-type:pre-authorized_code": {"pre-authorized_code": "c"}
        },
    }
    link = "openid-credential-offer://?credential_offer=" + quote(json.dumps(offer))
    attempt = _open(owner, link, now)
    assert attempt.state == ReceiveAttempt.State.FAILED and attempt.error_kind == "refused_address"


@pytest.mark.parametrize("inside", INSIDE[:2])
def test_a_redirect_to_inside_is_checked_again_and_refused(owner, stub, now, inside):
    stub.metadata_redirect = inside
    attempt = _open(owner, stub.offer_link(), now)
    assert attempt.state == ReceiveAttempt.State.FAILED
    assert attempt.error_kind == "refused_address"


def test_an_oversized_answer_is_refused(owner, stub, now):
    stub.huge_metadata = True
    attempt = _open(owner, stub.offer_link(), now)
    assert attempt.state == ReceiveAttempt.State.FAILED
    assert "larger than Satchel accepts" in attempt.error


@pytest.mark.parametrize("inside", INSIDE)
def test_an_interaction_naming_an_exchange_inside_is_not_called(owner, stub, now, inside):
    stub.interaction_vcapi = inside + "/exchanges/1"
    attempt = _open(owner, stub.exchange_link(), now)
    assert attempt.state == ReceiveAttempt.State.FAILED
    assert attempt.error_kind == "refused_address"
    assert stub.exchange_posts == []


def test_a_foreign_origin_is_not_allowed_by_listing_the_stub(owner, stub, now):
    """SATCHEL_OUTBOUND_ALLOW names the stub's origin; the same host on another port is not."""
    other = stub.origin.rsplit(":", 1)[0] + ":1"
    stub.metadata_overrides = {"credential_endpoint": other + "/credential"}
    done = receive_accept(owner=owner, attempt=_open(owner, stub.offer_link(), now), now=now)
    assert done.attempt.error_kind == "refused_address"
