"""Receiving over OpenID4VCI 1.0 from a stub issuer on loopback: offers by value and by
reference, the pre-authorized code with and without a transaction code, the nonce endpoint
and the jwt and di_vp key proofs, deferred issuance, notification, the authorization code
flow with PKCE and PAR, and every refusal read as a sentence with nothing stored."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import urllib3

from accounts import crypto
from intake.models import ReceiveAttempt
from intake.services.receiving import (
    ReceiveError,
    consent_for,
    receive_accept,
    receive_authorized,
    receive_decline,
    receive_open,
    receive_poll,
    receive_poll_due,
    receive_retry,
)
from wallet.models import Credential, Notice, RecipientMatch, Source

CALLBACK = "https://wallet.example/receive/callback"


def _open(owner, link, now):
    return receive_open(owner=owner, link=link, now=now)


def test_it_receives_an_offer_by_value_with_a_pre_authorized_code(owner, stub, now):
    attempt = _open(owner, stub.offer_link(), now)
    assert attempt.state == ReceiveAttempt.State.PENDING
    assert attempt.issuer_name == "Riverside Test College"
    assert attempt.issuer_origin == stub.origin
    assert attempt.offered[0]["name"] == "Test Achievement" and attempt.offered[0]["supported"]
    assert not stub.token_requests, "nothing is sent before the learner consents"
    consent = consent_for(owner=owner, attempt=attempt)
    assert consent.holder == stub.issuer.earner_did and consent.tx_code is None

    progress = receive_accept(owner=owner, attempt=attempt, now=now)

    attempt = progress.attempt
    assert attempt.state == ReceiveAttempt.State.RECEIVED, attempt.error
    credential = Credential.objects.get(owner=owner)
    assert credential.source == Source.OID4VCI
    assert credential.source_url == stub.credential_issuer
    assert credential.verdict == "verified"
    assert credential.recipient_match == RecipientMatch.MATCH
    assert attempt.stored == [
        {
            "id": credential.pk,
            "status": "imported",
            "title": credential.title,
            "verdict": "verified",
        }
    ]
    assert attempt.secrets == ""
    assert stub.token_requests[0]["grant_type"] == [
        "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    ]
    assert "client_id" not in stub.token_requests[0]
    proof = stub.proofs[-1]
    assert proof["header"]["typ"] == "openid4vci-proof+jwt"
    assert proof["header"]["kid"].startswith(stub.issuer.earner_did + "#")
    assert proof["payload"]["aud"] == stub.credential_issuer
    assert proof["payload"]["iat"] == int(now.timestamp())
    assert stub.credential_requests[-1]["credential_configuration_id"] == "OpenBadge"
    assert stub.notifications == [{"notification_id": "n-3fwe98js", "event": "credential_accepted"}]
    assert not Notice.objects.exists(), "the learner is on the page: no notice"


def test_it_receives_a_jwt_vc_json_credential(owner, stub, now):
    stub.format = "jwt_vc_json"
    attempt = receive_accept(
        owner=owner, attempt=_open(owner, stub.offer_link(), now), now=now
    ).attempt
    assert attempt.state == ReceiveAttempt.State.RECEIVED, attempt.error
    credential = Credential.objects.get(owner=owner)
    assert credential.container == "jwt" and credential.verdict == "verified"


def test_an_offer_by_reference_is_fetched_once(owner, stub, now):
    link = stub.offer_by_reference()
    attempt = _open(owner, link, now)
    assert attempt.state == ReceiveAttempt.State.PENDING
    assert list(stub.offer_fetches.values()) == [1]
    receive_accept(owner=owner, attempt=attempt, now=now)
    again = _open(owner, link, now)
    assert again.state == ReceiveAttempt.State.FAILED
    assert "expired or was already used" in again.error
    assert Credential.objects.count() == 1


def test_a_transaction_code_is_asked_for_and_a_wrong_one_reads_as_a_sentence(owner, stub, now):
    attempt = _open(owner, stub.offer_link(tx_code="4821"), now)
    consent = consent_for(owner=owner, attempt=attempt)
    assert consent.tx_code == {
        "input_mode": "numeric",
        "length": 4,
        "description": "Please provide the one-time code that was sent via e-mail",
    }
    with pytest.raises(ReceiveError, match="Type the transaction code"):
        receive_accept(owner=owner, attempt=attempt, now=now)
    with pytest.raises(ReceiveError, match="did not accept the transaction code"):
        receive_accept(owner=owner, attempt=attempt, now=now, tx_code="1111")
    attempt.refresh_from_db()
    assert attempt.state == ReceiveAttempt.State.PENDING and not Credential.objects.exists()
    done = receive_accept(owner=owner, attempt=attempt, now=now, tx_code="4821").attempt
    assert done.state == ReceiveAttempt.State.RECEIVED
    assert stub.token_requests[-1]["tx_code"] == ["4821"]


def test_a_transaction_code_of_the_wrong_shape_is_not_sent(owner, stub, now):
    attempt = _open(owner, stub.offer_link(tx_code="4821"), now)
    with pytest.raises(ReceiveError, match="4 characters"):
        receive_accept(owner=owner, attempt=attempt, now=now, tx_code="12")
    with pytest.raises(ReceiveError, match="digits"):
        receive_accept(owner=owner, attempt=attempt, now=now, tx_code="12ab")
    assert not stub.token_requests


def test_a_reused_pre_authorized_code_is_refused_and_stores_nothing_more(owner, stub, now):
    offer = stub.offer()
    first = _open(owner, stub.offer_link(offer), now)
    receive_accept(owner=owner, attempt=first, now=now)
    second = receive_accept(owner=owner, attempt=_open(owner, stub.offer_link(offer), now), now=now)
    assert second.attempt.state == ReceiveAttempt.State.FAILED
    assert second.attempt.error_kind == "offer_used"
    assert "expired or was already used" in second.attempt.error
    assert Credential.objects.count() == 1


def test_a_stale_nonce_is_retried_once_with_a_fresh_one(owner, stub, now):
    stub.stale_nonces = 1
    attempt = receive_accept(
        owner=owner, attempt=_open(owner, stub.offer_link(), now), now=now
    ).attempt
    assert attempt.state == ReceiveAttempt.State.RECEIVED
    nonces = [p["payload"]["nonce"] for p in stub.proofs]
    assert len(nonces) == 2 and nonces[0] != nonces[1]


def test_a_nonce_stale_twice_fails_as_a_refused_proof(owner, stub, now):
    stub.stale_nonces = 2
    attempt = receive_accept(
        owner=owner, attempt=_open(owner, stub.offer_link(), now), now=now
    ).attempt
    assert attempt.state == ReceiveAttempt.State.FAILED
    assert attempt.error_kind == "proof_refused"
    assert len(stub.credential_requests) == 2 and not Credential.objects.exists()


def test_a_refused_proof_reads_as_a_sentence(owner, stub, now):
    stub.refuse_proof = True
    attempt = receive_accept(
        owner=owner, attempt=_open(owner, stub.offer_link(), now), now=now
    ).attempt
    assert attempt.error == "The issuer refused the proof that the credential is bound to your key."
    kept = json.loads(crypto.decrypt(attempt.secrets))
    assert list(kept) == ["link"], "a failed attempt keeps only the link, for a retry"


def test_a_di_vp_proof_is_sent_when_the_issuer_takes_only_that(owner, stub, now):
    stub.proof_types = {"di_vp": {"proof_signing_alg_values_supported": ["eddsa-rdfc-2022"]}}
    attempt = receive_accept(
        owner=owner, attempt=_open(owner, stub.offer_link(), now), now=now
    ).attempt
    assert attempt.state == ReceiveAttempt.State.RECEIVED, attempt.error
    vp = stub.credential_requests[-1]["proofs"]["di_vp"][0]
    assert vp["holder"] == stub.issuer.earner_did
    assert vp["proof"]["domain"] == stub.credential_issuer
    assert vp["proof"]["cryptosuite"] == "eddsa-rdfc-2022"


def test_a_proof_the_holder_key_cannot_make_is_refused_before_anything_is_asked(owner, stub, now):
    stub.proof_types = {"jwt": {"proof_signing_alg_values_supported": ["ES256"]}}
    attempt = _open(owner, stub.offer_link(), now)
    assert attempt.state == ReceiveAttempt.State.FAILED and attempt.error_kind == "unsupported"
    assert "ES256" in attempt.error and not attempt.offered[0]["supported"]
    assert not stub.token_requests, "the single-use code is not spent"
    assert not stub.credential_requests


def test_an_unsupported_format_fails_at_once(owner, stub, now):
    stub.format = "mso_mdoc"
    attempt = _open(owner, stub.offer_link(), now)
    assert attempt.state == ReceiveAttempt.State.FAILED
    assert "format" in attempt.error and not attempt.offered[0]["supported"]


def test_something_that_is_not_a_credential_stores_nothing_and_tells_the_issuer(owner, stub, now):
    stub.issue_garbage = True
    attempt = receive_accept(
        owner=owner, attempt=_open(owner, stub.offer_link(), now), now=now
    ).attempt
    assert attempt.state == ReceiveAttempt.State.FAILED
    assert "nothing was stored" in attempt.error
    assert not Credential.objects.exists()
    assert stub.notifications[-1]["event"] == "credential_failure"


def test_metadata_naming_another_issuer_is_refused(owner, stub, now):
    stub.metadata_overrides = {"credential_issuer": "https://elsewhere.example"}
    attempt = _open(owner, stub.offer_link(), now)
    assert attempt.state == ReceiveAttempt.State.FAILED and "another issuer" in attempt.error


def test_decline_sends_nothing_and_drops_the_codes(owner, stub, now):
    attempt = _open(owner, stub.offer_link(), now)
    receive_decline(owner=owner, attempt=attempt, now=now)
    attempt.refresh_from_db()
    assert attempt.state == ReceiveAttempt.State.DECLINED and attempt.secrets == ""
    assert not stub.token_requests


def test_codes_are_encrypted_at_rest(owner, stub, now):
    offer = stub.offer()
    attempt = _open(owner, stub.offer_link(offer), now)
    code = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"][
        "pre-authorized_code"
    ]
    row = ReceiveAttempt.objects.filter(pk=attempt.pk).values().get()
    assert code not in json.dumps(row, default=str)


def test_an_expired_consent_is_not_acted_on(owner, stub, now):
    attempt = _open(owner, stub.offer_link(), now)
    with pytest.raises(ReceiveError, match="no longer waiting"):
        receive_accept(owner=owner, attempt=attempt, now=now + timedelta(hours=1))
    assert not stub.token_requests


def test_a_failed_attempt_can_be_retried_from_its_link(owner, stub, now):
    stub.refuse_proof = True
    attempt = receive_accept(
        owner=owner, attempt=_open(owner, stub.offer_link(tx_code=None), now), now=now
    ).attempt
    assert attempt.state == ReceiveAttempt.State.FAILED
    stub.refuse_proof = False
    again = receive_retry(owner=owner, attempt=attempt, now=now)
    attempt.refresh_from_db()
    assert attempt.dismissed_at == now and attempt.secrets == ""
    assert again.pk != attempt.pk and again.state == ReceiveAttempt.State.PENDING


def test_a_deferred_credential_is_collected_later_with_backoff(owner, stub, now):
    stub.defer_next = True
    attempt = receive_accept(
        owner=owner, attempt=_open(owner, stub.offer_link(), now), now=now
    ).attempt
    assert attempt.state == ReceiveAttempt.State.WAITING
    assert attempt.next_poll_at == now + timedelta(seconds=60)
    assert not Credential.objects.exists()
    assert receive_poll_due(now=now) == 0

    later = now + timedelta(seconds=61)
    polled = receive_poll(attempt_id=attempt.pk, now=later)
    assert polled.state == ReceiveAttempt.State.WAITING and polled.polls == 1
    assert polled.next_poll_at == later + timedelta(seconds=60)

    last = polled.next_poll_at
    assert receive_poll_due(now=last) == 1  # one poll enqueued for the worker
    attempt = receive_poll(attempt_id=attempt.pk, now=last)
    assert attempt.state == ReceiveAttempt.State.RECEIVED and attempt.secrets == ""
    credential = Credential.objects.get()
    assert credential.source == Source.OID4VCI
    notice = Notice.objects.get(owner=owner)
    assert notice.credential == credential
    assert notice.message == "“Test Achievement” has arrived from Riverside Test College."


def test_a_deferred_credential_that_never_comes_fails_in_the_end(owner, stub, now):
    stub.defer_next = True
    attempt = receive_accept(
        owner=owner, attempt=_open(owner, stub.offer_link(), now), now=now
    ).attempt
    ended = receive_poll(attempt_id=attempt.pk, now=now + timedelta(days=3))
    assert ended.state == ReceiveAttempt.State.FAILED and "in time" in ended.error


def _authorization_redirect(url: str) -> dict[str, str]:
    """Follow the issuer's authorization endpoint as the learner's browser would."""
    answer = urllib3.PoolManager().request("GET", url, redirect=False)
    location = answer.headers["Location"]
    assert location.startswith(CALLBACK)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@pytest.mark.parametrize("par", [False, True])
def test_the_authorization_code_flow_signs_the_learner_in_with_pkce(owner, stub, now, par):
    stub.require_par = par
    attempt = _open(owner, stub.offer_link(grant="code"), now)
    assert consent_for(owner=owner, attempt=attempt).sign_in
    progress = receive_accept(owner=owner, attempt=attempt, now=now, redirect_uri=CALLBACK)
    assert progress.attempt.state == ReceiveAttempt.State.SIGNING_IN
    query = parse_qs(urlsplit(progress.go_to).query)
    if par:
        assert set(query) == {"client_id", "request_uri"}
    else:
        assert query["code_challenge_method"] == ["S256"] and query["issuer_state"] == [
            "eyJhbGciOiJSU0Et"
        ]
        details = json.loads(query["authorization_details"][0])
        assert details == [
            {"type": "openid_credential", "credential_configuration_id": "OpenBadge"}
        ]
    back = _authorization_redirect(progress.go_to)
    done = receive_authorized(
        owner=owner, state=back["state"], code=back["code"], error="", now=now
    )
    assert done.state == ReceiveAttempt.State.RECEIVED, done.error
    assert Credential.objects.count() == 1


def test_a_sign_in_answer_with_another_state_is_refused(owner, stub, now):
    attempt = _open(owner, stub.offer_link(grant="code"), now)
    progress = receive_accept(owner=owner, attempt=attempt, now=now, redirect_uri=CALLBACK)
    back = _authorization_redirect(progress.go_to)
    with pytest.raises(ReceiveError, match="did not send you"):
        receive_authorized(owner=owner, state="forged", code=back["code"], error="", now=now)
    assert not stub.token_requests


def test_a_sign_in_for_another_learner_is_refused(owner, stub, now):
    from tests.sharing.conftest import make_user

    attempt = _open(owner, stub.offer_link(grant="code"), now)
    progress = receive_accept(owner=owner, attempt=attempt, now=now, redirect_uri=CALLBACK)
    back = _authorization_redirect(progress.go_to)
    stranger = make_user("stranger@example.org")
    with pytest.raises(ReceiveError):
        receive_authorized(
            owner=stranger, state=back["state"], code=back["code"], error="", now=now
        )


def test_a_sign_in_refused_by_the_learner_fails_the_attempt(owner, stub, now):
    attempt = _open(owner, stub.offer_link(grant="code"), now)
    progress = receive_accept(owner=owner, attempt=attempt, now=now, redirect_uri=CALLBACK)
    state = parse_qs(urlsplit(progress.go_to).query)["state"][0]
    done = receive_authorized(owner=owner, state=state, code="", error="access_denied", now=now)
    assert done.state == ReceiveAttempt.State.FAILED and "did not allow" in done.error
    assert done.secrets == "" or "pkce" not in done.secrets


def test_an_offer_naming_a_private_issuer_is_not_contacted(owner, stub, now, settings):
    settings.SATCHEL_OUTBOUND_ALLOW = ()
    attempt = _open(owner, stub.offer_link(), now)
    assert attempt.state == ReceiveAttempt.State.FAILED
    assert attempt.error_kind == "refused_address"
    assert "will not contact" in attempt.error


@pytest.mark.parametrize(
    "uri",
    [
        "http://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/offer",
        "https://[::1]/offer",
        "http://localhost:6379/",
    ],
)
def test_an_offer_uri_pointing_inside_is_refused(owner, db, now, uri):
    attempt = _open(
        owner, "openid-credential-offer://?credential_offer_uri=" + quote(uri, safe=""), now
    )
    assert attempt.state == ReceiveAttempt.State.FAILED
    assert attempt.error_kind == "refused_address"


def test_an_issuer_of_the_drafts_before_1_0_is_still_understood(owner, stub, now):
    """No nonce endpoint (the token carries c_nonce), the token endpoint in the issuer's own
    metadata with no server metadata, one credential unwrapped in the answer."""
    stub.draft = True
    attempt = receive_accept(
        owner=owner, attempt=_open(owner, stub.offer_link(), now), now=now
    ).attempt
    assert attempt.state == ReceiveAttempt.State.RECEIVED, attempt.error
    assert stub.proofs[-1]["payload"]["nonce"]
    assert Credential.objects.get().verdict == "verified"


def test_an_accept_already_running_is_not_run_twice(owner, stub, now):
    from django.core.cache import cache

    attempt = _open(owner, stub.offer_link(), now)
    cache.add(f"receive:attempt:{attempt.pk}", 1)
    with pytest.raises(ReceiveError, match="being received already"):
        receive_accept(owner=owner, attempt=attempt, now=now)
    assert not stub.token_requests


def test_an_attempt_answered_meanwhile_is_not_answered_again(owner, stub, now):
    attempt = _open(owner, stub.offer_link(), now)
    stale = ReceiveAttempt.objects.get(pk=attempt.pk)
    receive_accept(owner=owner, attempt=attempt, now=now)
    with pytest.raises(ReceiveError, match="answered already"):
        receive_accept(owner=owner, attempt=stale, now=now)
    assert len(stub.token_requests) == 1


def test_the_beat_task_polls_a_due_attempt_through_its_task(
    owner, stub, now, django_capture_on_commit_callbacks
):
    import time_machine

    from intake import tasks

    stub.defer_next = True
    attempt = receive_accept(
        owner=owner, attempt=_open(owner, stub.offer_link(), now), now=now
    ).attempt
    for transaction_id in stub.deferred:
        stub.deferred[transaction_id] = 0  # ready at the next ask
    with time_machine.travel(attempt.next_poll_at, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.receive_poll_due.delay().get() == 1
    attempt.refresh_from_db()
    assert attempt.state == ReceiveAttempt.State.RECEIVED
    assert Credential.objects.get().source == Source.OID4VCI
