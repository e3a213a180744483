"""Keys: multiformats, did:key / did:jwk / did:web, controller documents, key material."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from wallet.verification.fetch import MapFetcher, NullFetcher
from wallet.verification.keys import (
    InvalidKey,
    KeyNotFound,
    KeyUnreachable,
    PurposeNotAllowed,
    UnsupportedKey,
    did_jwk_from_key,
    did_key_from_public_key,
    ed25519_multikey,
    jwk_from_key,
    key_from_jwk,
    resolve_verification_method,
)
from wallet.verification.multiformats import (
    ED25519_PRIV,
    ED25519_PUB,
    P256_PUB,
    P384_PUB,
    PRIVATE_KEY_CODECS,
    encode_varint,
    multibase_decode,
    multibase_encode,
    multicodec_unwrap,
)
from wallet.verification.report import Verdict

from .keyfixtures import ed_key, p256_key, raw, rsa_key

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def load(name: str) -> dict:
    return json.loads((VECTORS / name).read_text())


def resolve(vm_id: str, fetcher=None, purpose: str = "assertionMethod"):
    return resolve_verification_method(vm_id, fetcher=fetcher or NullFetcher(), purpose=purpose)


# --- multiformats ---------------------------------------------------------------------------


def test_multicodec_headers_are_the_varints_the_specs_list():
    assert ED25519_PUB.prefix == bytes.fromhex("ed01")
    assert P256_PUB.prefix == bytes.fromhex("8024")
    assert P384_PUB.prefix == bytes.fromhex("8124")
    assert ED25519_PRIV.prefix == bytes.fromhex("8026")
    assert encode_varint(0x1306) == bytes.fromhex("8626")


def test_multibase_round_trips_base58btc_and_base64url():
    data = bytes(range(40))
    for base in ("z", "u"):
        encoded = multibase_encode(data, base)
        assert encoded[0] == base
        assert multibase_decode(encoded) == data


def test_the_w3c_private_multikey_belongs_to_its_public_multikey():
    pair = load("vc-di-eddsa/proof-keyPair.json")
    codec, secret = multicodec_unwrap(
        multibase_decode(pair["privateKeyMultibase"]), PRIVATE_KEY_CODECS
    )
    private = ed25519.Ed25519PrivateKey.from_private_bytes(secret)
    assert codec is ED25519_PRIV
    assert ed25519_multikey(raw(private.public_key())) == pair["publicKeyMultibase"]


# --- did:key --------------------------------------------------------------------------------


@pytest.mark.parametrize("did", list(load("did-key/ed25519-x25519.json")))
def test_ed25519_did_keys_are_derived_from_their_seed_and_back(did):
    vector = load("did-key/ed25519-x25519.json")[did]
    private = ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["seed"]))
    assert did_key_from_public_key(private.public_key()) == did
    method = resolve(did)
    pair = vector["verificationKeyPair"]
    if "publicKeyJwk" in pair:
        assert jwk_from_key(method.public_key) == pair["publicKeyJwk"]
    else:
        assert raw(method.public_key) == base58.b58decode(pair["publicKeyBase58"])
    assert method.id == f"{did}#{did[len('did:key:') :]}"
    assert method.controller == did


NIST = load("did-key/nist-curves.json")


@pytest.mark.parametrize(
    "did",
    [
        d
        for d, v in NIST.items()
        if v["verificationMethod"].get("publicKeyJwk", {}).get("crv") in ("P-256", "P-384")
    ],
)
def test_nist_did_keys_match_their_jwk_both_ways(did):
    jwk = NIST[did]["verificationMethod"]["publicKeyJwk"]
    assert did_key_from_public_key(key_from_jwk(jwk)) == did
    assert jwk_from_key(resolve(did).public_key) == jwk


def test_a_p256_did_key_is_derived_from_its_private_scalar():
    did = "did:key:zDnaeTiq1PdzvZXUaMdezchcMJQpBdH2VN4pgrrEhMCCbmwSb"
    scalar = base58.b58decode(NIST[did]["verificationMethod"]["privateKeyBase58"])
    private = ec.derive_private_key(int.from_bytes(scalar, "big"), ec.SECP256R1())
    assert did_key_from_public_key(private.public_key()) == did


def test_a_p521_did_key_is_unsupported_not_invalid():
    did = next(
        d
        for d, v in NIST.items()
        if v["verificationMethod"].get("publicKeyJwk", {}).get("crv") == "P-521"
    )
    with pytest.raises(UnsupportedKey) as caught:
        resolve(did)
    assert caught.value.implies is Verdict.UNSUPPORTED


def test_the_did_key_suite_valid_did_resolves_to_its_expected_key():
    case = load("did-key/suite-validDid.json")
    expected = case["expected"]["didDocument"]["verificationMethod"][0]
    method = resolve(case["did"])
    assert method.id == expected["id"]
    assert ed25519_multikey(raw(method.public_key)) == expected["publicKeyMultibase"]


@pytest.mark.parametrize("case", ["suite-notMultibase.json", "suite-incorrectEncoding.json"])
def test_the_did_key_suite_negative_cases_are_refused(case):
    with pytest.raises(InvalidKey) as caught:
        resolve(load(f"did-key/{case}")["did"])
    assert caught.value.implies is Verdict.INVALID_SIGNATURE


def test_a_did_key_without_fragment_names_its_only_key():
    did = did_key_from_public_key(ed_key(1).public_key())
    assert resolve(did).id == resolve(f"{did}#{did[8:]}").id


def test_a_did_key_has_no_other_fragment():
    did = did_key_from_public_key(ed_key(1).public_key())
    with pytest.raises(KeyNotFound):
        resolve(f"{did}#key-2")


def test_a_did_key_may_sign_for_authentication_but_not_key_agreement():
    did = did_key_from_public_key(ed_key(1).public_key())
    assert resolve(did, purpose="authentication").controller == did
    with pytest.raises(PurposeNotAllowed):
        resolve(did, purpose="keyAgreement")


def test_a_did_key_whose_ed25519_bytes_are_not_a_curve_point_is_refused():
    bad = "did:key:" + multibase_encode(ED25519_PUB.prefix + bytes([2]) + bytes(31))
    with pytest.raises(InvalidKey) as caught:
        resolve(bad)
    assert caught.value.code == "key.invalid_point"


def test_a_p256_did_key_off_the_curve_is_refused():
    bad = "did:key:" + multibase_encode(P256_PUB.prefix + b"\x02" + bytes(31) + b"\x01")
    with pytest.raises(InvalidKey) as caught:
        resolve(bad)
    assert caught.value.code == "key.invalid_point"


def test_a_did_key_of_the_wrong_length_is_refused():
    bad = "did:key:" + multibase_encode(ED25519_PUB.prefix + bytes(31))
    with pytest.raises(InvalidKey) as caught:
        resolve(bad)
    assert caught.value.code == "key.invalid_length"


def test_a_secp256k1_did_key_is_unsupported():
    did = "did:key:" + multibase_encode(encode_varint(0xE7) + b"\x02" + bytes(32))
    with pytest.raises(UnsupportedKey):
        resolve(did)


# --- did:jwk --------------------------------------------------------------------------------


def did_jwk(jwk: dict) -> str:
    body = json.dumps(jwk, separators=(",", ":")).encode()
    return "did:jwk:" + base64.urlsafe_b64encode(body).rstrip(b"=").decode()


def test_the_did_jwk_spec_example_resolves_to_its_key_as_0():
    vector = load("did-key/did-jwk-p-256.json")
    method = resolve(vector["did"] + "#0")
    expected = vector["didDocument"]["verificationMethod"][0]
    assert method.id == expected["id"]
    assert jwk_from_key(method.public_key) == expected["publicKeyJwk"]


def test_a_did_jwk_is_derived_from_its_key():
    key = ed_key(3).public_key()
    assert resolve(did_jwk_from_key(key)).controller == did_jwk_from_key(key)


def test_a_did_jwk_has_only_key_0():
    with pytest.raises(KeyNotFound):
        resolve(did_jwk_from_key(ed_key(3).public_key()) + "#1")


def test_a_did_jwk_for_encryption_cannot_sign():
    jwk = {**jwk_from_key(ed_key(3).public_key()), "use": "enc"}
    with pytest.raises(PurposeNotAllowed):
        resolve(did_jwk(jwk) + "#0")


def test_a_did_jwk_carrying_a_private_key_is_refused():
    jwk = {**jwk_from_key(ed_key(3).public_key()), "d": "AAAA"}
    with pytest.raises(InvalidKey) as caught:
        resolve(did_jwk(jwk))
    assert caught.value.code == "key.private_key_exposed"


def test_an_rsa_jwk_below_2048_bits_is_refused_and_2048_is_accepted():
    strong = rsa_key(23).public_key()
    weak = {
        "kty": "RSA",
        "e": "AQAB",
        "n": multibase_encode((2**1023 + 1).to_bytes(128, "big"), "u")[1:],
    }
    with pytest.raises(InvalidKey):
        resolve(did_jwk(weak))
    assert isinstance(resolve(did_jwk(jwk_from_key(strong))).public_key, rsa.RSAPublicKey)


# --- did:web and controller documents -------------------------------------------------------

DID_WEB = "did:web:issuer.example"


def multikey_vm(vm_id: str, controller: str, key) -> dict:
    return {
        "id": vm_id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": ed25519_multikey(raw(key)),
    }


def did_web_document(**overrides) -> dict:
    vm = multikey_vm(f"{DID_WEB}#key-1", DID_WEB, ed_key(5).public_key())
    return {"id": DID_WEB, "verificationMethod": [vm], "assertionMethod": ["#key-1"], **overrides}


def test_a_did_web_key_listed_for_assertion_resolves():
    fetcher = MapFetcher({DID_WEB: json.dumps(did_web_document())})
    method = resolve(f"{DID_WEB}#key-1", fetcher)
    assert raw(method.public_key) == raw(ed_key(5).public_key())
    assert method.controller == DID_WEB
    assert fetcher.requests == ["https://issuer.example/.well-known/did.json"]


def test_a_did_web_key_not_listed_for_the_purpose_is_refused():
    fetcher = MapFetcher({DID_WEB: json.dumps(did_web_document())})
    with pytest.raises(PurposeNotAllowed) as caught:
        resolve(f"{DID_WEB}#key-1", fetcher, purpose="authentication")
    assert caught.value.code == "key.purpose_not_allowed"


def test_a_did_web_key_embedded_in_the_relationship_resolves():
    vm = multikey_vm(f"{DID_WEB}#key-2", DID_WEB, ed_key(6).public_key())
    fetcher = MapFetcher({DID_WEB: json.dumps({"id": DID_WEB, "assertionMethod": [vm]})})
    assert resolve(f"{DID_WEB}#key-2", fetcher).id == f"{DID_WEB}#key-2"


def test_a_did_web_document_for_another_did_is_refused():
    fetcher = MapFetcher({DID_WEB: json.dumps(did_web_document(id="did:web:other.example"))})
    with pytest.raises(InvalidKey) as caught:
        resolve(f"{DID_WEB}#key-1", fetcher)
    assert caught.value.code == "did.id_mismatch"


def test_an_unreachable_did_web_implies_issuer_unreachable():
    fetcher = MapFetcher(unreachable={"https://issuer.example/.well-known/did.json"})
    with pytest.raises(KeyUnreachable) as caught:
        resolve(f"{DID_WEB}#key-1", fetcher)
    assert caught.value.implies is Verdict.ISSUER_UNREACHABLE


def test_a_missing_did_web_document_implies_a_bad_signature():
    with pytest.raises(KeyNotFound) as caught:
        resolve(f"{DID_WEB}#key-1", MapFetcher())
    assert caught.value.implies is Verdict.INVALID_SIGNATURE


CONTROLLER = "https://school.example/issuers/1"


def controller_document(*methods: dict, listed: list[str] | None = None) -> str:
    ids = listed if listed is not None else [m["id"] for m in methods]
    return json.dumps(
        {"id": CONTROLLER, "verificationMethod": list(methods), "assertionMethod": ids}
    )


def test_a_fragment_that_is_the_key_resolves_through_the_controller_document():
    key = ed_key(7).public_key()
    vm_id = f"{CONTROLLER}#{ed25519_multikey(raw(key))}"
    fetcher = MapFetcher({CONTROLLER: controller_document(multikey_vm(vm_id, CONTROLLER, key))})
    assert resolve(vm_id, fetcher).controller == CONTROLLER


def test_a_fragment_key_the_controller_does_not_list_is_refused():
    other = ed_key(8).public_key()
    listed = multikey_vm(f"{CONTROLLER}#{ed25519_multikey(raw(other))}", CONTROLLER, other)
    fetcher = MapFetcher({CONTROLLER: controller_document(listed)})
    forged = f"{CONTROLLER}#{ed25519_multikey(raw(ed_key(7).public_key()))}"
    with pytest.raises(KeyNotFound):
        resolve(forged, fetcher)


def test_a_json_web_key_in_a_controller_document_resolves():
    key = p256_key(1).public_key()
    vm = {
        "id": f"{CONTROLLER}#jwk",
        "type": "JsonWebKey",
        "controller": CONTROLLER,
        "publicKeyJwk": jwk_from_key(key),
    }
    fetcher = MapFetcher({CONTROLLER: controller_document(vm)})
    assert jwk_from_key(resolve(f"{CONTROLLER}#jwk", fetcher).public_key) == jwk_from_key(key)


def test_a_key_object_served_by_its_controllers_site_resolves():
    key_url = "https://school.example/keys/1"
    vm = multikey_vm(key_url, CONTROLLER, ed_key(9).public_key())
    method = resolve(key_url, MapFetcher({key_url: json.dumps(vm)}))
    assert method.controller == CONTROLLER


def test_a_key_object_on_another_site_must_be_confirmed_by_its_controller():
    key_url = "https://keys.example/k1"
    vm = multikey_vm(key_url, CONTROLLER, ed_key(9).public_key())
    unconfirmed = MapFetcher({key_url: json.dumps(vm), CONTROLLER: controller_document()})
    with pytest.raises(KeyNotFound):
        resolve(key_url, unconfirmed)
    confirmed = MapFetcher(
        {key_url: json.dumps(vm), CONTROLLER: controller_document(listed=[key_url])}
    )
    assert resolve(key_url, confirmed).controller == CONTROLLER


def test_a_controller_document_that_names_another_id_is_refused():
    body = json.dumps(
        {"id": "https://elsewhere.example/", "verificationMethod": [], "assertionMethod": []}
    )
    with pytest.raises(InvalidKey):
        resolve(f"{CONTROLLER}#k", MapFetcher({CONTROLLER: body}))


def test_a_urn_controller_with_a_key_fragment_is_only_asserted():
    key = ed_key(10).public_key()
    vm_id = f"urn:uuid:4ca4a241-fc3b-4d92-978e-f56fa96ae795#{ed25519_multikey(raw(key))}"
    method = resolve(vm_id)
    assert method.binding == "asserted"
    assert method.controller == "urn:uuid:4ca4a241-fc3b-4d92-978e-f56fa96ae795"


def test_an_unknown_did_method_is_unsupported():
    with pytest.raises(UnsupportedKey) as caught:
        resolve("did:example:123#key-1")
    assert caught.value.implies is Verdict.UNSUPPORTED


def test_a_verification_method_without_a_scheme_is_invalid():
    with pytest.raises(InvalidKey):
        resolve("z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x")


def test_a_key_without_a_type_string_is_invalid():
    vm = multikey_vm(f"{CONTROLLER}#k", CONTROLLER, ed_key(7).public_key()) | {"type": ["Multikey"]}
    with pytest.raises(InvalidKey):
        resolve(f"{CONTROLLER}#k", MapFetcher({CONTROLLER: controller_document(vm)}))
