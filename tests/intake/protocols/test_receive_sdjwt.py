"""Receiving SD-JWT VCs over OpenID4VCI 1.0 (`dc+sd-jwt`, Appendix A.3, and the drafts'
`vc+sd-jwt`) from the stub issuer on loopback, configured as the specification's own
example: a configuration with `vct` and `jwk` binding, a `jwt` key proof carrying the
holder key as `jwk` over a nonce from the nonce endpoint, and the credential response's
`credentials: [{"credential": "<SD-JWT>"}]`. What arrives is verified, must be bound
(`cnf.jwk`) to the learner's key, and is kept byte for byte; the learner can then present
it with a Key Binding JWT."""

from __future__ import annotations

import base64
import json

import pytest

from accounts.services import holder_key_rotate, holder_p256_key
from accounts.signing import sign_key_binding
from intake.models import ReceiveAttempt
from intake.services.receiving import consent_for, receive_accept, receive_open
from tests.support.sdjwt_issuer import SD_ISSUER, VCT
from wallet.models import Credential, Source
from wallet.verification.keys import jwk_from_key
from wallet.verification.sdjwt import verify_sd_jwt
from wallet.verification.sdjwt.holder import processed_claims


def _receive(owner, stub, now) -> ReceiveAttempt:
    attempt = receive_open(owner=owner, link=stub.offer_link(), now=now)
    return receive_accept(owner=owner, attempt=attempt, now=now).attempt


@pytest.mark.parametrize("format_", ["dc+sd-jwt", "vc+sd-jwt"])
def test_it_receives_an_sd_jwt_vc_bound_to_the_holder_key(owner, stub, now, issuer, format_):
    stub.format = format_
    opened = receive_open(owner=owner, link=stub.offer_link(), now=now)
    assert opened.state == ReceiveAttempt.State.PENDING, opened.error
    assert opened.offered[0]["supported"] and opened.offered[0]["vct"] == VCT
    assert opened.offered[0]["format"] == format_
    assert not stub.credential_requests, "nothing is sent before the learner consents"

    attempt = receive_accept(owner=owner, attempt=opened, now=now).attempt

    assert attempt.state == ReceiveAttempt.State.RECEIVED, attempt.error
    request = stub.credential_requests[-1]
    assert request["credential_configuration_id"] == "OpenBadge"
    assert list(request["proofs"]) == ["jwt"]
    proof = stub.proofs[-1]
    assert proof["header"]["typ"] == "openid4vci-proof+jwt"
    assert proof["header"]["jwk"] == jwk_from_key(stub.holder_key)
    assert "kid" not in proof["header"], "F.1: jwk or kid, never both"
    assert proof["payload"]["aud"] == stub.credential_issuer
    assert proof["payload"]["nonce"] and proof["payload"]["iat"] == int(now.timestamp())
    credential = Credential.objects.get(owner=owner)
    assert (credential.format, credential.container) == ("sd-jwt-vc", "sd-jwt")
    assert credential.media_type == f"application/{format_}"
    assert credential.source == Source.OID4VCI and credential.issuer_id == SD_ISSUER
    assert credential.verdict == "verified"
    assert attempt.stored[0]["id"] == credential.pk
    assert stub.notifications[-1]["event"] == "credential_accepted"
    # The learner can present it: the wallet holds the key it is bound to.
    presented = sign_key_binding(
        user=owner,
        presentation=bytes(credential.original).decode(),
        audience="https://verifier.example",
        nonce="n-1",
        issued_at=now,
    )
    options = issuer.options(challenge="n-1", domain="https://verifier.example")
    result = verify_sd_jwt(presented, options=options)
    assert all(c.status != "fail" for c in result.checks), [c.code for c in result.checks]


def test_the_consent_page_says_which_sd_jwt_vc_type_will_arrive(client, owner, stub):
    stub.format = "dc+sd-jwt"
    client.force_login(owner)

    opened = client.post("/receive", {"link": stub.offer_link()})
    html = client.get(opened["Location"]).content.decode()

    assert "Test Achievement" in html
    assert f"<code>{VCT}</code>" in html and "SD-JWT VC" in html


