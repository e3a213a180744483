"""Presenting a credential with an ecdsa-sd-2023 base proof: the learner picks which claims go,
Satchel derives the disclosed copy, and the verifier gets that (never the base proof) inside
the holder-signed presentation, over OpenID4VP (ldp_vc) and a VC-API exchange."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from config.env import normalise_origin
from sharing.presenting import (
    PresentingError,
    consent_for,
    verifier_request_answer,
    verifier_request_open,
)
from tests.sharing.conftest import SOON
from tests.support.issuer import OB_CONTEXT, VC_V2
from tests.support.sdjwt_issuer import ecdsa_sd_badge
from tests.support.verifier import StubVerifier, run_stub
from wallet.verification import verify_document
from wallet.verification.proofs import ecdsa_sd

NAME = ("credentialSubject", "achievement", "name")
GRADE = ("credentialSubject", "result", 0, "value")
DESCRIPTION = ("credentialSubject", "achievement", "description")
OB_TYPES = [
    "https://www.w3.org/2018/credentials#VerifiableCredential",
    "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential",
]


@pytest.fixture
def stub(settings) -> Iterator[StubVerifier]:
    for running in run_stub():
        settings.SATCHEL_OUTBOUND_ALLOW = (normalise_origin(running.origin),)
        yield running


@pytest.fixture
def badge(add, issuer):
    return add(ecdsa_sd_badge(issuer))


def _openid4vp(owner, stub: StubVerifier, claims: list[list[Any]]):
    query = {
        "id": "badge",
        "format": "ldp_vc",
        "meta": {"type_values": [OB_TYPES]},
        "claims": [{"path": path} for path in claims],
    }
    link = stub.serve(stub.request(dcql_query={"credentials": [query]}))
    return verifier_request_open(owner=owner, link=link, now=SOON)


def _sent_credential(vp: dict[str, Any]) -> dict[str, Any]:
    (credential,) = vp["verifiableCredential"]
    return credential


def test_openid4vp_gets_a_derived_copy_revealing_only_the_claims_asked_for(
    owner, badge, issuer, stub
):
    opened = _openid4vp(owner, stub, [list(DESCRIPTION), list(NAME)])
    consent = consent_for(owner=owner, verifier_request=opened)
    rows = consent.asked[0].disclosures[badge.pk]
    assert [(row.path, row.value, row.selective) for row in rows] == [
        (DESCRIPTION, "Awarded for passing the test.", True),
        (NAME, "Test Achievement", False),  # what makes it an Open Badge is always revealed
    ]

    verifier_request_answer(
        owner=owner, verifier_request=opened, picks={"badge": [badge.pk]}, now=SOON
    )

    vp = stub.sent_vp_token()["badge"][0]
    sent = _sent_credential(vp)
    assert ecdsa_sd.proof_kind(sent["proof"]["proofValue"]) == "derived"
    assert sent["credentialSubject"]["achievement"]["name"] == "Test Achievement"
    assert sent["credentialSubject"]["achievement"]["description"].startswith("Awarded")
    assert "result" not in sent["credentialSubject"]
    assert "name" not in sent  # the credential's own name was not asked for
    assert sent["issuer"]["name"] == "Test Issuer"  # the issuer made /issuer mandatory
    domain = f"redirect_uri:{stub.response_uri}"
    options = issuer.options(challenge="n-0S6_WzA2Mj", domain=domain, now=SOON)
    report = verify_document(vp, options=options)
    assert report.verdict.is_ok, [c.to_dict() for c in report.checks]
    assert all(child.verdict.is_ok for child in report.children)


def test_keeping_back_a_claim_the_verifier_needs_sends_nothing(owner, badge, stub):
    opened = _openid4vp(owner, stub, [list(NAME), list(GRADE)])

    with pytest.raises(PresentingError, match="keep back"):
        verifier_request_answer(
            owner=owner,
            verifier_request=opened,
            picks={"badge": [badge.pk]},
            now=SOON,
            disclosures={"badge": {badge.pk: [NAME]}},
        )
    assert stub.received == []


def test_a_vcapi_exchange_gets_the_claims_the_learner_left_ticked(owner, badge, issuer, stub):
    stub.vpr = {
        "query": {
            "type": "QueryByExample",
            "credentialQuery": {
                "example": {
                    "@context": [VC_V2, OB_CONTEXT],
                    "type": ["VerifiableCredential", "OpenBadgeCredential"],
                }
            },
        },
        "challenge": "vc-api-challenge",
        "domain": "127.0.0.1",
    }
    opened = verifier_request_open(owner=owner, link=stub.origin + "/interaction?iuv=1", now=SOON)
    rows = consent_for(owner=owner, verifier_request=opened).asked[0].disclosures[badge.pk]
    choosable = {row.path for row in rows if row.selective}
    assert GRADE in choosable and ("issuer", "id") not in choosable

    verifier_request_answer(
        owner=owner,
        verifier_request=opened,
        picks={"0": [badge.pk]},
        now=SOON,
        disclosures={"0": {badge.pk: [NAME]}},
    )

    vp = stub.exchange_posts[-1]["verifiablePresentation"]
    sent = _sent_credential(vp)
    assert "result" not in sent["credentialSubject"]
    assert sent["credentialSubject"]["achievement"]["name"] == "Test Achievement"
    options = issuer.options(challenge="vc-api-challenge", domain="127.0.0.1", now=SOON)
    assert verify_document(vp, options=options).verdict.is_ok


def test_the_consent_page_offers_the_claims_and_derives_from_the_ticks(
    client, owner, badge, stub, frozen
):
    client.force_login(owner)
    query = {
        "id": "badge",
        "format": "ldp_vc",
        "meta": {"type_values": [OB_TYPES]},
        "claims": [{"path": list(NAME)}, {"path": list(GRADE)}],
    }
    opened = client.post(
        "/present", {"link": stub.serve(stub.request(dcql_query={"credentials": [query]}))}
    )
    page = client.get(opened["Location"]).content.decode()
    assert "credentialSubject / result / 1 / value: B+" in page

    client.post(
        opened["Location"],
        {
            "action": "send",
            "pick-badge": [badge.pk],
            f"choose-badge-{badge.pk}": "1",
            f"disclose-badge-{badge.pk}": [json.dumps(list(NAME)), json.dumps(list(GRADE))],
        },
    )

    sent = _sent_credential(stub.sent_vp_token()["badge"][0])
    assert sent["credentialSubject"]["result"][0]["value"] == "B+"
