"""RsaSignature2018 and JsonWebSignature2020: detached JWS proofs, key types, issuer binding."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization

from wallet.verification.fetch import MapFetcher
from wallet.verification.keys import did_jwk_from_key, jwk_from_key
from wallet.verification.options import VerifyOptions
from wallet.verification.proofs import ldsig
from wallet.verification.proofs.dataintegrity import verify_proofs
from wallet.verification.report import Report, Verdict

from .keyfixtures import ed_key, p256_key, rsa_key

NOW = datetime(2025, 6, 1, tzinfo=UTC)
ISSUER = "did:web:college.example"
CONTEXT = ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/security/suites/jws-2020/v1"]


def credential(issuer: str) -> dict:
    return {
        "@context": CONTEXT,
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:earner"},
    }


def signed(key, suite="JsonWebSignature2020", vm=None, issuer=None):
    issuer = issuer or did_jwk_from_key(key.public_key())
    return ldsig.sign(
        credential(issuer),
        private_key=key,
        suite=suite,
        verification_method=vm or f"{issuer}#0",
        purpose="assertionMethod",
        created="2024-01-01T00:00:00Z",
    )


def check(document, fetcher=None):
    checks = verify_proofs(
        document,
        options=VerifyOptions(now=NOW, fetcher=fetcher or MapFetcher()),
        issuer_id=document["issuer"],
    )
    return [c.code for c in checks], Report(checks=checks).verdict


@pytest.mark.parametrize(
    "key", [ed_key(1), p256_key(1), rsa_key(1)], ids=["Ed25519", "P-256", "RSA"]
)
def test_a_json_web_signature_2020_proof_of_each_key_type_verifies(key):
    assert check(signed(key)) == (
        ["key.controller_matches", "proof.signature_valid"],
        Verdict.VERIFIED,
    )


def test_a_json_web_signature_2020_proof_whose_alg_does_not_fit_the_key_is_invalid():
    document = signed(ed_key(1))
    _, _, signature = document["proof"]["jws"].partition("..")
    es256 = base64.urlsafe_b64encode(
        json.dumps({"alg": "ES256", "b64": False, "crit": ["b64"]}).encode()
    )
    document["proof"]["jws"] = es256.rstrip(b"=").decode() + ".." + signature
    codes, verdict = check(document)
    assert codes[-1] == "proof.key_type_mismatch"
    assert verdict is Verdict.INVALID_SIGNATURE


def test_an_rsa_signature_2018_proof_by_an_ec_key_is_invalid():
    document = signed(rsa_key(1), suite="RsaSignature2018")
    other = p256_key(2)
    did = did_jwk_from_key(other.public_key())
    document["issuer"] = did
    document["proof"]["verificationMethod"] = f"{did}#0"
    assert check(document) == (
        ["key.controller_matches", "proof.key_type_mismatch"],
        Verdict.INVALID_SIGNATURE,
    )


@pytest.mark.parametrize(
    "jws",
    [
        "",
        "no-dots",
        "e30..c2ln",  # {} : no alg, no b64
        "eyJhbGciOiJFZERTQSJ9..c2ln",  # b64 not false: the payload would be encoded
        "eyJhbGciOiJFZERTQSIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19.cGF5bG9hZA.c2ln",  # attached
        "!!!..c2ln",
    ],
)
def test_an_unreadable_jws_is_an_invalid_signature(jws):
    document = signed(ed_key(1))
    document["proof"]["jws"] = jws
    codes, verdict = check(document)
    assert codes[-1] == "proof.invalid_proof_value"
    assert verdict is Verdict.INVALID_SIGNATURE


def did_web_document(key, vm_type="JsonWebKey2020", pem=False, listed=True) -> MapFetcher:
    vm = f"{ISSUER}#key-1"
    method = {"id": vm, "type": vm_type, "controller": ISSUER}
    if pem:
        method["publicKeyPem"] = (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
    else:
        method["publicKeyJwk"] = jwk_from_key(key.public_key())
    document = {"id": ISSUER, "verificationMethod": [method]}
    document["assertionMethod" if listed else "authentication"] = [vm]
    return MapFetcher({ISSUER: json.dumps(document)})


def test_an_rsa_signature_2018_proof_with_a_pem_key_from_the_issuer_s_did_verifies():
    key = rsa_key(1)
    document = signed(key, suite="RsaSignature2018", vm=f"{ISSUER}#key-1", issuer=ISSUER)
    fetcher = did_web_document(key, vm_type="RsaVerificationKey2018", pem=True)
    assert check(document, fetcher) == (
        ["key.controller_matches", "proof.signature_valid"],
        Verdict.VERIFIED,
    )


def test_the_legacy_creator_field_names_the_key():
    key = rsa_key(1)
    document = signed(key, suite="RsaSignature2018", vm=f"{ISSUER}#key-1", issuer=ISSUER)
    document["proof"]["creator"] = document["proof"].pop("verificationMethod")
    # The proof options are signed as they stand, so re-sign with `creator`.
    options = {k: v for k, v in document["proof"].items() if k != "jws"}
    payload = ldsig.signed_bytes({k: v for k, v in document.items() if k != "proof"}, options)[0]
    header = document["proof"]["jws"].split(".")[0]
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    signature = key.sign(
        header.encode() + b"." + payload,
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )
    document["proof"]["jws"] = (
        header + ".." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    )
    fetcher = did_web_document(key, vm_type="RsaVerificationKey2018", pem=True)
    assert check(document, fetcher)[1] is Verdict.VERIFIED


def test_a_key_the_issuer_does_not_authorise_for_assertion_is_refused():
    key = p256_key(1)
    document = signed(key, vm=f"{ISSUER}#key-1", issuer=ISSUER)
    assert check(document, did_web_document(key, listed=False)) == (
        ["key.purpose_not_allowed"],
        Verdict.INVALID_SIGNATURE,
    )


def test_a_key_of_another_party_is_not_the_issuer_s():
    key = p256_key(1)
    document = signed(key)
    document["issuer"] = "did:web:other.example"
    codes, verdict = check(document, MapFetcher())
    assert verdict is not Verdict.VERIFIED
    assert (
        "proof.signature_valid" not in codes
        or "key.controller_mismatch" in codes
        or any(c.startswith("key.") for c in codes)
    )


def test_a_pem_key_that_is_not_rsa_is_an_invalid_signature_for_rsa_signature_2018():
    key = rsa_key(1)
    document = signed(key, suite="RsaSignature2018", vm=f"{ISSUER}#key-1", issuer=ISSUER)
    fetcher = did_web_document(p256_key(3), vm_type="RsaVerificationKey2018", pem=True)
    codes, verdict = check(document, fetcher)
    assert codes[-1] == "proof.key_type_mismatch"
    assert verdict is Verdict.INVALID_SIGNATURE
