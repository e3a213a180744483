"""ECDSA cryptosuites: ecdsa-jcs-2019, ecdsa-rdfc-2019 (P-384) and ecdsa-sd-2023, on the W3C
vc-di-ecdsa test vectors byte for byte, then on our own signed and tampered credentials."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from wallet.verification.fetch import MapFetcher
from wallet.verification.keys import did_key_from_public_key, key_from_multikey
from wallet.verification.multiformats import PRIVATE_KEY_CODECS, multibase_decode, multicodec_unwrap
from wallet.verification.options import VerifyOptions
from wallet.verification.proofs import ecdsa_sd
from wallet.verification.proofs.dataintegrity import hash_data, sign, verify_proofs
from wallet.verification.proofs.jcs import canonicalize
from wallet.verification.report import Report, Verdict

from .keyfixtures import ed_key, p256_key

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "vc-di-ecdsa"
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def load(name: str) -> dict:
    return json.loads((VECTORS / name).read_text())


def text(name: str) -> str:
    return (VECTORS / name).read_text().strip()


def options(fetcher: MapFetcher | None = None) -> VerifyOptions:
    return VerifyOptions(now=NOW, fetcher=fetcher or MapFetcher())


def codes(checks) -> list[str]:
    return [c.code for c in checks]


def verdict(checks) -> Verdict:
    return Report(checks=list(checks)).verdict


def private_key(multibase: str, curve: ec.EllipticCurve) -> ec.EllipticCurvePrivateKey:
    _, secret = multicodec_unwrap(multibase_decode(multibase), PRIVATE_KEY_CODECS)
    return ec.derive_private_key(int.from_bytes(secret, "big"), curve)


def raw_signature(key: ec.EllipticCurvePrivateKey, data: bytes, digest) -> bytes:
    size = (key.curve.key_size + 7) // 8
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(digest, deterministic_signing=True)))
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


# --- ecdsa-jcs-2019 --------------------------------------------------------------------------

JCS = [
    ("p256", "P256", hashes.SHA256(), ec.SECP256R1(), "p256KeyPair.json"),
    ("p384", "P384", hashes.SHA384(), ec.SECP384R1(), "p384KeyPair.json"),
]


@pytest.mark.parametrize(("curve", "upper", "digest", "_", "__"), JCS)
def test_the_w3c_ecdsa_jcs_2019_vectors_verify(curve, upper, digest, _, __):
    signed = load(f"ecdsa-jcs-2019-{curve}/signedJCSECDSA{upper}.json")
    checks = verify_proofs(signed, options=options())
    assert codes(checks) == ["key.resolved", "proof.signature_valid"]
    assert verdict(checks) is Verdict.VERIFIED


@pytest.mark.parametrize(("curve", "upper", "digest", "_", "__"), JCS)
def test_the_ecdsa_jcs_2019_signed_bytes_equal_the_w3c_combined_hash(curve, upper, digest, _, __):
    signed = load(f"ecdsa-jcs-2019-{curve}/signedJCSECDSA{upper}.json")
    config = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    if curve == "p256":
        assert canonicalize(config) == text("ecdsa-jcs-2019-p256/proofCanonJCSECDSAP256.txt")
    proof_hash = hashes.Hash(digest)
    proof_hash.update(canonicalize(config).encode())
    document_hash = hashes.Hash(digest)
    document_hash.update(canonicalize({k: v for k, v in signed.items() if k != "proof"}).encode())
    combined = proof_hash.finalize() + document_hash.finalize()
    assert combined.hex() == text(f"ecdsa-jcs-2019-{curve}/combinedHashJCSECDSA{upper}.txt")


def test_the_w3c_p384_jcs_signature_is_the_one_in_the_vector_byte_for_byte():
    # The P-384 files are of one revision: the proof value is the published signature.
    signed = load("ecdsa-jcs-2019-p384/signedJCSECDSAP384.json")
    signature = multibase_decode(signed["proof"]["proofValue"])
    assert signature.hex() == text("ecdsa-jcs-2019-p384/sigHexJCSECDSAP384.txt")


# The P-256 vector was signed per RFC 6979 (deterministic); the P-384 one was not.
@pytest.mark.parametrize(("curve", "upper", "digest", "ec_curve", "pair"), JCS[:1])
def test_deterministic_signing_with_the_w3c_key_reproduces_the_jcs_signature(
    curve, upper, digest, ec_curve, pair
):
    signed = load(f"ecdsa-jcs-2019-{curve}/signedJCSECDSA{upper}.json")
    secret = load(pair)
    key = private_key(secret.get("privateKeyMultibase") or secret["secretKeyMultibase"], ec_curve)
    combined = bytes.fromhex(text(f"ecdsa-jcs-2019-{curve}/combinedHashJCSECDSA{upper}.txt"))
    assert raw_signature(key, combined, digest) == multibase_decode(signed["proof"]["proofValue"])


def test_an_altered_jcs_credential_fails():
    signed = load("ecdsa-jcs-2019-p256/signedJCSECDSAP256.json")
    signed["credentialSubject"]["alumniOf"] = "Another School"
    checks = verify_proofs(signed, options=options())
    assert "proof.signature_invalid" in codes(checks)
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


@pytest.mark.parametrize("curve", [ec.SECP256R1(), ec.SECP384R1()])
def test_an_ecdsa_jcs_2019_proof_we_sign_verifies(curve):
    key = ec.derive_private_key(4242, curve)
    did = did_key_from_public_key(key.public_key())
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"id": "did:example:earner"},
    }
    signed = sign(
        document,
        private_key=key,
        verification_method=f"{did}#{did[8:]}",
        purpose="assertionMethod",
        created=NOW,
        cryptosuite="ecdsa-jcs-2019",
    )
    checks = verify_proofs(signed, options=options(), issuer_id=did)
    assert codes(checks) == ["key.controller_matches", "proof.signature_valid"]


# --- ecdsa-rdfc-2019, P-384 ------------------------------------------------------------------


def p384_rdfc_vector() -> dict:
    """The signed P-384 credential as of the revision of its hash and signature files.

    The vendored signed file is of a later revision (an https key id, another signature);
    the proof canon, combined hash and signature files name the did:key form.
    """
    signed = load("ecdsa-rdfc-2019-p384/signedECDSAP384.json")
    did = "did:key:" + load("p384KeyPair.json")["publicKeyMultibase"]
    signed["proof"]["verificationMethod"] = f"{did}#{did[8:]}"
    signed["proof"]["proofValue"] = text("ecdsa-rdfc-2019-p384/sigBTC58ECDSAP384.txt")
    return signed


def test_the_w3c_ecdsa_rdfc_2019_p384_hashes_match_byte_for_byte():
    signed = p384_rdfc_vector()
    config = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    config["@context"] = signed["@context"]
    from wallet.verification import canon

    assert (
        canon.canonize(config)
        == (VECTORS / "ecdsa-rdfc-2019-p384/proofCanonECDSAP384.txt").read_text()
    )
    data = hash_data(signed, signed["proof"], algorithm=hashes.SHA384())
    assert data.hex() == text("ecdsa-rdfc-2019-p384/combinedHashECDSAP384.txt")


def test_the_w3c_ecdsa_rdfc_2019_p384_vector_verifies():
    checks = verify_proofs(p384_rdfc_vector(), options=options())
    assert codes(checks) == ["key.resolved", "proof.signature_valid"]


def test_an_ecdsa_rdfc_2019_p384_key_behind_a_controller_document_verifies():
    key = ec.derive_private_key(31337, ec.SECP384R1())
    issuer = "https://college.example/issuers/1"
    vm = f"{issuer}#key-1"
    controller = {
        "id": issuer,
        "verificationMethod": [
            {
                "id": vm,
                "type": "Multikey",
                "controller": issuer,
                "publicKeyMultibase": did_key_from_public_key(key.public_key())[8:],
            }
        ],
        "assertionMethod": [vm],
    }
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:earner"},
    }
    signed = sign(
        document,
        private_key=key,
        verification_method=vm,
        purpose="assertionMethod",
        created=NOW,
        cryptosuite="ecdsa-rdfc-2019",
    )
    fetcher = MapFetcher({issuer: json.dumps(controller)})
    checks = verify_proofs(signed, options=options(fetcher), issuer_id=issuer)
    assert codes(checks) == ["key.controller_matches", "proof.signature_valid"]


# --- ecdsa-sd-2023: the W3C vectors ----------------------------------------------------------

SD = "ecdsa-sd-2023"
SELECTIVE = ["/credentialSubject/boards/0", "/credentialSubject/boards/1"]


def sd_keys() -> dict:
    return load(f"{SD}/SDKeyMaterial.json")


def issuer_public():
    return key_from_multikey(sd_keys()["baseKeyPair"]["publicKeyMultibase"])


def test_the_w3c_base_proof_verifies():
    base = load(f"{SD}/addSignedSDBase.json")
    checks = verify_proofs(base, options=options())
    assert codes(checks) == ["key.resolved", "proof.signature_valid"]


def test_the_w3c_derived_proof_verifies():
    derived = load(f"{SD}/derivedRevealDocument.json")
    checks = verify_proofs(derived, options=options())
    assert codes(checks) == ["key.resolved", "proof.signature_valid"]


def test_signing_with_the_w3c_keys_reproduces_the_base_proof_byte_for_byte():
    base = load(f"{SD}/addSignedSDBase.json")
    keys = sd_keys()
    unsigned = {k: v for k, v in base.items() if k != "proof"}
    ours = ecdsa_sd.sign_base(
        unsigned,
        private_key=private_key(keys["baseKeyPair"]["privateKeyMultibase"], ec.SECP256R1()),
        proof={k: v for k, v in base["proof"].items() if k != "proofValue"},
        mandatory_pointers=ecdsa_sd.mandatory_pointers(base),
        hmac_key=bytes.fromhex(keys["hmacKeyString"]),
        one_time_key=private_key(keys["proofKeyPair"]["privateKeyMultibase"], ec.SECP256R1()),
        deterministic=True,
    )
    assert ours == base


def test_deriving_from_the_w3c_base_reproduces_the_w3c_disclosure_byte_for_byte():
    base = load(f"{SD}/addSignedSDBase.json")
    derived = ecdsa_sd.derive(base, reveal=SELECTIVE)
    expected = load(f"{SD}/derivedRevealDocument.json")
    assert derived["proof"]["proofValue"] == expected["proof"]["proofValue"]
    assert (
        json.dumps(derived, indent=2) == (VECTORS / f"{SD}/derivedRevealDocument.json").read_text()
    )


def test_the_w3c_base_names_its_mandatory_pointers():
    base = load(f"{SD}/addSignedSDBase.json")
    assert ecdsa_sd.is_base_proof(base)
    assert not ecdsa_sd.is_base_proof(load(f"{SD}/derivedRevealDocument.json"))
    assert ecdsa_sd.mandatory_pointers(base) == (
        "/issuer",
        "/credentialSubject/sailNumber",
        "/credentialSubject/sails/1",
        "/credentialSubject/boards/0/year",
        "/credentialSubject/sails/2",
    )


# --- ecdsa-sd-2023: disclosures and tampering ------------------------------------------------


def test_a_disclosure_of_nothing_optional_reveals_exactly_the_mandatory_claims():
    base = load(f"{SD}/addSignedSDBase.json")
    derived = ecdsa_sd.derive(base, reveal=[])
    assert derived["credentialSubject"] == {
        "sailNumber": "Earth101",
        "sails": [
            {"size": 6.1, "sailName": "Lahaina", "year": 2023},
            {"size": 7, "sailName": "Lahaina", "year": 2020},
        ],
        "boards": [{"year": 2022}],
    }
    assert ecdsa_sd.verify(derived, derived["proof"], issuer_public())


def test_a_single_claim_can_be_disclosed_and_the_rest_stays_hidden():
    base = load(f"{SD}/addSignedSDBase.json")
    derived = ecdsa_sd.derive(base, reveal=["/credentialSubject/sails/3/size"])
    assert derived["credentialSubject"]["sails"][-1] == {"size": 7.8}
    assert "Kihei" not in json.dumps(derived)
    checks = verify_proofs(derived, options=options())
    assert verdict(checks) is Verdict.VERIFIED


def test_the_holder_s_base_credential_is_left_as_it_was():
    base = load(f"{SD}/addSignedSDBase.json")
    before = copy.deepcopy(base)
    ecdsa_sd.derive(base, reveal=SELECTIVE)
    assert base == before


def test_a_pointer_that_matches_nothing_is_refused_with_a_clear_error():
    base = load(f"{SD}/addSignedSDBase.json")
    with pytest.raises(ecdsa_sd.SelectiveDisclosureError, match="/credentialSubject/nope"):
        ecdsa_sd.derive(base, reveal=["/credentialSubject/nope"])


def test_a_derived_credential_cannot_be_derived_again():
    derived = load(f"{SD}/derivedRevealDocument.json")
    with pytest.raises(ecdsa_sd.SelectiveDisclosureError):
        ecdsa_sd.derive(derived, reveal=[])


def tampered(name: str, change) -> list:
    document = load(f"{SD}/{name}")
    change(document)
    return verify_proofs(document, options=options())


@pytest.mark.parametrize("name", ["addSignedSDBase.json", "derivedRevealDocument.json"])
@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: d["credentialSubject"].update(sailNumber="Mars1"), id="mandatory"),
        pytest.param(
            lambda d: d["credentialSubject"]["boards"][1].update(brand="Other"), id="selective"
        ),
        pytest.param(lambda d: d["credentialSubject"].update(extra="added"), id="added"),
        pytest.param(lambda d: d["credentialSubject"]["boards"].pop(), id="removed"),
        pytest.param(lambda d: d["proof"].update(created="2024-01-01T00:00:00Z"), id="proof"),
    ],
)
def test_a_tampered_selective_disclosure_credential_is_an_invalid_signature(name, change):
    checks = tampered(name, change)
    assert "proof.signature_invalid" in codes(checks)
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


@pytest.mark.parametrize(
    "value",
    ["u", "z2V0B", "u2V0C", "u2V0BgA", "u2V0AhUBAQEBAQ", "not multibase", 12, "u!!!"],
)
def test_an_unreadable_sd_proof_value_is_an_invalid_signature(value):
    checks = tampered("derivedRevealDocument.json", lambda d: d["proof"].update(proofValue=value))
    assert "proof.invalid_proof_value" in codes(checks)
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_a_derived_proof_with_a_dropped_signature_fails():
    derived = load(f"{SD}/derivedRevealDocument.json")
    parsed = ecdsa_sd.parse_derived(derived["proof"]["proofValue"])
    short = ecdsa_sd.DerivedProof(
        parsed.signature,
        parsed.public_key,
        parsed.signatures[1:],
        parsed.label_map,
        parsed.mandatory_indexes,
    )
    derived["proof"]["proofValue"] = ecdsa_sd.serialize_derived(short)
    assert not ecdsa_sd.verify(derived, derived["proof"], issuer_public())


def test_a_derived_proof_missing_a_blank_node_label_fails():
    derived = load(f"{SD}/derivedRevealDocument.json")
    parsed = ecdsa_sd.parse_derived(derived["proof"]["proofValue"])
    labels = dict(parsed.label_map)
    labels.pop("c14n0")
    derived["proof"]["proofValue"] = ecdsa_sd.serialize_derived(
        ecdsa_sd.DerivedProof(
            parsed.signature, parsed.public_key, parsed.signatures, labels, parsed.mandatory_indexes
        )
    )
    assert verdict(verify_proofs(derived, options=options())) is Verdict.INVALID_SIGNATURE


def test_an_sd_proof_by_an_ed25519_key_says_which_key_the_suite_needs():
    derived = load(f"{SD}/derivedRevealDocument.json")
    did = did_key_from_public_key(ed_key(3).public_key())
    derived["proof"]["verificationMethod"] = f"{did}#{did[8:]}"
    checks = verify_proofs(derived, options=options())
    assert codes(checks)[-1] == "proof.key_type_mismatch"
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_the_issuer_of_an_sd_credential_must_own_its_key():
    derived = load(f"{SD}/derivedRevealDocument.json")
    other = did_key_from_public_key(p256_key(9).public_key())
    checks = verify_proofs(derived, options=options(), issuer_id=other)
    assert "key.controller_mismatch" in codes(checks)
    assert verdict(checks) is Verdict.INVALID_SIGNATURE


def test_disclosable_pointers_list_every_claim_in_document_order():
    base = load(f"{SD}/addSignedSDBase.json")
    pointers = ecdsa_sd.disclosable_pointers(base)
    assert pointers[:4] == [
        "/type/0",
        "/issuer",
        "/credentialSubject/sailNumber",
        "/credentialSubject/sails/0/size",
    ]
    assert not any(p.startswith(("/proof", "/@context")) for p in pointers)
    derived = ecdsa_sd.derive(base, reveal=pointers)
    assert {k: v for k, v in derived.items() if k != "proof"} == {
        k: v for k, v in base.items() if k != "proof"
    }
    assert ecdsa_sd.verify(derived, derived["proof"], issuer_public())


def test_a_p384_issuer_key_signs_a_base_proof_that_derives_and_verifies():
    key = ec.derive_private_key(777, ec.SECP384R1())
    did = did_key_from_public_key(key.public_key())
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"id": "did:example:earner", "name": "Ada", "age": 36},
    }
    base = ecdsa_sd.sign_base(
        document,
        private_key=key,
        proof={
            "type": "DataIntegrityProof",
            "cryptosuite": SD,
            "created": "2025-01-01T00:00:00Z",
            "verificationMethod": f"{did}#{did[8:]}",
            "proofPurpose": "assertionMethod",
        },
        mandatory_pointers=["/issuer"],
    )
    assert verdict(verify_proofs(base, options=options(), issuer_id=did)) is Verdict.VERIFIED
    derived = ecdsa_sd.derive(base, reveal=["/credentialSubject/name"])
    assert "age" not in derived["credentialSubject"]
    assert verdict(verify_proofs(derived, options=options(), issuer_id=did)) is Verdict.VERIFIED