def test_a_format_satchel_does_not_take_is_refused_saying_which(owner, stub, now):
    stub.format = "mso_mdoc"

    attempt = receive_open(owner=owner, link=stub.offer_link(), now=now)

    assert attempt.state == ReceiveAttempt.State.FAILED
    assert attempt.error_kind == "unsupported"
    assert "mso_mdoc" in attempt.error and "dc+sd-jwt" in attempt.error
    assert not attempt.offered[0]["supported"]
    assert not stub.token_requests and not Credential.objects.exists()


def test_a_credential_bound_to_another_key_is_refused_and_nothing_stored(owner, stub, now):
    stub.format = "dc+sd-jwt"
    stub.bind_other_key = True

    attempt = _receive(owner, stub, now)

    assert attempt.state == ReceiveAttempt.State.FAILED
    assert attempt.error_kind == "invalid"
    assert "bound the credential to a key that is not yours" in attempt.error
    assert not Credential.objects.exists()
    assert stub.notifications[-1]["event"] == "credential_failure"


def test_a_stale_nonce_is_retried_once_over_a_fresh_one(owner, stub, now):
    stub.format = "dc+sd-jwt"
    stub.stale_nonces = 1

    attempt = _receive(owner, stub, now)

    assert attempt.state == ReceiveAttempt.State.RECEIVED, attempt.error
    nonces = [p["payload"]["nonce"] for p in stub.proofs]
    assert len(nonces) == 2 and nonces[0] != nonces[1]
    assert Credential.objects.count() == 1


def test_an_invalid_proof_naming_a_c_nonce_is_retried_over_that_nonce(owner, stub, now):
    stub.format = "dc+sd-jwt"
    stub.invalid_proof_nonces = 1

    attempt = _receive(owner, stub, now)

    assert attempt.state == ReceiveAttempt.State.RECEIVED, attempt.error
    assert len(stub.credential_requests) == 2
    assert Credential.objects.count() == 1


def test_an_invalid_proof_refused_again_fails_with_a_sentence(owner, stub, now):
    stub.format = "dc+sd-jwt"
    stub.invalid_proof_nonces = 2

    attempt = _receive(owner, stub, now)

    assert attempt.state == ReceiveAttempt.State.FAILED
    assert attempt.error_kind == "proof_refused"
    assert "refused the key proof twice" in attempt.error
    assert len(stub.credential_requests) == 2 and not Credential.objects.exists()


def test_an_invalid_proof_without_a_nonce_is_not_retried(owner, stub, now):
    stub.format = "dc+sd-jwt"
    stub.refuse_proof = True

    attempt = _receive(owner, stub, now)

    assert attempt.state == ReceiveAttempt.State.FAILED
    assert attempt.error == "The issuer refused the proof that the credential is bound to your key."
    assert len(stub.credential_requests) == 1 and not Credential.objects.exists()


def test_an_issuer_binding_to_dids_gets_the_holder_did_url(owner, stub, now, issuer):
    stub.format = "dc+sd-jwt"
    stub.metadata_binding = ["did:key"]
    attempt = receive_open(owner=owner, link=stub.offer_link(), now=now)
    assert consent_for(owner=owner, attempt=attempt).holder == issuer.earner_did

    done = receive_accept(owner=owner, attempt=attempt, now=now).attempt

    assert done.state == ReceiveAttempt.State.RECEIVED, done.error
    assert stub.proofs[-1]["header"]["kid"].startswith(issuer.earner_did + "#")
    assert "jwk" not in stub.proofs[-1]["header"]


# --- an issuer that takes key proofs only in ES256 (the specification's own SD-JWT example) ---


def _es256_only(stub, binding: list[str]) -> None:
    stub.format = "dc+sd-jwt"
    stub.proof_types = {"jwt": {"proof_signing_alg_values_supported": ["ES256"]}}
    stub.metadata_binding = binding


