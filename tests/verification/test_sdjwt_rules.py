"""The rules of RFC 9901 §7 and SD-JWT VC §3 on SD-JWTs built to break them."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import zlib
from datetime import timedelta

import pytest

from wallet.verification import Budget, MapFetcher, Verdict, verify_bytes
from wallet.verification.keys import did_key_from_public_key, jwk_from_key
from wallet.verification.limits import Limits
from wallet.verification.sdjwt.statuslist import read_status

from .sdjwt_helpers import (
    HOLDER_KEY,
    ISSUER,
    ISSUER_KEY,
    METADATA_URL,
    NOW,
    OTHER_KEY,
    STATUS_URI,
    b64url,
    base_payload,
    disclosure,
    fetcher,
    kb_jwt,
    metadata,
    options,
    sd_jwt,
    sign,
)


def verify(token: str, served: MapFetcher | None = None, **kwargs):
    return verify_bytes(token.encode(), options=options(served, **kwargs))


def codes(report) -> list[str]:
    return [c.code for c in report.failures]


def test_a_plain_sd_jwt_vc_verifies_and_shows_its_claims():
    given, digest = disclosure("s1", "given_name", "Ada")
    report = verify(sd_jwt(base_payload(_sd=[digest]), [given]))
    assert report.verdict is Verdict.VERIFIED
    assert report.credential["given_name"] == "Ada"
    assert "_sd" not in report.credential


# --- Disclosures against digests -------------------------------------------------------------


def test_a_digest_listed_twice_is_refused():
    given, digest = disclosure("s1", "given_name", "Ada")
    report = verify(sd_jwt(base_payload(_sd=[digest, digest]), [given]))
    assert codes(report) == ["sdjwt.digest_repeated"]
    assert report.verdict is Verdict.MALFORMED


def test_a_digest_in_an_object_and_an_array_is_refused():
    item, digest = disclosure("s1", "DE")
    payload = base_payload(_sd=[digest], nationalities=[{"...": digest}])
    assert codes(verify(sd_jwt(payload, [item]))) == ["sdjwt.digest_repeated"]


def test_a_disclosure_sent_twice_is_refused():
    given, digest = disclosure("s1", "given_name", "Ada")
    assert codes(verify(sd_jwt(base_payload(_sd=[digest]), [given, given]))) == [
        "sdjwt.disclosure_repeated"
    ]


def test_a_disclosure_no_digest_points_to_is_refused():
    given, digest = disclosure("s1", "given_name", "Ada")
    stray, _ = disclosure("s2", "family_name", "Lovelace")
    report = verify(sd_jwt(base_payload(_sd=[digest]), [given, stray]))
    assert codes(report) == ["sdjwt.disclosure_unreferenced"]
    assert report.verdict is Verdict.INVALID_SIGNATURE


@pytest.mark.parametrize("name", ["_sd", "..."])
def test_a_disclosure_with_a_reserved_name_is_refused(name):
    bad, digest = disclosure("s1", name, ["x"])
    assert codes(verify(sd_jwt(base_payload(_sd=[digest]), [bad]))) == ["sdjwt.claim_name_reserved"]


def test_a_disclosure_may_not_replace_a_claim_signed_in_the_open():
    bad, digest = disclosure("s1", "vct", "https://forged.example/type")
    report = verify(sd_jwt(base_payload(_sd=[digest]), [bad]))
    assert codes(report) == ["sdjwt.claim_overwrites"]


def test_two_disclosures_of_one_name_at_one_level_are_refused():
    first, one = disclosure("s1", "given_name", "Ada")
    second, two = disclosure("s2", "given_name", "Eve")
    assert codes(verify(sd_jwt(base_payload(_sd=[one, two]), [first, second]))) == [
        "sdjwt.claim_overwrites"
    ]


def test_an_array_element_disclosure_in_an_object_is_refused():
    item, digest = disclosure("s1", "DE")
    assert codes(verify(sd_jwt(base_payload(_sd=[digest]), [item]))) == ["sdjwt.disclosure_invalid"]


def test_an_object_property_disclosure_in_an_array_is_refused():
    item, digest = disclosure("s1", "country", "DE")
    payload = base_payload(nationalities=[{"...": digest}])
    assert codes(verify(sd_jwt(payload, [item]))) == ["sdjwt.disclosure_invalid"]


def test_an_ellipsis_element_with_other_members_is_refused():
    payload = base_payload(nationalities=[{"...": "abc", "other": 1}])
    assert codes(verify(sd_jwt(payload, []))) == ["sdjwt.structure_invalid"]


@pytest.mark.parametrize(
    "payload",
    [
        base_payload(_sd="not-a-list"),
        base_payload(_sd=[1, 2]),
        base_payload(address={"_sd_alg": "sha-256"}),
        base_payload(**{"...": "x"}),
    ],
    ids=["sd-not-list", "sd-not-strings", "nested-sd-alg", "ellipsis-member"],
)
def test_a_payload_that_misuses_the_reserved_members_is_malformed(payload):
    report = verify(sd_jwt(payload, []))
    assert codes(report) == ["sdjwt.structure_invalid"]


@pytest.mark.parametrize(
    "contents",
    [["only-salt"], [1, "name", "v"], ["s", 2, "v"], ["s", "a", "b", "c"]],
    ids=["one-element", "salt-not-text", "name-not-text", "four-elements"],
)
def test_a_disclosure_that_is_not_salt_name_value_is_refused(contents):
    bad = b64url(json.dumps(contents).encode())
    report = verify(sd_jwt(base_payload(), [bad]))
    assert codes(report) == ["sdjwt.disclosure_invalid"]


def test_a_disclosure_with_a_repeated_json_key_is_refused():
    bad = b64url(b'["s", "address", {"country": "NL", "country": "DE"}]')
    assert codes(verify(sd_jwt(base_payload(), [bad]))) == ["sdjwt.disclosure_invalid"]


def test_undisclosed_and_decoy_digests_are_dropped_and_counted():
    given, digest = disclosure("s1", "given_name", "Ada")
    _, hidden = disclosure("s2", "family_name", "Lovelace")
    _, element = disclosure("s3", "FR")
    payload = base_payload(
        _sd=[digest, hidden, "decoy" * 8], nationalities=["DE", {"...": element}]
    )
    report = verify(sd_jwt(payload, [given]))
    assert report.verdict is Verdict.VERIFIED
    assert report.credential["nationalities"] == ["DE"]
    assert report.extras["sd_jwt"]["undisclosed"] == 3


def test_recursive_disclosures_need_their_parent():
    street, street_digest = disclosure("s1", "street", "Main St 1")
    address, address_digest = disclosure("s2", "address", {"_sd": [street_digest]})
    payload = base_payload(_sd=[address_digest])
    both = verify(sd_jwt(payload, [address, street]))
    assert both.credential["address"] == {"street": "Main St 1"}
    assert codes(verify(sd_jwt(payload, [street]))) == ["sdjwt.disclosure_unreferenced"]


def test_a_disclosure_that_contains_its_own_digest_is_refused_without_looping():
    # A digest cannot be computed into its own preimage, but a cycle of two can be attempted
    # only by reusing digests; the walk refuses any digest seen twice.
    inner, inner_digest = disclosure("s1", "a", {"_sd": []})
    outer, outer_digest = disclosure("s2", "b", {"_sd": [inner_digest, inner_digest]})
    report = verify(sd_jwt(base_payload(_sd=[outer_digest]), [outer, inner]))
    assert codes(report) == ["sdjwt.digest_repeated"]


def test_disclosures_nested_past_the_depth_cap_are_refused_without_recursion_error():
    disclosures, digest = [], None
    for level in range(300):
        value = {"_sd": [digest]} if digest else "bottom"
        encoded, digest = disclosure(f"s{level}", "n", value)
        disclosures.append(encoded)
    report = verify(sd_jwt(base_payload(_sd=[digest]), disclosures))
    assert codes(report) == ["sdjwt.too_deep"]


def test_more_disclosures_than_the_cap_are_refused():
    many = [disclosure(f"s{i}", f"c{i}", i)[0] for i in range(30)]
    limits = Limits(max_disclosures=20)
    report = verify(sd_jwt(base_payload(), many), limits=limits)
    assert codes(report) == ["sdjwt.too_many_disclosures"]


def test_thousands_of_disclosures_stop_at_the_cpu_budget():
    pairs = [disclosure(f"s{i}", f"claim{i}", i) for i in range(5000)]
    token = sd_jwt(base_payload(_sd=[d for _, d in pairs]), [e for e, _ in pairs])
    report = verify(
        token, limits=Limits(max_disclosures=10_000), budget=Budget(0.0, time.thread_time)
    )
    assert codes(report) == ["verify.too_costly"]


# --- the issuer JWT ------------------------------------------------------------------------


def test_an_sd_jwt_of_another_type_is_unsupported_and_says_so():
    report = verify(sd_jwt(base_payload(), [], header={"typ": "example+sd-jwt"}))
    assert codes(report) == ["sdjwt.typ_unsupported"]
    assert "example+sd-jwt" in report.failures[0].message
    assert report.verdict is Verdict.UNSUPPORTED


def test_the_older_vc_sd_jwt_type_is_read_too():
    report = verify(sd_jwt(base_payload(), [], header={"typ": "vc+sd-jwt"}))
    assert report.verdict is Verdict.VERIFIED
    assert "sdjwt.legacy_type" in [c.code for c in report.checks]


def test_an_unknown_hash_function_is_unsupported():
    report = verify(sd_jwt(base_payload(_sd_alg="md5"), []))
    assert codes(report) == ["sdjwt.hash_unsupported"]


def test_sha_384_digests_are_accepted():
    encoded = b64url(json.dumps(["s1", "given_name", "Ada"]).encode())
    digest = base64.urlsafe_b64encode(hashlib.sha384(encoded.encode()).digest()).rstrip(b"=")
    payload = base_payload(_sd_alg="sha-384", _sd=[digest.decode()])
    assert verify(sd_jwt(payload, [encoded])).credential["given_name"] == "Ada"


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_unsigned_and_shared_secret_issuer_jwts_are_refused(alg):
    issuer_jwt = sign(base_payload())
    header = b64url(json.dumps({"alg": alg, "typ": "dc+sd-jwt", "kid": "key-1"}).encode())
    forged = f"{header}.{issuer_jwt.split('.')[1]}.{issuer_jwt.split('.')[2]}~"
    report = verify(forged)
    assert codes(report)[0] == "proof.alg_refused"
    assert not any(c.code == "proof.signature_valid" for c in report.checks)


def test_a_missing_vct_is_malformed():
    payload = base_payload()
    del payload["vct"]
    assert codes(verify(sd_jwt(payload, []))) == ["sdjwt.vct_missing"]


def test_an_expired_sd_jwt_vc_is_expired():
    report = verify(sd_jwt(base_payload(exp=int((NOW - timedelta(days=1)).timestamp())), []))
    assert codes(report) == ["validity.expired"]
    assert report.verdict is Verdict.EXPIRED


def test_an_sd_jwt_vc_not_yet_valid_says_so():
    report = verify(sd_jwt(base_payload(nbf=int((NOW + timedelta(days=1)).timestamp())), []))
    assert report.verdict is Verdict.NOT_YET_VALID


def test_a_validity_claim_that_is_not_a_number_is_malformed():
    assert codes(verify(sd_jwt(base_payload(exp="tomorrow"), []))) == ["validity.unparseable"]


# --- the issuer's key -------------------------------------------------------------------------


KEY_SET = json.dumps({"keys": [jwk_from_key(ISSUER_KEY.public_key()) | {"kid": "key-1"}]})


def test_keys_come_from_jwks_uri_when_the_metadata_points_there():
    jwks_uri = "https://keys.example.edu/jwks.json"
    served = MapFetcher(
        {
            METADATA_URL: json.dumps({"issuer": ISSUER, "jwks_uri": jwks_uri}),
            jwks_uri: json.dumps(
                {"keys": [jwk_from_key(ISSUER_KEY.public_key()) | {"kid": "key-1"}]}
            ),
        }
    )
    assert verify(sd_jwt(base_payload(), []), served).verdict is Verdict.VERIFIED


def test_without_a_kid_each_published_key_is_tried():
    served = MapFetcher({METADATA_URL: metadata(OTHER_KEY, ISSUER_KEY, kid="k")})
    token = sd_jwt(base_payload(), [], header={"kid": None})
    assert verify(token, served).verdict is Verdict.VERIFIED


def test_a_kid_the_issuer_does_not_publish_is_not_its_key():
    token = sd_jwt(base_payload(), [], header={"kid": "key-9"})
    report = verify(token)
    assert codes(report) == ["key.issuer_key_not_found"]
    assert report.verdict is Verdict.INVALID_SIGNATURE


def test_an_unreachable_metadata_means_the_issuer_is_unreachable():
    served = MapFetcher(unreachable={METADATA_URL})
    report = verify(sd_jwt(base_payload(), []), served)
    assert codes(report) == ["key.issuer_metadata_unreachable"]
    assert report.verdict is Verdict.ISSUER_UNREACHABLE


def test_metadata_with_a_private_key_is_not_trusted():
    jwk = jwk_from_key(ISSUER_KEY.public_key()) | {"kid": "key-1", "d": "AAAA"}
    served = MapFetcher({METADATA_URL: json.dumps({"issuer": ISSUER, "jwks": {"keys": [jwk]}})})
    assert codes(verify(sd_jwt(base_payload(), []), served)) == ["key.issuer_metadata_invalid"]


def test_an_x5c_chain_is_unsupported_with_its_reason():
    token = sd_jwt(base_payload(), [], header={"x5c": ["MIIB"]})
    report = verify(token, MapFetcher())
    assert codes(report) == ["key.x5c_unsupported"]
    assert "certificate" in report.failures[0].message
    assert report.verdict is Verdict.UNSUPPORTED


def test_an_issuer_that_cannot_be_looked_up_is_unsupported():
    payload = base_payload(iss="urn:uuid:1f0c1a3e-8d4c-4d4b-9a55-3f0a6f1c2b7d")
    report = verify(sd_jwt(payload, []))
    assert codes(report) == ["key.issuer_unresolvable"]


def test_a_did_issuer_signs_with_a_key_of_its_own_document():
    did = did_key_from_public_key(ISSUER_KEY.public_key())
    token = sd_jwt(base_payload(iss=did), [], header={"kid": f"{did}#{did[8:]}"})
    assert verify(token, MapFetcher()).verdict is Verdict.VERIFIED


def test_a_did_issuer_with_a_key_of_another_did_is_refused():
    did = did_key_from_public_key(ISSUER_KEY.public_key())
    other = did_key_from_public_key(OTHER_KEY.public_key())
    token = sd_jwt(base_payload(iss=did), [], key=OTHER_KEY, header={"kid": f"{other}#{other[8:]}"})
    report = verify(token, MapFetcher())
    assert "key.controller_mismatch" in codes(report)
    assert report.verdict is Verdict.INVALID_SIGNATURE


# --- key binding -------------------------------------------------------------------------------


def presented(**kb_args) -> str:
    given, digest = disclosure("s1", "given_name", "Ada")
    token = sd_jwt(base_payload(_sd=[digest]), [given])
    return token + kb_jwt(token, **kb_args)


def request(**kwargs):
    return {"challenge": "n-123", "domain": "https://verifier.example"} | kwargs


def test_a_requested_presentation_must_carry_the_holders_signature():
    given, digest = disclosure("s1", "given_name", "Ada")
    report = verify(sd_jwt(base_payload(_sd=[digest]), [given]), **request())
    assert codes(report) == ["kb.missing"]


def test_a_holder_signature_without_a_request_is_checked_but_not_bound():
    report = verify(presented())
    assert report.verdict is Verdict.VERIFIED
    assert [c.code for c in report.checks if c.name == "proof" and "kb" in c.code] == [
        "kb.valid",
        "kb.not_requested",
    ]


@pytest.mark.parametrize(
    ("kb_args", "code"),
    [
        ({"key": OTHER_KEY}, "kb.signature_invalid"),
        ({"typ": "JWT"}, "kb.invalid"),
        ({"nonce": "replayed"}, "kb.nonce_mismatch"),
        ({"aud": "https://elsewhere.example"}, "kb.aud_mismatch"),
        ({"sd_hash": "A" * 43}, "kb.sd_hash_mismatch"),
        ({"iat": int((NOW + timedelta(minutes=10)).timestamp())}, "kb.iat_future"),
        ({"iat": int((NOW - timedelta(minutes=10)).timestamp())}, "kb.stale"),
    ],
)
def test_a_holder_signature_that_does_not_fit_the_request_is_refused(kb_args, code):
    assert codes(verify(presented(**kb_args), **request())) == [code]


def test_the_max_age_of_a_holder_signature_is_the_callers():
    token = presented(iat=int((NOW - timedelta(minutes=10)).timestamp()))
    report = verify(token, **request(key_binding_max_age=timedelta(hours=1)))
    assert report.verdict is Verdict.VERIFIED


def test_a_holder_key_named_by_a_did_url_in_cnf_verifies():
    did = did_key_from_public_key(HOLDER_KEY.public_key())
    given, digest = disclosure("s1", "given_name", "Ada")
    token = sd_jwt(base_payload(_sd=[digest], cnf={"kid": f"{did}#{did[8:]}"}), [given])
    report = verify(token + kb_jwt(token), **request())
    assert report.verdict is Verdict.VERIFIED


def test_a_credential_with_no_holder_key_cannot_be_presented_with_key_binding():
    payload = base_payload()
    del payload["cnf"]
    token = sd_jwt(payload, [])
    assert codes(verify(token + kb_jwt(token), **request())) == ["kb.no_holder_key"]


# --- Token Status List ---------------------------------------------------------------------------


def status_list_token(statuses: list[int], bits: int, *, key=ISSUER_KEY, **claims) -> str:
    data = bytearray((len(statuses) * bits + 7) // 8)
    for index, value in enumerate(statuses):
        position = index * bits
        data[position // 8] |= value << (position % 8)
    payload = {
        "sub": STATUS_URI,
        "iat": 1767225600,
        "status_list": {"bits": bits, "lst": b64url(zlib.compress(bytes(data), 9))},
    } | claims
    return sign(payload, key=key, header={"typ": "statuslist+jwt"})


def with_status(index: int, list_token: str, **kwargs):
    payload = base_payload(status={"status_list": {"idx": index, "uri": STATUS_URI}})
    return verify(
        sd_jwt(payload, []), fetcher(**{STATUS_URI.replace("/", "__"): list_token}), **kwargs
    )


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_status_values_are_read_at_every_width(bits):
    statuses = [0, 1, 2 % (1 << bits), 0, 1] * 5
    token = status_list_token(statuses, bits)
    expected = {0: Verdict.VERIFIED, 1: Verdict.REVOKED, 2: Verdict.SUSPENDED}
    for index in (0, 1, 2, 23):
        assert with_status(index, token).verdict is expected[statuses[index]]


def test_an_application_specific_status_is_a_warning():
    report = with_status(0, status_list_token([3], 2))
    assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS
    assert "status.application_specific" in [c.code for c in report.warnings]


def test_a_status_list_signed_by_another_key_is_untrusted():
    report = with_status(0, status_list_token([0], 1, key=OTHER_KEY))
    assert codes(report) == ["status.list_untrusted"]


def test_a_status_list_for_another_address_is_refused():
    token = status_list_token([0], 1, sub="https://issuer.example.edu/status/other")
    assert codes(with_status(0, token)) == ["status.list_subject_mismatch"]


def test_an_expired_status_list_leaves_the_status_unknown():
    token = status_list_token([0], 1, exp=int((NOW - timedelta(days=1)).timestamp()))
    report = with_status(0, token)
    assert codes(report) == ["status.list_expired"]
    assert report.verdict is Verdict.ISSUER_UNREACHABLE


def test_an_index_beyond_the_list_is_malformed():
    assert codes(with_status(400, status_list_token([0] * 8, 1))) == ["status.index_out_of_range"]


def test_a_status_list_that_inflates_past_the_cap_is_refused():
    limits = Limits(max_status_list_bytes=1000)
    report = with_status(0, status_list_token([0] * 80_000, 1), limits=limits)
    assert codes(report) == ["status.list_too_large"]


def test_a_status_token_of_another_type_is_malformed():
    payload = {"sub": STATUS_URI, "status_list": {"bits": 1, "lst": b64url(zlib.compress(b"\0"))}}
    token = sign(payload, header={"typ": "JWT"})
    assert codes(with_status(0, token)) == ["status.list_malformed"]


def test_status_bits_count_from_the_least_significant_bit():
    assert [read_status(b"\x01", i, 1) for i in range(8)] == [1, 0, 0, 0, 0, 0, 0, 0]
    assert read_status(b"\x0c", 1, 2) == 3
    assert read_status(b"\xf0", 1, 4) == 15


# --- a W3C credential secured as an SD-JWT (the VC-JOSE-COSE drafts' vc+sd-jwt) ------------


def w3c_credential(issuer: str, **extra):
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    } | extra


def test_a_w3c_credential_secured_as_an_sd_jwt_is_checked_as_a_w3c_credential():
    did = did_key_from_public_key(ISSUER_KEY.public_key())
    name, digest = disclosure("s1", "name", "Data Stewardship")
    payload = w3c_credential(did, iss=did, _sd=[digest])
    token = sd_jwt(payload, [name], header={"typ": "vc+sd-jwt", "kid": f"{did}#{did[8:]}"})
    report = verify(token, MapFetcher())
    assert report.verdict is Verdict.VERIFIED, codes(report)
    assert report.format == "vc"
    assert report.credential["name"] == "Data Stewardship"
    assert "iss" not in report.credential
    assert "context.terms_defined" in [c.code for c in report.checks]


def test_a_w3c_credential_whose_iss_is_not_its_issuer_is_malformed():
    did = did_key_from_public_key(ISSUER_KEY.public_key())
    payload = w3c_credential("did:example:someone-else", iss=did)
    token = sd_jwt(payload, [], header={"typ": "vc+sd-jwt", "kid": f"{did}#{did[8:]}"})
    assert "sdjwt.claim_mismatch" in codes(verify(token, MapFetcher()))
