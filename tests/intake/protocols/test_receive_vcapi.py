"""Receiving over a VC-API exchange (and the DCC's legacy request) from a stub issuer on
loopback: the interaction URL, DIDAuthentication answered with a presentation signed by the
holder key over the request's challenge and domain, the credentials taken from the answer,
a foreign domain refused, a completed exchange not reused, addresses inside refused."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from intake.models import ReceiveAttempt
from intake.services.receiving import consent_for, receive_accept, receive_open
from wallet.models import Credential, RecipientMatch, Source
from wallet.verification import verify_document


def _open(owner, link, now):
    return receive_open(owner=owner, link=link, now=now)


def test_it_receives_through_an_interaction_url_with_did_authentication(owner, stub, now, issuer):
    stub.redirect = "https://college.example/thanks"
    attempt = _open(owner, stub.exchange_link(), now)
    assert attempt.state == ReceiveAttempt.State.PENDING, attempt.error
    assert attempt.protocol == ReceiveAttempt.Protocol.VCAPI
    assert attempt.issuer_origin == stub.origin
    consent = consent_for(owner=owner, attempt=attempt)
    assert consent.did_authentication and consent.holder == issuer.earner_did
    assert stub.exchange_posts == [{}], "only the empty start is sent before consent"

    progress = receive_accept(owner=owner, attempt=attempt, now=now)

    assert progress.attempt.state == ReceiveAttempt.State.RECEIVED, progress.attempt.error
    assert progress.go_to == "https://college.example/thanks"
    vp = stub.exchange_posts[-1]["verifiablePresentation"]
    assert vp["holder"] == issuer.earner_did and "verifiableCredential" not in vp
    assert vp["proof"]["proofPurpose"] == "authentication"
    assert vp["proof"]["domain"] == "127.0.0.1"
    assert vp["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    challenge = vp["proof"]["challenge"]
    report = verify_document(
        vp, options=issuer.options(challenge=challenge, domain="127.0.0.1", now=now)
    )
    assert report.verdict.is_ok, [c.to_dict() for c in report.checks]
    credential = Credential.objects.get(owner=owner)  # sent twice in the answer, stored once
    assert credential.source == Source.VCAPI and credential.recipient_match == RecipientMatch.MATCH


def test_a_chapi_style_request_shows_its_origin(owner, stub, now):
    attempt = _open(owner, stub.exchange_link(interaction=False), now)
    assert attempt.request_origin == "https://college.example"
    assert attempt.issuer_origin == stub.origin


def test_a_did_authentication_request_for_a_foreign_domain_is_refused(owner, stub, now):
    stub.vpr_domain = "evil.example"
    attempt = _open(owner, stub.exchange_link(), now)
    assert attempt.state == ReceiveAttempt.State.FAILED
    assert "another site" in attempt.error
    assert stub.exchange_posts == [{}]


def test_a_completed_exchange_is_not_reused(owner, stub, now):
    link = stub.exchange_link()
    receive_accept(owner=owner, attempt=_open(owner, link, now), now=now)
    again = _open(owner, link, now)
    assert again.state == ReceiveAttempt.State.FAILED
    assert again.error_kind == "offer_used"
    assert Credential.objects.count() == 1


def test_the_suite_the_request_names_is_used(owner, stub, now):
    attempt = _open(owner, stub.exchange_link(), now)
    exchange = dict(attempt.context["exchange"], cryptosuites=["Ed25519Signature2020"])
    attempt.context = {"exchange": exchange}
    attempt.save()
    receive_accept(owner=owner, attempt=attempt, now=now)
    vp = stub.exchange_posts[-1]["verifiablePresentation"]
    assert vp["proof"]["type"] == "Ed25519Signature2020"


@pytest.mark.parametrize("auth_type", ["", "bearer"])
def test_the_legacy_dcc_request_posts_a_bare_did_authentication(owner, stub, now, auth_type):
    attempt = _open(owner, stub.legacy_link(auth_type=auth_type), now)
    assert attempt.protocol == ReceiveAttempt.Protocol.DCC
    assert attempt.asks["named_issuer"] == "Riverside Test College"
    done = receive_accept(owner=owner, attempt=attempt, now=now).attempt
    assert done.state == ReceiveAttempt.State.RECEIVED, done.error
    vp, authorization = stub.legacy_posts[-1]
    assert "verifiablePresentation" not in vp and vp["type"] == ["VerifiablePresentation"]
    assert vp["proof"]["challenge"] == "c-2b8f" and "domain" not in vp["proof"]
    assert authorization == ("Bearer c-2b8f" if auth_type else "")
    assert Credential.objects.get().source == Source.VCAPI


@pytest.mark.parametrize(
    "link",
    [
        "https://10.1.2.3/interactions/x?iuv=1",
        "dccrequest://request?issuer=x&vc_request_url="
        + quote("http://127.0.0.1:1/legacy")
        + "&challenge=c",
        "https://lcw.app/request?request="
        + quote(json.dumps({"protocols": {"vcapi": "http://169.254.169.254/exchange"}})),
    ],
)
def test_exchange_links_pointing_inside_are_refused(owner, db, now, link):
    attempt = _open(owner, link, now)
    if (
        attempt.protocol == ReceiveAttempt.Protocol.DCC
        and attempt.state == ReceiveAttempt.State.PENDING
    ):
        attempt = receive_accept(owner=owner, attempt=attempt, now=now).attempt
    assert attempt.state == ReceiveAttempt.State.FAILED
    assert attempt.error_kind == "refused_address"
    assert not Credential.objects.exists()


def test_a_query_by_example_sends_only_what_the_learner_picked(owner, stub, now, issuer):
    from intake.services.arrival import credential_import
    from wallet import verifier

    options = verifier.make_verify_options(owner=owner, now=now, fetcher=issuer.fetcher)
    held = [
        credential_import(
            owner=owner, data=json.dumps(issuer.ob3()).encode(), source="upload", options=options
        ).credential
        for _ in range(2)
    ]
    stub.also_ask = {
        "type": "QueryByExample",
        "credentialQuery": {
            "reason": "Show the badge you already hold.",
            "example": {"type": ["VerifiableCredential", "OpenBadgeCredential"]},
        },
    }
    attempt = _open(owner, stub.exchange_link(), now)
    consent = consent_for(owner=owner, attempt=attempt)
    assert consent.queries[0]["reason"] == "Show the badge you already hold."
    assert {c.pk for c in consent.queries[0]["credentials"]} == {c.pk for c in held}

    receive_accept(owner=owner, attempt=attempt, now=now, picks=[held[1].pk])

    sent = stub.exchange_posts[-1]["verifiablePresentation"]["verifiableCredential"]
    assert [c["id"] for c in sent] == [held[1].credential_id]


def test_an_issuer_that_cannot_be_reached_reads_as_a_sentence(owner, db, now, settings):
    from tests.conftest import closed_loopback_url

    closed = closed_loopback_url("http").rsplit("/", 1)[0]
    settings.SATCHEL_OUTBOUND_ALLOW = (closed,)
    attempt = _open(owner, f"{closed}/interactions/x?iuv=1", now)
    assert attempt.state == ReceiveAttempt.State.FAILED
    assert attempt.error_kind == "unreachable"
    assert attempt.error == "The issuer could not be reached."
