"""The holder's signatures verify with the project's verifier and name the holder's key."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from accounts.models import User
from accounts.signing import (
    ED25519_SIGNATURE_2020,
    EDDSA_RDFC_2022,
    holder_did,
    holder_verification_method,
    presentation_context,
    sign_holder_jwt,
    sign_presentation,
)
from wallet.verification import VerifyOptions, verify_bytes
from wallet.verification.fetch import NullFetcher

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def learner(db: None) -> User:
    return User.objects.create_user(email="learner@example.net")


def _verify(document: dict, **options: object):
    return verify_bytes(
        json.dumps(document).encode(),
        options=VerifyOptions(now=NOW, fetcher=NullFetcher(), **options),
    )


@pytest.mark.parametrize("suite", [EDDSA_RDFC_2022, ED25519_SIGNATURE_2020])
def test_a_presentation_signed_with_either_suite_verifies_with_its_challenge_and_domain(
    learner: User, suite: str
) -> None:
    did = holder_did(user=learner)
    presentation = {
        "@context": presentation_context(suite),
        "type": ["VerifiablePresentation"],
        "holder": did,
    }
    signed = sign_presentation(
        user=learner,
        presentation=presentation,
        now=NOW,
        challenge="c-1",
        domain="https://issuer.example",
        cryptosuite=suite,
    )
    proof = signed["proof"]
    assert proof["proofPurpose"] == "authentication"
    assert proof["verificationMethod"] == holder_verification_method(user=learner)
    assert (proof["challenge"], proof["domain"]) == ("c-1", "https://issuer.example")
    report = _verify(signed, challenge="c-1", domain="https://issuer.example")
    assert report.verdict == "verified", report.to_dict()
    assert _verify(signed, challenge="c-2", domain="https://issuer.example").verdict != "verified"


def test_it_refuses_a_presentation_that_names_another_holder(learner: User) -> None:
    with pytest.raises(ValueError, match="another holder"):
        sign_presentation(
            user=learner,
            presentation={"@context": presentation_context(), "holder": "did:key:zOther"},
            now=NOW,
        )


def test_it_refuses_a_suite_the_holder_key_cannot_sign(learner: User) -> None:
    with pytest.raises(ValueError, match="cannot sign"):
        sign_presentation(user=learner, presentation={}, now=NOW, cryptosuite="ecdsa-rdfc-2019")


def test_a_jwt_is_signed_with_eddsa_and_names_the_holder_did_url(learner: User) -> None:
    token = sign_holder_jwt(
        user=learner, payload={"aud": "https://issuer.example"}, typ="openid4vci-proof+jwt"
    )
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {
        "alg": "EdDSA",
        "kid": holder_verification_method(user=learner),
        "typ": "openid4vci-proof+jwt",
    }
    assert header["kid"].startswith(holder_did(user=learner) + "#")
