"""Presenting on request against stub verifiers on loopback: OpenID4VP 1.0 (request objects
by reference, unsigned and signed, direct_post, direct_post.jwt) and a VC-API exchange."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from joserfc import jwe
from joserfc.jwk import ECKey

from config.env import normalise_origin
from sharing.models import AnsweredNonce, VerifierRequest
from sharing.presenting import (
    PresentingError,
    consent_for,
    verifier_request_answer,
    verifier_request_decline,
    verifier_request_open,
)
from tests.sharing.conftest import SOON
from tests.support.verifier import StubVerifier, run_stub
from wallet.models import Disclosure
from wallet.verification import verify_document


@pytest.fixture
def stub(settings) -> Iterator[StubVerifier]:
    for running in run_stub():
        settings.SATCHEL_OUTBOUND_ALLOW = (normalise_origin(running.origin),)
        yield running


@pytest.fixture
def badge(add, issuer):
    return add(issuer.ob3())


def _open(owner, link):
    return verifier_request_open(owner=owner, link=link, now=SOON)


def _holder_checks(presentation, issuer, *, challenge, domain):
    options = issuer.options(challenge=challenge, domain=domain, now=SOON)
    return verify_document(presentation, options=options)


def test_it_answers_an_unsigned_request_by_reference_with_an_ldp_vp_bound_to_nonce_and_client(
    owner, badge, issuer, stub
):
    stub.redirect = stub.origin + "/done#response_code=abc"
    opened = _open(owner, stub.serve(stub.request()))
    assert opened.verifier_name == "Acme Hiring"
    assert opened.verifier_origin == stub.origin
    consent = consent_for(owner=owner, verifier_request=opened)
    assert consent.satisfiable and consent.asked[0].credentials == [badge]

    answered = verifier_request_answer(
        owner=owner, verifier_request=opened, picks={"badge": [badge.pk]}, now=SOON
    )
    assert answered.redirect_uri == stub.redirect
    sent = stub.received[-1]
    assert sent["state"] == ["eyJhb-6-sVA"]
    token = stub.sent_vp_token()
    assert list(token) == ["badge"] and len(token["badge"]) == 1
    vp = token["badge"][0]
    assert vp["proof"]["challenge"] == "n-0S6_WzA2Mj"
    assert vp["proof"]["domain"] == f"redirect_uri:{stub.response_uri}"
    assert "presentation_submission" not in sent
    report = _holder_checks(
        vp, issuer, challenge="n-0S6_WzA2Mj", domain=f"redirect_uri:{stub.response_uri}"
    )
    assert report.verdict.is_ok, [c.to_dict() for c in report.checks]
    opened.refresh_from_db()
    assert opened.state == VerifierRequest.State.SENT and opened.request == {}
    disclosure = Disclosure.objects.get()
    assert disclosure.protocol == Disclosure.Protocol.OID4VP
    assert disclosure.recipient_origin == stub.origin


def test_an_alg_none_request_object_is_accepted_with_redirect_uri(owner, badge, stub):
    opened = _open(owner, stub.serve(stub.request(), form="none"))
    assert opened.protocol == VerifierRequest.Protocol.OPENID4VP


def test_a_signed_request_with_a_redirect_uri_client_id_is_refused(owner, badge, stub):
    with pytest.raises(PresentingError, match="cannot be checked"):
        _open(owner, stub.serve(stub.request(), form="signed"))


def test_a_request_signed_by_its_did_is_accepted(owner, badge, stub):
    claims = stub.request(client_id=f"decentralized_identifier:{stub.did}")
    opened = _open(owner, stub.serve(claims, form="signed"))
    assert opened.client_id == f"decentralized_identifier:{stub.did}"


def test_a_request_whose_client_id_does_not_match_its_signature_is_refused(owner, stub):
    other = ed25519.Ed25519PrivateKey.generate()
    claims = stub.request(client_id=f"decentralized_identifier:{stub.did}")
    with pytest.raises(PresentingError, match="not the verifier's DID"):
        _open(owner, stub.serve(claims, form="signed", key=other))
    assert not VerifierRequest.objects.exists()


def test_an_unsigned_request_naming_a_did_is_refused(owner, stub):
    claims = stub.request(client_id=f"decentralized_identifier:{stub.did}")
    with pytest.raises(PresentingError, match="did not sign"):
        _open(owner, stub.serve(claims, form="json"))


def test_a_request_object_is_fetched_once(owner, badge, stub):
    link = stub.serve(stub.request())
    _open(owner, link)
    with pytest.raises(PresentingError, match="already have been used"):
        _open(owner, link)
    assert list(stub.served.values()) == [2]


def test_a_replayed_nonce_is_refused(owner, badge, stub):
    first = _open(owner, stub.serve(stub.request()))
    verifier_request_answer(
        owner=owner, verifier_request=first, picks={"badge": [badge.pk]}, now=SOON
    )
    with pytest.raises(PresentingError, match="answered already"):
        _open(owner, stub.serve(stub.request()))
    assert AnsweredNonce.objects.count() == 1


def test_a_query_no_credential_matches_says_so_and_sends_nothing(owner, badge, stub):
    query = {
        "credentials": [
            {"id": "licence", "format": "ldp_vc", "meta": {"type_values": [["NursingLicence"]]}}
        ]
    }
    opened = _open(owner, stub.serve(stub.request(dcql_query=query)))
    consent = consent_for(owner=owner, verifier_request=opened)
    assert not consent.satisfiable
    assert "licence" in consent.reason
    with pytest.raises(PresentingError):
        verifier_request_answer(
            owner=owner, verifier_request=opened, picks={"licence": [badge.pk]}, now=SOON
        )
    assert stub.received == []


def test_nothing_the_learner_did_not_pick_is_sent(owner, badge, add, issuer, stub):
    add(issuer.ob3(suite="Ed25519Signature2020"))
    query = stub.request()["dcql_query"]
    query["credentials"][0]["multiple"] = True
    opened = _open(owner, stub.serve(stub.request(dcql_query=query)))
    assert len(consent_for(owner=owner, verifier_request=opened).asked[0].credentials) == 2
    verifier_request_answer(
        owner=owner, verifier_request=opened, picks={"badge": [badge.pk]}, now=SOON
    )
    sent = stub.sent_vp_token()["badge"]
    assert len(sent) == 1
    assert sent[0]["verifiableCredential"][0]["id"] == json.loads(bytes(badge.original))["id"]


def test_a_credential_of_another_learner_cannot_be_sent(owner, stranger, badge, add, issuer, stub):
    theirs = add(issuer.ob3(), user=stranger)
    opened = _open(owner, stub.serve(stub.request()))
    with pytest.raises(PresentingError):
        verifier_request_answer(
            owner=owner, verifier_request=opened, picks={"badge": [theirs.pk]}, now=SOON
        )
    assert stub.received == []


def test_a_response_uri_on_a_private_address_is_refused_by_the_outbound_door(
    owner, badge, stub, settings
):
    private = "https://10.1.2.3/response"
    claims = stub.request(client_id=f"redirect_uri:{private}", response_uri=private)
    opened = _open(owner, stub.serve(claims))
    with pytest.raises(PresentingError, match="will not send"):
        verifier_request_answer(
            owner=owner, verifier_request=opened, picks={"badge": [badge.pk]}, now=SOON
        )
    opened.refresh_from_db()
    assert opened.state == VerifierRequest.State.FAILED
    assert not Disclosure.objects.exists()


def test_a_response_uri_other_than_the_client_id_is_refused(owner, stub):
    claims = stub.request(response_uri=stub.origin + "/elsewhere")
    with pytest.raises(PresentingError, match="answer address"):
        _open(owner, stub.serve(claims))


def test_declining_tells_the_verifier_and_sends_no_credential(owner, badge, stub):
    opened = _open(owner, stub.serve(stub.request()))
    verifier_request_decline(owner=owner, verifier_request=opened, now=SOON)
    assert stub.received[-1]["error"] == ["access_denied"]
    assert "vp_token" not in stub.received[-1]
    opened.refresh_from_db()
    assert opened.state == VerifierRequest.State.DECLINED
    assert not Disclosure.objects.exists()


def test_a_jwt_credential_is_sent_as_a_jwt_presentation_with_aud_and_nonce(
    owner, add, issuer, stub
):
    token_credential = add(issuer.ob3_jwt())
    query = {
        "credentials": [
            {
                "id": "jwt",
                "format": "jwt_vc_json",
                "meta": {"type_values": [["OpenBadgeCredential"]]},
            }
        ]
    }
    opened = _open(owner, stub.serve(stub.request(dcql_query=query)))
    verifier_request_answer(
        owner=owner, verifier_request=opened, picks={"jwt": [token_credential.pk]}, now=SOON
    )
    vp_jwt = stub.sent_vp_token()["jwt"][0]
    from wallet.verification.proofs.jose import decode_compact

    payload = decode_compact(vp_jwt).payload_json()
    assert payload["aud"] == f"redirect_uri:{stub.response_uri}"
    assert payload["nonce"] == "n-0S6_WzA2Mj"
    assert payload["vp"]["verifiableCredential"] == [
        bytes(token_credential.original).decode().strip()
    ]


def test_direct_post_jwt_encrypts_the_answer_to_the_verifier_key(owner, badge, stub):
    key = ECKey.generate_key("P-256")
    public = key.as_dict(private=False) | {"alg": "ECDH-ES", "use": "enc", "kid": "ac"}
    claims = stub.request(
        response_mode="direct_post.jwt",
        client_metadata={"jwks": {"keys": [public]}, "vp_formats_supported": {}},
    )
    opened = _open(owner, stub.serve(claims))
    verifier_request_answer(
        owner=owner, verifier_request=opened, picks={"badge": [badge.pk]}, now=SOON
    )
    sent = stub.received[-1]
    assert "vp_token" not in sent
    decrypted = jwe.decrypt_compact(sent["response"][0], key)
    assert decrypted.protected["kid"] == "ac" and decrypted.protected["enc"] == "A128GCM"
    body = json.loads(decrypted.plaintext)
    assert body["state"] == "eyJhb-6-sVA" and "badge" in body["vp_token"]


def test_a_vcapi_exchange_is_answered_with_a_holder_signed_presentation(owner, badge, issuer, stub):
    stub.vpr = {
        "query": {
            "type": "QueryByExample",
            "credentialQuery": {
                "reason": "We need your badge.",
                "example": {
                    "@context": [
                        "https://www.w3.org/ns/credentials/v2",
                        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                    ],
                    "type": ["VerifiableCredential", "OpenBadgeCredential"],
                },
            },
        },
        "challenge": "vc-api-challenge",
        "domain": "127.0.0.1",
    }
    opened = _open(owner, stub.origin + "/interaction?iuv=1")
    consent = consent_for(owner=owner, verifier_request=opened)
    assert consent.asked[0].credentials == [badge]
    answered = verifier_request_answer(
        owner=owner, verifier_request=opened, picks={"0": [badge.pk]}, now=SOON
    )
    assert answered.redirect_uri == stub.origin + "/thanks"
    vp = stub.exchange_posts[-1]["verifiablePresentation"]
    assert vp["proof"]["challenge"] == "vc-api-challenge"
    assert vp["proof"]["proofPurpose"] == "authentication"
    report = _holder_checks(vp, issuer, challenge="vc-api-challenge", domain="127.0.0.1")
    assert report.verdict.is_ok
    assert Disclosure.objects.get().protocol == Disclosure.Protocol.VCAPI


def test_a_vcapi_request_for_a_foreign_domain_is_refused(owner, stub):
    stub.vpr = {"query": {"type": "DIDAuthentication"}, "challenge": "c", "domain": "evil.example"}
    with pytest.raises(PresentingError, match="another site"):
        _open(owner, stub.origin + "/interaction?iuv=1")


def test_a_vcapi_exchange_never_sends_an_sd_jwt_vc_whole(owner, add, issuer, stub):
    from tests.support.issuer import EARNER_DID_LABEL
    from tests.support.keys import ed25519_key
    from tests.support.sdjwt_issuer import SdJwtIssuer
    from wallet.verification.keys import jwk_from_key

    holder = jwk_from_key(ed25519_key(EARNER_DID_LABEL).public_key())
    sd_jwt = add(SdJwtIssuer(issuer.fetcher).issue(holder_jwk=holder))
    stub.vpr = {
        "query": {"type": "QueryByExample", "credentialQuery": {"example": {}}},
        "challenge": "vc-api-challenge",
        "domain": "127.0.0.1",
    }
    opened = _open(owner, stub.origin + "/interaction?iuv=1")
    assert sd_jwt not in consent_for(owner=owner, verifier_request=opened).asked[0].credentials

    with pytest.raises(PresentingError, match="SD-JWT VC cannot be sent"):
        verifier_request_answer(
            owner=owner, verifier_request=opened, picks={"0": [sd_jwt.pk]}, now=SOON
        )

    assert not stub.exchange_posts or "verifiablePresentation" not in stub.exchange_posts[-1]