def _presented_with_es256(owner, credential, now, issuer) -> list:
    presented = sign_key_binding(
        user=owner,
        presentation=bytes(credential.original).decode(),
        audience="https://verifier.example",
        nonce="n-256",
        issued_at=now,
    )
    kb_header = json.loads(_b64decode(presented.rsplit("~", 1)[1].split(".")[0]))
    assert kb_header["alg"] == "ES256" and kb_header["typ"] == "kb+jwt"
    options = issuer.options(challenge="n-256", domain="https://verifier.example")
    return verify_sd_jwt(presented, options=options).checks


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_an_es256_only_issuer_gets_a_proof_by_the_p256_key_and_the_credential_is_kept(
    owner, stub, now, issuer
):
    _es256_only(stub, ["jwk"])
    opened = receive_open(owner=owner, link=stub.offer_link(), now=now)
    assert opened.state == ReceiveAttempt.State.PENDING, opened.error
    assert opened.offered[0]["supported"]
    p256 = holder_p256_key(user=owner)
    assert consent_for(owner=owner, attempt=opened).holder == p256.did
    assert p256.did.startswith("did:key:zDn")

    attempt = receive_accept(owner=owner, attempt=opened, now=now).attempt

    assert attempt.state == ReceiveAttempt.State.RECEIVED, attempt.error
    proof = stub.proofs[-1]
    assert proof["header"]["alg"] == "ES256"
    assert proof["header"]["jwk"] == jwk_from_key(p256.private_key.public_key())
    assert "kid" not in proof["header"]
    credential = Credential.objects.get(owner=owner)
    assert credential.verdict == "verified"
    assert processed_claims(bytes(credential.original).decode())["cnf"] == {
        "jwk": proof["header"]["jwk"]
    }
    checks = _presented_with_es256(owner, credential, now, issuer)
    assert all(c.status != "fail" for c in checks), [c.code for c in checks]
    assert "kb.valid" in [c.code for c in checks]


@pytest.mark.parametrize("method", ["did:key", "did:jwk"])
def test_an_es256_only_issuer_binding_to_dids_gets_the_p256_did_url(
    owner, stub, now, issuer, method
):
    _es256_only(stub, [method])

    attempt = _receive(owner, stub, now)

    assert attempt.state == ReceiveAttempt.State.RECEIVED, attempt.error
    p256 = holder_p256_key(user=owner)
    kid = stub.proofs[-1]["header"]["kid"]
    expected = p256.verification_method if method == "did:key" else p256.did_jwk + "#0"
    assert kid == expected and "jwk" not in stub.proofs[-1]["header"]
    credential = Credential.objects.get(owner=owner)
    assert processed_claims(bytes(credential.original).decode())["cnf"] == {"kid": kid}
    checks = _presented_with_es256(owner, credential, now, issuer)
    assert all(c.status != "fail" for c in checks), [c.code for c in checks]


def test_a_credential_bound_to_a_p256_key_is_still_presented_after_a_rotation(
    owner, stub, now, issuer
):
    _es256_only(stub, ["jwk"])
    assert _receive(owner, stub, now).state == ReceiveAttempt.State.RECEIVED
    before = holder_p256_key(user=owner).did

    holder_key_rotate(user=owner, now=now)

    assert holder_p256_key(user=owner).did != before
    credential = Credential.objects.get(owner=owner)
    checks = _presented_with_es256(owner, credential, now, issuer)
    assert all(c.status != "fail" for c in checks), [c.code for c in checks]


def test_an_es256_credential_bound_to_another_p256_key_is_refused(owner, stub, now):
    _es256_only(stub, ["jwk"])
    stub.bind_other_key = True

    attempt = _receive(owner, stub, now)

    assert attempt.state == ReceiveAttempt.State.FAILED
    assert "bound the credential to a key that is not yours" in attempt.error
    assert not Credential.objects.exists()
