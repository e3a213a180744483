"""JWT credentials: algorithms, where the key comes from, its tie to the issuer, VC 1.1 claims."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from wallet.verification.errors import UnsupportedInput
from wallet.verification.fetch import MapFetcher
from wallet.verification.keys import did_jwk_from_key, did_key_from_public_key, jwk_from_key
from wallet.verification.options import VerifyOptions
from wallet.verification.proofs.jose import (
    b64url_encode,
    decode_compact,
    sign_jwt,
    verify_compact_jws,
    verify_jwt_credential,
)
from wallet.verification.report import Report, Status, Verdict

from .keyfixtures import ed_key, p256_key, rsa_key

NOW = datetime(2025, 6, 1, tzinfo=UTC)
ED = ed_key(21)
ED_DID = did_key_from_public_key(ED.public_key())
ED_KID = f"{ED_DID}#{ED_DID[8:]}"
P256 = p256_key(22)
P256_DID = did_key_from_public_key(P256.public_key())
P256_KID = f"{P256_DID}#{P256_DID[8:]}"
RSA = rsa_key(23)
WEB_ISSUER = "did:web:university.example"
WEB_KID = f"{WEB_ISSUER}#rsa-1"


def web_fetcher() -> MapFetcher:
    document = {
        "id": WEB_ISSUER,
        "verificationMethod": [
            {
                "id": WEB_KID,
                "type": "JsonWebKey",
                "controller": WEB_ISSUER,
                "publicKeyJwk": jwk_from_key(RSA.public_key()),
            }
        ],
        "assertionMethod": [WEB_KID],
    }
    return MapFetcher({WEB_ISSUER: json.dumps(document)})


def options(fetcher: MapFetcher | None = None) -> VerifyOptions:
    return VerifyOptions(now=NOW, fetcher=fetcher or MapFetcher())


def credential(issuer: str) -> dict:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:6e7c1f5a-2b1d-4c8e-9f0a-1b2c3d4e5f60",
        "type": ["VerifiableCredential"],
        "issuer": {"id": issuer, "name": "University"},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }


def codes(checks) -> list[str]:
    return [c.code for c in checks]


def verdict(checks) -> Verdict:
    return Report(checks=list(checks)).verdict


def token(header: dict, payload: dict, signature: bytes = b"\x00" * 64) -> str:
    parts = [json.dumps(header).encode(), json.dumps(payload).encode(), signature]
    return ".".join(b64url_encode(p) for p in parts)


@pytest.mark.parametrize(
    ("key", "kid", "issuer", "fetcher", "alg"),
    [
        (ED, ED_KID, ED_DID, None, "EdDSA"),
        (P256, P256_KID, P256_DID, None, "ES256"),
        (RSA, WEB_KID, WEB_ISSUER, web_fetcher, "RS256"),
    ],
)
def test_it_verifies_a_jwt_credential_signed_by_its_issuer(key, kid, issuer, fetcher, alg):
    jwt = sign_jwt(credential(issuer), private_key=key, kid=kid)
    found, checks = verify_jwt_credential(jwt, options=options(fetcher() if fetcher else None))
    assert codes(checks) == ["key.controller_matches", "proof.signature_valid"]
    assert alg in checks[1].message
    assert found == credential(issuer)


def test_it_rejects_a_jwt_whose_payload_was_altered():
    header, _, signature = sign_jwt(credential(ED_DID), private_key=ED, kid=ED_KID).split(".")
    forged = credential(ED_DID) | {"name": "Forged"}
    jwt = f"{header}.{b64url_encode(json.dumps(forged).encode())}.{signature}"
    _, checks = verify_jwt_credential(jwt, options=options())
    assert "proof.signature_invalid" in codes(checks)
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


@pytest.mark.parametrize("alg", ["none", "HS256", "XYZ"])
def test_it_refuses_unsigned_shared_secret_and_unknown_algorithms(alg):
    _, checks = verify_jwt_credential(
        token({"alg": alg, "kid": ED_KID}, credential(ED_DID)), options=options()
    )
    assert codes(checks) == ["proof.alg_refused"]
    assert verdict(checks) is Verdict.UNSUPPORTED


def test_it_refuses_a_key_of_another_type_than_the_algorithm_names():
    _, payload, signature = sign_jwt(credential(ED_DID), private_key=ED, kid=ED_KID).split(".")
    swapped = b64url_encode(json.dumps({"alg": "ES256", "kid": ED_KID}).encode())
    _, checks = verify_jwt_credential(f"{swapped}.{payload}.{signature}", options=options())
    assert "key.type_mismatch" in codes(checks)
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_it_rejects_a_kid_that_belongs_to_someone_else_than_the_issuer():
    jwt = sign_jwt(credential(P256_DID), private_key=ED, kid=ED_KID)
    _, checks = verify_jwt_credential(jwt, options=options())
    assert "key.controller_mismatch" in codes(checks)
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def embedded_jwk_token(key, issuer: str) -> str:
    payload = credential(issuer)
    header = {"alg": "EdDSA", "jwk": jwk_from_key(key.public_key())}
    signing_input = (
        b64url_encode(json.dumps(header).encode())
        + "."
        + b64url_encode(json.dumps(payload).encode())
    )
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode()))}"


def test_an_embedded_jwk_is_the_issuers_key_when_the_issuer_is_its_did_jwk():
    issuer = did_jwk_from_key(ED.public_key())
    _, checks = verify_jwt_credential(embedded_jwk_token(ED, issuer), options=options())
    assert codes(checks) == ["key.controller_matches", "proof.signature_valid"]
    assert verdict(checks) is Verdict.VERIFIED


def test_an_embedded_jwk_for_any_other_issuer_verifies_only_with_a_warning():
    _, checks = verify_jwt_credential(
        embedded_jwk_token(ED, "https://university.example/issuer"), options=options()
    )
    assert codes(checks) == ["key.unbound_jwk", "proof.signature_valid"]
    assert checks[0].status is Status.WARNING
    assert verdict(checks) is Verdict.VERIFIED_WITH_WARNINGS


def test_an_embedded_jwk_with_its_private_part_is_refused():
    header = {"alg": "EdDSA", "jwk": {**jwk_from_key(ED.public_key()), "d": "AAAA"}}
    _, checks = verify_jwt_credential(token(header, credential(ED_DID)), options=options())
    assert codes(checks) == ["key.private_key_exposed"]


def test_a_did_jwk_issuer_needs_no_kid():
    issuer = did_jwk_from_key(P256.public_key())
    jwt = sign_jwt(credential(issuer), private_key=P256, kid="")
    _, checks = verify_jwt_credential(jwt, options=options())
    assert verdict(checks) is Verdict.VERIFIED


def test_a_kid_url_serving_a_jwk_on_the_issuers_site_is_the_issuers_key():
    issuer = "https://university.example/issuer"
    kid = "https://university.example/keys/jwt.json"
    fetcher = MapFetcher({kid: json.dumps(jwk_from_key(P256.public_key()))})
    jwt = sign_jwt(credential(issuer), private_key=P256, kid=kid)
    _, checks = verify_jwt_credential(jwt, options=options(fetcher))
    assert codes(checks) == ["key.controller_matches", "proof.signature_valid"]


def test_a_jwk_served_by_another_site_is_not_the_issuers_key():
    kid = "https://keys.example/jwt.json"
    issuer_keys = {"id": WEB_ISSUER, "assertionMethod": [WEB_KID]}
    fetcher = MapFetcher(
        {kid: json.dumps(jwk_from_key(P256.public_key())), WEB_ISSUER: json.dumps(issuer_keys)}
    )
    jwt = sign_jwt(credential(WEB_ISSUER), private_key=P256, kid=kid)
    _, checks = verify_jwt_credential(jwt, options=options(fetcher))
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_an_unreachable_kid_url_means_the_issuer_is_unreachable():
    kid = "https://university.example/keys/jwt.json"
    fetcher = MapFetcher(unreachable={kid})
    jwt = sign_jwt(credential("https://university.example/issuer"), private_key=P256, kid=kid)
    _, checks = verify_jwt_credential(jwt, options=options(fetcher))
    assert verdict(checks) is Verdict.ISSUER_UNREACHABLE


def test_a_vc_1_1_jwt_is_decoded_with_its_registered_claims():
    inner = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"name": "Learner"},
    }
    payload = {
        "iss": ED_DID,
        "jti": "urn:uuid:1",
        "sub": "did:example:learner",
        "nbf": 1735689600,
        "exp": 1767225600,
        "vc": inner,
    }
    found, checks = verify_jwt_credential(
        sign_jwt(payload, private_key=ED, kid=ED_KID, typ="JWT"), options=options()
    )
    assert verdict(checks) is Verdict.VERIFIED
    assert found["issuer"] == ED_DID
    assert found["id"] == "urn:uuid:1"
    assert found["credentialSubject"] == {"name": "Learner", "id": "did:example:learner"}
    assert found["issuanceDate"] == "2025-01-01T00:00:00Z"
    assert found["expirationDate"] == "2026-01-01T00:00:00Z"
    assert "issuanceDate" not in inner


def test_nbf_does_not_override_a_validfrom_the_credential_states():
    payload = credential(ED_DID) | {"nbf": 1735689600}
    found, _ = verify_jwt_credential(
        sign_jwt(payload, private_key=ED, kid=ED_KID), options=options()
    )
    assert "issuanceDate" not in found
    assert found["validFrom"] == "2025-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("claim", "value"),
    [("iss", "did:example:someone-else"), ("jti", "urn:uuid:other"), ("sub", "did:example:other")],
)
def test_a_claim_that_contradicts_the_credential_is_malformed(claim, value):
    payload = credential(ED_DID) | {claim: value}
    _, checks = verify_jwt_credential(
        sign_jwt(payload, private_key=ED, kid=ED_KID), options=options()
    )
    assert "proof.claim_mismatch" in codes(checks)
    assert verdict(checks) is Verdict.MALFORMED


def test_a_token_that_is_not_a_jws_is_malformed():
    found, checks = verify_jwt_credential("not-a-token", options=options())
    assert found is None
    assert verdict(checks) is Verdict.MALFORMED


def test_a_token_without_any_key_is_refused():
    _, checks = verify_jwt_credential(
        token({"alg": "EdDSA"}, credential("https://university.example/issuer")), options=options()
    )
    assert codes(checks) == ["key.missing"]


def test_a_non_string_issuer_claim_is_a_failed_check_not_a_crash():
    _, checks = verify_jwt_credential(
        token({"alg": "EdDSA"}, {"iss": 1, "vp": {}}), options=options()
    )
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_a_bare_kid_names_a_key_in_the_issuers_own_document():
    jwt = sign_jwt(credential(WEB_ISSUER), private_key=RSA, kid="rsa-1")
    _, checks = verify_jwt_credential(jwt, options=options(web_fetcher()))
    assert codes(checks) == ["key.controller_matches", "proof.signature_valid"]


# --- a key carried in the token must be one of the issuer's keys when the issuer can name them

INTRUDER = ed_key(66)
HTTPS_ISSUER = "https://university.example/issuer"


def issuer_documents(key) -> MapFetcher:
    """A did:web and an https controller document, each naming `key` for assertionMethod."""
    fetcher = MapFetcher()
    for issuer in (WEB_ISSUER, HTTPS_ISSUER):
        vm_id = f"{issuer}#key-1"
        document = {
            "id": issuer,
            "verificationMethod": [
                {
                    "id": vm_id,
                    "type": "JsonWebKey",
                    "controller": issuer,
                    "publicKeyJwk": jwk_from_key(key.public_key()),
                }
            ],
            "assertionMethod": [vm_id],
        }
        fetcher.add(issuer, json.dumps(document))
    return fetcher


@pytest.mark.parametrize(
    "issuer",
    [ED_DID, did_jwk_from_key(ED.public_key()), WEB_ISSUER, HTTPS_ISSUER],
    ids=["did:key", "did:jwk", "did:web", "https"],
)
def test_a_header_jwk_that_is_not_the_issuers_key_is_a_forgery(issuer):
    forged = embedded_jwk_token(INTRUDER, issuer)
    _, checks = verify_jwt_credential(forged, options=options(issuer_documents(ED)))
    assert codes(checks) == ["key.jwk_not_issuers"]
    assert issuer in checks[0].message
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


@pytest.mark.parametrize(
    "issuer",
    [ED_DID, did_jwk_from_key(ED.public_key()), WEB_ISSUER, HTTPS_ISSUER],
    ids=["did:key", "did:jwk", "did:web", "https"],
)
def test_a_header_jwk_that_is_one_of_the_issuers_keys_verifies(issuer):
    jwt = embedded_jwk_token(ED, issuer)
    _, checks = verify_jwt_credential(jwt, options=options(issuer_documents(ED)))
    assert codes(checks) == ["key.controller_matches", "proof.signature_valid"]
    assert verdict(checks) is Verdict.VERIFIED


def test_a_header_jwk_the_issuer_lists_only_for_authentication_cannot_sign_credentials():
    vm_id = f"{WEB_ISSUER}#key-1"
    document = {
        "id": WEB_ISSUER,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "JsonWebKey",
                "controller": WEB_ISSUER,
                "publicKeyJwk": jwk_from_key(ED.public_key()),
            }
        ],
        "authentication": [vm_id],
        "assertionMethod": [],
    }
    fetcher = MapFetcher({WEB_ISSUER: json.dumps(document)})
    _, checks = verify_jwt_credential(embedded_jwk_token(ED, WEB_ISSUER), options=options(fetcher))
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_a_header_jwk_for_a_did_web_issuer_whose_document_is_unreachable_is_unreachable():
    fetcher = MapFetcher(unreachable={"https://university.example/.well-known/did.json"})
    _, checks = verify_jwt_credential(embedded_jwk_token(ED, WEB_ISSUER), options=options(fetcher))
    assert verdict(checks) is Verdict.ISSUER_UNREACHABLE


def test_a_header_jwk_for_a_did_web_issuer_without_a_document_is_a_forgery():
    _, checks = verify_jwt_credential(embedded_jwk_token(ED, WEB_ISSUER), options=options())
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_a_header_jwk_for_a_did_method_this_wallet_cannot_resolve_is_not_trusted():
    _, checks = verify_jwt_credential(
        embedded_jwk_token(ED, "did:example:university"), options=options()
    )
    assert verdict(checks) is Verdict.UNSUPPORTED
    assert not any(c.code == "proof.signature_valid" for c in checks)


def test_a_header_jwk_stands_in_only_where_the_issuer_cannot_name_keys():
    issuer = "urn:uuid:0b5e3a52-81b0-4a07-a5c3-4b1de3c76a9a"
    _, checks = verify_jwt_credential(embedded_jwk_token(INTRUDER, issuer), options=options())
    assert codes(checks) == ["key.unbound_jwk", "proof.signature_valid"]
    assert verdict(checks) is Verdict.VERIFIED_WITH_WARNINGS


def test_a_kid_beside_a_header_jwk_is_still_checked_against_the_issuer():
    payload = credential(ED_DID)
    intruder_did = did_key_from_public_key(INTRUDER.public_key())
    header = {
        "alg": "EdDSA",
        "kid": f"{intruder_did}#{intruder_did[8:]}",
        "jwk": jwk_from_key(INTRUDER.public_key()),
    }
    signing_input = ".".join(b64url_encode(json.dumps(part).encode()) for part in (header, payload))
    jwt = f"{signing_input}.{b64url_encode(INTRUDER.sign(signing_input.encode()))}"
    _, checks = verify_jwt_credential(jwt, options=options())
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_a_token_whose_kid_is_a_key_of_another_type_than_its_alg_is_an_invalid_signature():
    from wallet.verification.multiformats import encode_varint, multibase_encode

    did = "did:key:" + multibase_encode(encode_varint(0xE7) + b"\x02" * 33, "z")
    jwt = token({"alg": "EdDSA", "kid": f"{did}#{did[8:]}"}, credential(did))
    _, checks = verify_jwt_credential(jwt, options=options())
    assert codes(checks) == ["key.type_mismatch"]
    assert "secp256k1" in checks[0].message
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_a_header_jwk_of_another_type_than_the_alg_is_an_invalid_signature():
    x25519 = {"kty": "OKP", "crv": "X25519", "x": "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"}
    jwt = token({"alg": "EdDSA", "jwk": x25519}, credential("urn:uuid:1"))
    _, checks = verify_jwt_credential(jwt, options=options())
    assert codes(checks) == ["key.type_mismatch"]
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


# --- what joserfc is kept from accepting ------------------------------------------------------


def signed_with_header(key, header: dict, payload: dict) -> str:
    signing_input = ".".join(b64url_encode(json.dumps(part).encode()) for part in (header, payload))
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode()))}"


@pytest.mark.parametrize(
    "extra",
    [{"crit": ["exp"], "exp": 1}, {"crit": ["b64"], "b64": False}],
    ids=["unknown-crit", "unencoded-payload"],
)
def test_a_header_that_marks_an_extension_critical_is_refused(extra):
    header = {"alg": "EdDSA", "kid": ED_KID} | extra
    _, checks = verify_jwt_credential(
        signed_with_header(ED, header, credential(ED_DID)), options=options()
    )
    assert codes(checks) == ["proof.crit_unsupported"]
    assert verdict(checks) is Verdict.UNSUPPORTED


def test_the_fully_specified_ed25519_algorithm_name_is_accepted():
    jwt = signed_with_header(ED, {"alg": "Ed25519", "kid": ED_KID}, credential(ED_DID))
    _, checks = verify_jwt_credential(jwt, options=options())
    assert codes(checks) == ["key.controller_matches", "proof.signature_valid"]


def test_a_p384_key_cannot_verify_an_es256_token():
    jwt = sign_jwt(credential(P256_DID), private_key=P256, kid=P256_KID)
    other = ec.generate_private_key(ec.SECP384R1()).public_key()
    with pytest.raises(UnsupportedInput) as caught:
        verify_compact_jws(decode_compact(jwt), other)
    assert caught.value.code == "key.type_mismatch"


def test_an_es256_signature_of_the_wrong_length_does_not_verify():
    header, payload, signature = sign_jwt(
        credential(P256_DID), private_key=P256, kid=P256_KID
    ).split(".")
    _, checks = verify_jwt_credential(f"{header}.{payload}.{signature[:-4]}", options=options())
    assert "proof.signature_invalid" in codes(checks)
