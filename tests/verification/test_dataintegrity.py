"""Data Integrity proofs: W3C and 1EdTech vectors, then our own signed fixtures."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519

from wallet.verification.fetch import MapFetcher
from wallet.verification.keys import did_key_from_public_key, ed25519_multikey
from wallet.verification.multiformats import PRIVATE_KEY_CODECS, multibase_decode, multicodec_unwrap
from wallet.verification.options import VerifyOptions
from wallet.verification.proofs.dataintegrity import MAX_PROOFS, hash_data, sign, verify_proofs
from wallet.verification.proofs.jcs import canonicalize
from wallet.verification.report import Report, Status, Verdict

from .keyfixtures import ed_key, p256_key, raw

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
NOW = datetime(2025, 6, 1, tzinfo=UTC)
CREATED = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def load(name: str) -> dict:
    return json.loads((VECTORS / name).read_text())


def text(name: str) -> str:
    return (VECTORS / name).read_text().strip()


def options(fetcher: MapFetcher | None = None, **kwargs) -> VerifyOptions:
    return VerifyOptions(now=NOW, fetcher=fetcher or MapFetcher(), **kwargs)


def verdict(checks) -> Verdict:
    return Report(checks=list(checks)).verdict


def codes(checks) -> list[str]:
    return [c.code for c in checks]


def w3c_private_key() -> ed25519.Ed25519PrivateKey:
    pair = load("vc-di-eddsa/proof-keyPair.json")
    _, secret = multicodec_unwrap(multibase_decode(pair["privateKeyMultibase"]), PRIVATE_KEY_CODECS)
    return ed25519.Ed25519PrivateKey.from_private_bytes(secret)


# --- W3C vc-di-eddsa / vc-di-ecdsa vectors ----------------------------------------------------

W3C_CASES = [
    ("proof-eddsa-rdfc-2022", "eddsa-rdfc-2022"),
    ("proof-ed25519signature2020", "Ed25519Signature2020"),
    ("proof-eddsa-jcs-2022", "eddsa-jcs-2022"),
]


@pytest.mark.parametrize(("prefix", "suite"), W3C_CASES)
def test_our_hash_data_equals_the_w3c_intermediate_hashes(prefix, suite):
    signed = load(f"vc-di-eddsa/{prefix}-signed.json")
    data = hash_data(signed, signed["proof"])
    assert data[:32].hex() == text(f"vc-di-eddsa/{prefix}-proofHash.txt")
    assert data[32:].hex() == text(f"vc-di-eddsa/{prefix}-docHash.txt")


@pytest.mark.parametrize(("prefix", "suite"), W3C_CASES)
def test_the_w3c_signed_vectors_verify(prefix, suite):
    checks = verify_proofs(load(f"vc-di-eddsa/{prefix}-signed.json"), options=options())
    assert codes(checks) == ["key.resolved", "proof.signature_valid"]
    assert verdict(checks) is Verdict.VERIFIED


@pytest.mark.parametrize(("prefix", "suite"), W3C_CASES)
def test_signing_with_the_w3c_key_reproduces_the_vector_byte_for_byte(prefix, suite):
    signed = load(f"vc-di-eddsa/{prefix}-signed.json")
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    ours = sign(
        unsigned,
        private_key=w3c_private_key(),
        verification_method=signed["proof"]["verificationMethod"],
        purpose="assertionMethod",
        created=datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC),
        cryptosuite=suite,
    )
    assert ours == signed
    assert "proof" not in unsigned


def test_the_eddsa_combined_hash_is_proof_hash_then_document_hash():
    signed = load("vc-di-eddsa/proof-eddsa-rdfc-2022-signed.json")
    combined = text("vc-di-eddsa/proof-eddsa-rdfc-2022-combinedHash.txt")
    assert hash_data(signed, signed["proof"]).hex() == combined


def test_the_w3c_ecdsa_rdfc_2019_vector_hashes_match_and_it_verifies():
    signed = load("vc-di-ecdsa/proof-ecdsa-rdfc-2019-p256-signed.json")
    data = hash_data(signed, signed["proof"], algorithm=hashes.SHA256())
    assert data[:32].hex() == text("vc-di-ecdsa/proof-ecdsa-rdfc-2019-p256-proofHash.txt")
    assert data[32:].hex() == text("vc-di-ecdsa/proof-ecdsa-rdfc-2019-p256-docHash.txt")
    assert verdict(verify_proofs(signed, options=options())) is Verdict.VERIFIED


@pytest.mark.parametrize("name", ["proof-set-signed.json", "proof-chain-signed.json"])
def test_every_proof_of_the_w3c_proof_set_and_chain_verifies(name):
    signed = load(f"vc-di-eddsa/{name}")
    checks = verify_proofs(signed, options=options())
    assert codes(checks).count("proof.signature_valid") == len(signed["proof"])
    assert verdict(checks) is Verdict.VERIFIED


def test_a_chained_proof_without_its_previous_proof_fails():
    signed = load("vc-di-eddsa/proof-chain-signed.json")
    signed["proof"] = signed["proof"][2:]
    checks = verify_proofs(signed, options=options())
    assert "proof.previous_proof_missing" in codes(checks)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1.5e-7, "1.5e-7"),
        (0.000001, "0.000001"),
        (-0.0, "0"),
        (333333333.33333329, "333333333.3333333"),
        (
            {"b": 1, "a": [True, None], "\u20ac": 1, "\U0001f600": 2},
            '{"a":[true,null],"b":1,"\u20ac":1,"\U0001f600":2}',
        ),
    ],
)
def test_jcs_serializes_numbers_and_key_order_as_rfc_8785_requires(value, expected):
    assert canonicalize(value) == expected


# --- 1EdTech OB 3.0 / CLR 2.0 vectors ---------------------------------------------------------

OB_ISSUER = "https://example.edu/issuers/565049"


def ob_vector(kind: str) -> tuple[dict, dict, ed25519.Ed25519PrivateKey, str]:
    values = load(f"1edtech-ob/{kind}-vector-values.json")
    unsigned = load(f"1edtech-ob/{kind}-unsigned-credential.json")
    private = ed25519.Ed25519PrivateKey.from_private_bytes(
        bytes.fromhex(values["privateKeyHex"])[:32]
    )
    return values, unsigned, private, f"{OB_ISSUER}#{values['publicKeyMultibase']}"


def ob_controller_fetcher(vm_id: str, multikey: str) -> MapFetcher:
    document = {
        "id": OB_ISSUER,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": OB_ISSUER,
                "publicKeyMultibase": multikey,
            }
        ],
        "assertionMethod": [vm_id],
    }
    return MapFetcher({OB_ISSUER: json.dumps(document)})


@pytest.mark.parametrize("kind", ["obv3p0", "clrv2p0"])
def test_signing_the_1edtech_vector_reproduces_its_hashes_and_proof_value(kind):
    values, unsigned, private, vm_id = ob_vector(kind)
    signed = sign(
        unsigned,
        private_key=private,
        verification_method=vm_id,
        purpose="assertionMethod",
        created=datetime(2010, 1, 1, 19, 23, 24, tzinfo=UTC),
    )
    data = hash_data(signed, signed["proof"])
    assert data[:32].hex() == values["proofHashHex"]
    assert data[32:].hex() == values["documentHashHex"]
    assert signed["proof"]["proofValue"] == values["proofValue"]
    assert multibase_decode(values["proofValue"]).hex() == values["signatureHex"]


def test_the_1edtech_clr_vector_verifies_against_the_issuers_controller_document():
    values, _, _, vm_id = ob_vector("clrv2p0")
    fetcher = ob_controller_fetcher(vm_id, values["publicKeyMultibase"])
    signed = load("1edtech-ob/clrv2p0-signed-credential.json")
    checks = verify_proofs(signed, options=options(fetcher), issuer_id=OB_ISSUER)
    assert codes(checks) == ["key.controller_matches", "proof.signature_valid"]


# --- our own fixtures --------------------------------------------------------------------------

ISSUER_KEY = ed_key(11)
ISSUER = did_key_from_public_key(ISSUER_KEY.public_key())
ISSUER_VM = f"{ISSUER}#{ISSUER[len('did:key:') :]}"
OTHER_KEY = ed_key(12)
OTHER = did_key_from_public_key(OTHER_KEY.public_key())
OTHER_VM = f"{OTHER}#{OTHER[len('did:key:') :]}"


def credential(issuer: str = ISSUER) -> dict:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:0b9c6a5e-5f54-4f0e-8c6e-7e1a2d3c4b5a",
        "type": ["VerifiableCredential"],
        "name": "Welding, level 2",
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }


def signed_by(key=ISSUER_KEY, vm=ISSUER_VM, document=None, **kwargs) -> dict:
    kwargs.setdefault("purpose", "assertionMethod")
    return sign(
        document or credential(), private_key=key, verification_method=vm, created=CREATED, **kwargs
    )


def test_it_accepts_a_credential_signed_by_its_issuer():
    checks = verify_proofs(signed_by(), options=options(), issuer_id=ISSUER)
    assert codes(checks) == ["key.controller_matches", "proof.signature_valid"]
    assert verdict(checks) is Verdict.VERIFIED


def test_it_formats_created_as_an_xsd_datetime_in_utc():
    assert signed_by()["proof"]["created"] == "2025-01-02T03:04:05Z"


def test_it_rejects_a_credential_altered_after_signing():
    document = signed_by()
    document["name"] = "Welding, level 3"
    checks = verify_proofs(document, options=options(), issuer_id=ISSUER)
    assert "proof.signature_invalid" in codes(checks)
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_it_rejects_a_signature_made_with_another_key_than_the_one_named():
    document = signed_by(key=OTHER_KEY, vm=ISSUER_VM)
    checks = verify_proofs(document, options=options(), issuer_id=ISSUER)
    assert codes(checks) == ["key.controller_matches", "proof.signature_invalid"]


def test_it_rejects_a_key_controlled_by_someone_else_than_the_issuer():
    document = signed_by(key=OTHER_KEY, vm=OTHER_VM)
    checks = verify_proofs(document, options=options(), issuer_id=ISSUER)
    mismatch = next(c for c in checks if c.code == "key.controller_mismatch")
    assert mismatch.name == "key"
    assert mismatch.implies is Verdict.INVALID_SIGNATURE
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_it_rejects_an_authentication_proof_where_an_assertion_is_expected():
    document = signed_by(purpose="authentication")
    checks = verify_proofs(document, options=options(), issuer_id=ISSUER)
    assert codes(checks) == ["proof.purpose_mismatch"]
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_it_accepts_a_presentation_proof_with_the_expected_challenge_and_domain():
    document = signed_by(
        purpose="authentication", challenge="n-123", domain="https://employer.example"
    )
    checks = verify_proofs(
        document,
        options=options(),
        purpose="authentication",
        challenge="n-123",
        domain="https://employer.example",
    )
    assert verdict(checks) is Verdict.VERIFIED


@pytest.mark.parametrize(
    ("expected", "code"),
    [
        ({"challenge": "n-999"}, "proof.challenge_mismatch"),
        ({"domain": "https://attacker.example"}, "proof.domain_mismatch"),
    ],
)
def test_it_rejects_a_presentation_proof_made_for_another_request(expected, code):
    document = signed_by(
        purpose="authentication", challenge="n-123", domain="https://employer.example"
    )
    checks = verify_proofs(document, options=options(), purpose="authentication", **expected)
    assert code in codes(checks)
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_it_rejects_a_proof_past_its_expiry():
    document = signed_by(expires=datetime(2025, 2, 1, tzinfo=UTC))
    checks = verify_proofs(document, options=options(), issuer_id=ISSUER)
    assert "proof.expired" in codes(checks)
    assert verdict(checks) is Verdict.EXPIRED


def test_it_refuses_an_invalid_created_time():
    document = signed_by()
    document["proof"]["created"] = "yesterday"
    checks = verify_proofs(document, options=options(), issuer_id=ISSUER)
    assert codes(checks) == ["proof.invalid_created"]
    assert verdict(checks) is Verdict.MALFORMED


def test_it_rejects_a_proof_value_that_is_not_a_64_byte_signature():
    document = signed_by()
    document["proof"]["proofValue"] = document["proof"]["proofValue"][:40]
    checks = verify_proofs(document, options=options(), issuer_id=ISSUER)
    assert "proof.invalid_proof_value" in codes(checks)


def test_it_checks_every_proof_of_a_set_and_shows_the_bad_one():
    document = signed_by()
    document = signed_by(key=OTHER_KEY, vm=OTHER_VM, document=document)
    assert isinstance(document["proof"], list)
    document["proof"][1]["proofValue"] = document["proof"][0]["proofValue"]
    checks = verify_proofs(document, options=options())
    assert codes(checks) == [
        "key.resolved",
        "proof.signature_valid",
        "key.resolved",
        "proof.signature_invalid",
    ]
    assert checks[1].message == "The first proof's signature is valid."
    assert checks[3].message.startswith("The second proof's signature does not match")
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_adding_a_proof_leaves_the_original_document_untouched():
    first = signed_by()
    before = copy.deepcopy(first)
    second = signed_by(key=OTHER_KEY, vm=OTHER_VM, document=first)
    assert first == before
    assert verdict(verify_proofs(second, options=options())) is Verdict.VERIFIED


def test_an_unknown_cryptosuite_is_unsupported():
    document = signed_by()
    document["proof"]["cryptosuite"] = "bbs-2023"
    checks = verify_proofs(document, options=options(), issuer_id=ISSUER)
    assert codes(checks) == ["proof.unsupported_suite"]
    assert verdict(checks) is Verdict.UNSUPPORTED


def test_an_unknown_proof_beside_a_verified_one_is_only_a_warning():
    document = signed_by()
    document["proof"] = [
        {"type": "SomeProofType", "proofPurpose": "assertionMethod"},
        document["proof"],
    ]
    checks = verify_proofs(document, options=options(), issuer_id=ISSUER)
    assert checks[0].status is Status.WARNING
    assert verdict(checks) is Verdict.VERIFIED_WITH_WARNINGS


def test_a_credential_without_proof_is_malformed():
    checks = verify_proofs(credential(), options=options(), issuer_id=ISSUER)
    assert codes(checks) == ["proof.missing"]
    assert verdict(checks) is Verdict.MALFORMED


def test_a_document_with_more_proofs_than_the_cap_is_refused_without_checking_them():
    document = signed_by()
    document["proof"] = [document["proof"]] * (MAX_PROOFS + 1)
    fetcher = MapFetcher()
    checks = verify_proofs(document, options=options(fetcher))
    assert codes(checks) == ["proof.too_many"]
    assert fetcher.requests == []


def test_a_proof_without_type_is_malformed():
    document = signed_by()
    del document["proof"]["type"]
    assert verdict(verify_proofs(document, options=options())) is Verdict.MALFORMED


def test_an_ecdsa_rdfc_2019_proof_round_trips():
    key = p256_key(2)
    did = did_key_from_public_key(key.public_key())
    document = signed_by(
        key=key, vm=f"{did}#{did[8:]}", document=credential(did), cryptosuite="ecdsa-rdfc-2019"
    )
    assert verdict(verify_proofs(document, options=options(), issuer_id=did)) is Verdict.VERIFIED


# --- issuers identified by did:web, https and urn ---------------------------------------------

WEB_ISSUER = "did:web:college.example"
WEB_VM = f"{WEB_ISSUER}#key-1"


def did_web_fetcher(**kwargs) -> MapFetcher:
    document = {
        "id": WEB_ISSUER,
        "verificationMethod": [
            {
                "id": WEB_VM,
                "type": "Multikey",
                "controller": WEB_ISSUER,
                "publicKeyMultibase": ed25519_multikey(raw(ISSUER_KEY.public_key())),
            }
        ],
        "assertionMethod": [WEB_VM],
    }
    return MapFetcher({WEB_ISSUER: json.dumps(document)}, **kwargs)


def test_it_verifies_a_did_web_issuer_through_its_did_document():
    document = signed_by(vm=WEB_VM, document=credential(WEB_ISSUER))
    checks = verify_proofs(document, options=options(did_web_fetcher()), issuer_id=WEB_ISSUER)
    assert codes(checks) == ["key.controller_matches", "proof.signature_valid"]


def test_an_unreachable_did_web_issuer_is_issuer_unreachable_not_forgery():
    document = signed_by(vm=WEB_VM, document=credential(WEB_ISSUER))
    fetcher = did_web_fetcher(unreachable={"https://college.example/.well-known/did.json"})
    checks = verify_proofs(document, options=options(fetcher), issuer_id=WEB_ISSUER)
    assert codes(checks) == ["key.unreachable"]
    assert verdict(checks) is Verdict.ISSUER_UNREACHABLE


HTTPS_ISSUER = "https://college.example/issuer"


def test_an_https_issuer_may_authorise_a_did_key_in_its_controller_document():
    document_ = {"id": HTTPS_ISSUER, "assertionMethod": [ISSUER_VM]}
    fetcher = MapFetcher({HTTPS_ISSUER: json.dumps(document_)})
    signed = signed_by(document=credential(HTTPS_ISSUER))
    checks = verify_proofs(signed, options=options(fetcher), issuer_id=HTTPS_ISSUER)
    assert codes(checks) == ["key.authorised_by_issuer", "proof.signature_valid"]


def test_an_https_issuer_whose_keys_do_not_include_the_signer_rejects_it():
    document_ = {"id": HTTPS_ISSUER, "assertionMethod": [OTHER_VM]}
    fetcher = MapFetcher({HTTPS_ISSUER: json.dumps(document_)})
    signed = signed_by(document=credential(HTTPS_ISSUER))
    checks = verify_proofs(signed, options=options(fetcher), issuer_id=HTTPS_ISSUER)
    assert "key.controller_mismatch" in codes(checks)
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_an_https_issuer_that_publishes_no_keys_leaves_the_key_unverified():
    signed = signed_by(document=credential(HTTPS_ISSUER))
    checks = verify_proofs(signed, options=options(), issuer_id=HTTPS_ISSUER)
    assert codes(checks) == ["key.issuer_unverified", "proof.signature_valid"]
    assert verdict(checks) is Verdict.VERIFIED_WITH_WARNINGS


def test_a_did_key_issuer_never_vouches_for_another_key():
    signed = signed_by(key=OTHER_KEY, vm=OTHER_VM)
    assert "key.controller_mismatch" in codes(
        verify_proofs(signed, options=options(), issuer_id=ISSUER)
    )


def test_a_urn_issuer_with_a_key_fragment_verifies_with_a_warning():
    issuer = "urn:uuid:4ca4a241-fc3b-4d92-978e-f56fa96ae795"
    vm = f"{issuer}#{ed25519_multikey(raw(ISSUER_KEY.public_key()))}"
    checks = verify_proofs(
        signed_by(vm=vm, document=credential(issuer)), options=options(), issuer_id=issuer
    )
    assert codes(checks) == ["key.issuer_unverified", "proof.signature_valid"]
    assert verdict(checks) is Verdict.VERIFIED_WITH_WARNINGS


def test_an_unsupported_key_under_another_identifier_than_the_issuers_is_a_wrong_key():
    signed = signed_by(vm="did:example:123#key-1", document=credential(HTTPS_ISSUER))
    checks = verify_proofs(signed, options=options(), issuer_id=HTTPS_ISSUER)
    assert codes(checks) == ["key.controller_mismatch"]


def test_the_canonical_form_cache_is_filled_and_reused():
    cache: dict[str, str] = {}
    document = signed_by()
    first = verify_proofs(document, options=options(canon_cache=cache), issuer_id=ISSUER)
    second = verify_proofs(document, options=options(canon_cache=cache), issuer_id=ISSUER)
    assert codes(first) == codes(second) == ["key.controller_matches", "proof.signature_valid"]


def test_a_proof_whose_cryptosuite_is_not_a_string_is_unsupported_not_a_crash():
    document = signed_by()
    document["proof"]["cryptosuite"] = {"name": "eddsa-rdfc-2022"}
    assert codes(verify_proofs(document, options=options())) == ["proof.unsupported_suite"]


def test_a_stranger_key_is_not_a_did_web_issuers_when_its_did_has_no_document():
    signed = signed_by(document=credential(WEB_ISSUER))
    checks = verify_proofs(signed, options=options(), issuer_id=WEB_ISSUER)
    assert "key.controller_mismatch" in codes(checks)
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_a_stranger_key_is_not_a_did_web_issuers_when_its_document_lists_no_assertion_keys():
    fetcher = MapFetcher({WEB_ISSUER: json.dumps({"id": WEB_ISSUER, "authentication": []})})
    signed = signed_by(document=credential(WEB_ISSUER))
    checks = verify_proofs(signed, options=options(fetcher), issuer_id=WEB_ISSUER)
    assert "key.controller_mismatch" in codes(checks)
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


# --- the suite fixes the key type: any other key cannot have made the proof


def did_key_of_codec(code: int, length: int) -> str:
    from wallet.verification.multiformats import encode_varint, multibase_encode

    return "did:key:" + multibase_encode(encode_varint(code) + b"\x02" * length, "z")


FOREIGN_DID_KEYS = {
    "secp256k1": did_key_of_codec(0xE7, 33),
    "unknown multicodec": did_key_of_codec(0x3F1234, 33),
}
SUITES = [
    "eddsa-rdfc-2022",
    "eddsa-jcs-2022",
    "Ed25519Signature2020",
    "ecdsa-rdfc-2019",
    "ecdsa-jcs-2019",
    "ecdsa-sd-2023",
]


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("kind", sorted(FOREIGN_DID_KEYS))
def test_a_known_suite_with_a_key_of_another_type_is_an_invalid_signature(suite, kind):
    did = FOREIGN_DID_KEYS[kind]
    document = signed_by(document=credential(did), cryptosuite="eddsa-rdfc-2022")
    proof = dict(document["proof"], verificationMethod=f"{did}#{did[8:]}")
    if suite == "Ed25519Signature2020":
        proof["type"] = suite
        del proof["cryptosuite"]
    else:
        proof["cryptosuite"] = suite
    checks = verify_proofs(dict(document, proof=proof), options=options(), issuer_id=did)
    assert codes(checks) == ["proof.key_type_mismatch"]
    assert suite in checks[0].message
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_an_eddsa_proof_by_a_jwk_that_is_not_ed25519_is_an_invalid_signature():
    vm = f"{WEB_ISSUER}#x25519"
    x25519 = {"kty": "OKP", "crv": "X25519", "x": "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"}
    document_ = {
        "id": WEB_ISSUER,
        "verificationMethod": [
            {"id": vm, "type": "JsonWebKey", "controller": WEB_ISSUER, "publicKeyJwk": x25519}
        ],
        "assertionMethod": [vm],
    }
    fetcher = MapFetcher({WEB_ISSUER: json.dumps(document_)})
    signed = signed_by(vm=vm, document=credential(WEB_ISSUER))
    checks = verify_proofs(signed, options=options(fetcher), issuer_id=WEB_ISSUER)
    assert codes(checks) == ["proof.key_type_mismatch"]
    assert "X25519" in checks[0].message
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_an_ecdsa_proof_by_an_ed25519_key_says_which_key_the_suite_needs():
    document = signed_by()
    document["proof"]["cryptosuite"] = "ecdsa-rdfc-2019"
    checks = verify_proofs(document, options=options(), issuer_id=ISSUER)
    assert codes(checks) == ["key.controller_matches", "proof.key_type_mismatch"]
    assert "P-256" in checks[1].message
    assert verdict(checks) is Verdict.INVALID_SIGNATURE
