"""Presenting an SD-JWT VC over OpenID4VP 1.0 (DCQL `dc+sd-jwt`, Appendix B.3) to a stub
verifier on loopback: only the claims asked for and left ticked are revealed, and a Key
Binding JWT signed by the learner's holder key binds it to the request."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from accounts.services import holder_p256_key
from config.env import normalise_origin
from sharing.models import VerifierRequest
from sharing.presenting import (
    PresentingError,
    consent_for,
    verifier_request_answer,
    verifier_request_open,
)
from sharing.protocols import openid4vp
from tests.sharing.conftest import SOON
from tests.support.issuer import EARNER_DID_LABEL
from tests.support.keys import ed25519_key
from tests.support.sdjwt_issuer import VCT, SdJwtIssuer
from tests.support.verifier import StubVerifier, run_stub
from wallet.models import Disclosure
from wallet.verification import VerifyOptions
from wallet.verification.keys import jwk_from_key
from wallet.verification.sdjwt import verify_sd_jwt

NONCE = "n-0S6_WzA2Mj"


@pytest.fixture
def stub(settings) -> Iterator[StubVerifier]:
    for running in run_stub():
        settings.SATCHEL_OUTBOUND_ALLOW = (normalise_origin(running.origin),)
        yield running


@pytest.fixture
def sd_issuer(issuer) -> SdJwtIssuer:
    return SdJwtIssuer(issuer.fetcher)


def _earner_jwk() -> dict[str, Any]:
    return jwk_from_key(ed25519_key(EARNER_DID_LABEL).public_key())


@pytest.fixture
def badge(add, sd_issuer):
    return add(sd_issuer.issue(holder_jwk=_earner_jwk()))


def _request(stub: StubVerifier, *, claims=None, binding: bool = True) -> dict[str, Any]:
    query: dict[str, Any] = {"id": "pid", "format": "dc+sd-jwt", "meta": {"vct_values": [VCT]}}
    query["claims"] = claims or [{"path": ["given_name"]}, {"path": ["address", "locality"]}]
    if not binding:
        query["require_cryptographic_holder_binding"] = False
    return stub.request(dcql_query={"credentials": [query]})


def _open(owner, stub: StubVerifier, **kwargs: Any) -> VerifierRequest:
    return verifier_request_open(owner=owner, link=stub.serve(_request(stub, **kwargs)), now=SOON)


def _check(token: str, issuer, stub: StubVerifier, **kwargs: Any):
    options = VerifyOptions(now=SOON, fetcher=issuer.fetcher, **kwargs)
    return verify_sd_jwt(token, options=options)


def test_it_reveals_only_the_claims_asked_for_with_a_key_binding_jwt_for_the_request(
    owner, badge, issuer, stub
):
    opened = _open(owner, stub)
    consent = consent_for(owner=owner, verifier_request=opened)
    assert consent.satisfiable and consent.asked[0].credentials == [badge]
    offered = consent.asked[0].disclosures[badge.pk]
    assert [(row.path, row.value, row.selective) for row in offered] == [
        (("given_name",), "Ada", True),
        (("address", "locality"), "Utrecht", True),
    ]

    verifier_request_answer(
        owner=owner, verifier_request=opened, picks={"pid": [badge.pk]}, now=SOON
    )

    token = stub.sent_vp_token()["pid"][0]
    assert isinstance(token, str)
    client_id = f"redirect_uri:{stub.response_uri}"
    result = _check(token, issuer, stub, challenge=NONCE, domain=client_id)
    assert all(c.status != "fail" for c in result.checks), [c.to_dict() for c in result.checks]
    assert any(c.code == "kb.valid" for c in result.checks)
    assert sorted(result.disclosed_paths) == [
        ("address",),
        ("address", "locality"),
        ("given_name",),
    ]
    assert "family_name" not in result.claims and "name" not in result.claims
    assert "country" not in result.claims["address"]
    assert Disclosure.objects.get().protocol == Disclosure.Protocol.OID4VP


def test_the_learner_may_keep_back_a_claim_and_is_told_when_the_verifier_needs_it(
    owner, badge, stub
):
    opened = _open(owner, stub)

    with pytest.raises(PresentingError, match="keep back"):
        verifier_request_answer(
            owner=owner,
            verifier_request=opened,
            picks={"pid": [badge.pk]},
            now=SOON,
            disclosures={"pid": {badge.pk: [("given_name",)]}},
        )

    assert stub.received == []
    assert not Disclosure.objects.exists()


def test_a_claim_the_verifier_did_not_ask_for_is_never_revealed(owner, badge, stub):
    opened = _open(owner, stub, claims=[{"path": ["given_name"]}])

    with pytest.raises(PresentingError, match="asks for"):
        verifier_request_answer(
            owner=owner,
            verifier_request=opened,
            picks={"pid": [badge.pk]},
            now=SOON,
            disclosures={"pid": {badge.pk: [("given_name",), ("family_name",)]}},
        )
    assert stub.received == []


def test_without_holder_binding_asked_for_no_key_binding_jwt_is_added(owner, badge, issuer, stub):
    opened = _open(owner, stub, binding=False)

    verifier_request_answer(
        owner=owner, verifier_request=opened, picks={"pid": [badge.pk]}, now=SOON
    )

    token = stub.sent_vp_token()["pid"][0]
    assert token.endswith("~")
    assert not _check(token, issuer, stub).extras()["key_binding"]


def test_a_credential_bound_to_someone_elses_key_cannot_be_proven_yours(
    owner, add, sd_issuer, stub
):
    stranger_jwk = jwk_from_key(ed25519_key("someone else").public_key())
    badge = add(sd_issuer.issue(holder_jwk=stranger_jwk))
    opened = _open(owner, stub)

    with pytest.raises(PresentingError, match="not bound to a key of yours"):
        verifier_request_answer(
            owner=owner, verifier_request=opened, picks={"pid": [badge.pk]}, now=SOON
        )
    assert stub.received == []


def test_an_sd_jwt_vc_of_another_type_does_not_match(owner, add, sd_issuer, stub):
    add(sd_issuer.issue(holder_jwk=_earner_jwk()))
    claims = _request(stub)
    claims["dcql_query"]["credentials"][0]["meta"]["vct_values"] = [VCT + "/other"]
    opened = verifier_request_open(owner=owner, link=stub.serve(claims), now=SOON)

    assert not consent_for(owner=owner, verifier_request=opened).satisfiable


def test_the_consent_page_lists_the_claims_asked_for_and_sends_those_left_ticked(
    client, owner, badge, issuer, stub, frozen
):
    client.force_login(owner)
    opened = client.post("/present", {"link": stub.serve(_request(stub))})
    page = client.get(opened["Location"]).content.decode()
    assert "given name: Ada" in page and "address / locality: Utrecht" in page
    assert "Lovelace" not in page

    response = client.post(
        opened["Location"],
        {
            "action": "send",
            "pick-pid": [badge.pk],
            f"choose-pid-{badge.pk}": "1",
            f"disclose-pid-{badge.pk}": ['["given_name"]'],
        },
    )

    assert response.status_code == 400
    assert "keep back" in response.content.decode()
    assert stub.received == []


@pytest.mark.parametrize("binding", ["jwk", "kid"])
def test_a_credential_bound_to_the_p256_key_gets_an_es256_key_binding_jwt(
    owner, add, sd_issuer, issuer, stub, binding
):
    # As an ES256-only issuer binds it (tests/intake/protocols/test_receive_sdjwt.py).
    p256 = holder_p256_key(user=owner)
    if binding == "jwk":
        sd_jwt = sd_issuer.issue(holder_jwk=jwk_from_key(p256.private_key.public_key()))
    else:
        sd_jwt = sd_issuer.issue(holder_jwk=None, holder_kid=p256.verification_method)
    badge = add(sd_jwt)
    opened = _open(owner, stub)

    verifier_request_answer(
        owner=owner, verifier_request=opened, picks={"pid": [badge.pk]}, now=SOON
    )

    token = stub.sent_vp_token()["pid"][0]
    kb_jwt = token.rsplit("~", 1)[1]
    assert _header(kb_jwt)["alg"] == "ES256"
    client_id = f"redirect_uri:{stub.response_uri}"
    result = _check(token, issuer, stub, challenge=NONCE, domain=client_id)
    assert all(c.status != "fail" for c in result.checks), [c.to_dict() for c in result.checks]
    assert any(c.code == "kb.valid" for c in result.checks)


def test_the_wallet_tells_verifiers_it_signs_key_binding_jwts_with_es256_too():
    formats = openid4vp.WALLET_METADATA["vp_formats_supported"]["dc+sd-jwt"]
    assert formats["kb-jwt_alg_values"] == ["EdDSA", "ES256"]


def _header(jwt: str) -> dict[str, Any]:
    part = jwt.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
