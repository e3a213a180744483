"""SD-JWT, SD-JWT VC and Token Status List: the specifications' own examples, byte for byte.

The files in tests/vectors/sd-jwt are excerpts of the IETF texts (SOURCES.md there).
"""

from __future__ import annotations

import json
import re
import zlib
from datetime import UTC, datetime

import pytest

from wallet.verification import MapFetcher, Verdict, VerifyOptions, verify_bytes
from wallet.verification.keys import key_from_jwk
from wallet.verification.limits import Limits
from wallet.verification.proofs import jose
from wallet.verification.sdjwt.compact import b64url_digest, split
from wallet.verification.sdjwt.disclosures import decode_disclosure, process
from wallet.verification.sdjwt.keybinding import check_key_binding
from wallet.verification.sdjwt.statuslist import read_status

from .sdjwt_helpers import VECTORS, vector_json, vector_text

ISSUER_KEY = key_from_jwk(vector_json("rfc9901-A.5-issuer-key.json"))
KB_IAT = 1748361941


def listed_disclosures(name: str) -> list[tuple[str, str, str]]:
    """(SHA-256 hash, Disclosure, Contents) of each entry of a printed Disclosure list."""
    text = (VECTORS / name).read_text()
    entries = re.findall(
        r"SHA-256 Hash: (\S+)\s+\*  Disclosure:\s+(.+?)\s+\*  Contents: (.+?)(?:\n\n|\Z)",
        text,
        re.DOTALL,
    )
    return [(h, "".join(d.split()), " ".join(c.split())) for h, d, c in entries]


def processed(name: str) -> dict:
    sd = split(vector_text(name))
    payload = jose.decode_compact(sd.issuer_jwt).payload_json()
    return process(payload, sd.disclosures, hash_name="sha-256", limits=Limits()).claims


# --- RFC 9901 §4.2: Disclosures and digests -------------------------------------------------


def test_a_disclosure_digest_is_the_hash_of_its_base64url_text():
    text = (VECTORS / "rfc9901-4.2-disclosure-examples.txt").read_text()
    mobius = "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0"
    assert mobius in "".join(text.split())
    found = decode_disclosure(mobius, hash_name="sha-256", limits=Limits())
    assert (found.salt, found.name, found.value) == (
        "_26bc4LT-ac6q2KI6cBW5es",
        "family_name",
        "Möbius",
    )
    assert found.digest == "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"


def test_equivalent_encodings_carry_the_same_claim_under_different_digests():
    variants = [
        "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNXHUwMGY2Yml1cyJd",
        "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsImZhbWlseV9uYW1lIiwiTcO2Yml1cyJd",
        "WwoiXzI2YmM0TFQtYWM2cTJLSTZjQlc1ZXMiLAoiZmFtaWx5X25hbWUiLAoiTcO2Yml1cyIKXQ",
    ]
    text = "".join((VECTORS / "rfc9901-4.2-disclosure-examples.txt").read_text().split())
    decoded = [decode_disclosure(v, hash_name="sha-256", limits=Limits()) for v in variants]
    assert all(v in text for v in variants)
    assert {(d.name, d.value) for d in decoded} == {("family_name", "Möbius")}
    assert len({d.digest for d in decoded}) == 3


def test_an_array_element_disclosure_has_no_name():
    found = decode_disclosure(
        "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0", hash_name="sha-256", limits=Limits()
    )
    assert (found.name, found.value) == (None, "FR")
    assert found.digest == "w0I8EKcdCtUPkGCNUrfwVp2xEgNjtoIDlOxc9-PlOhs"


# --- RFC 9901 §5: issuance and presentation -------------------------------------------------


def test_every_disclosure_of_the_issuance_example_hashes_to_the_printed_digest():
    listed = listed_disclosures("rfc9901-5.1-disclosures.txt")
    sd = split(vector_text("rfc9901-5.1-sd-jwt.txt"))
    assert len(listed) == 10
    assert [d for _, d, _ in listed] == list(sd.disclosures)
    for digest, encoded, contents in listed:
        found = decode_disclosure(encoded, hash_name="sha-256", limits=Limits())
        assert found.digest == digest
        named = [found.name] if found.name is not None else []
        assert json.loads(contents) == [found.salt, *named, found.value]


def test_the_issuance_example_is_signed_by_the_example_issuer_key():
    sd = split(vector_text("rfc9901-5.1-sd-jwt.txt"))
    jws = jose.decode_compact(sd.issuer_jwt)
    assert jose.verify_compact_jws(jws, ISSUER_KEY)
    assert jws.payload_json() == vector_json("rfc9901-5.1-payload.json")


def test_processing_every_issued_disclosure_reveals_the_input_claims():
    claims = processed("rfc9901-5.1-sd-jwt.txt")
    assert claims["nationalities"] == ["US", "DE"]
    assert claims["address"]["locality"] == "Anytown"
    assert claims["phone_number_verified"] is True
    assert "_sd" not in claims and "_sd_alg" not in claims


def test_the_presentation_example_yields_the_printed_processed_payload():
    assert processed("rfc9901-5.2-presentation.txt") == vector_json("rfc9901-5.2-processed.json")


def test_the_presentation_example_key_binding_jwt_verifies():
    sd = split(vector_text("rfc9901-5.2-presentation.txt"))
    kb = jose.decode_compact(sd.kb_jwt).payload_json()
    assert kb == vector_json("rfc9901-5.2-kb-jwt-payload.json")
    assert b64url_digest(sd.without_key_binding, "sha-256") == kb["sd_hash"]
    options = VerifyOptions(
        now=datetime.fromtimestamp(KB_IAT + 30, UTC),
        challenge="1234567890",
        domain="https://verifier.example.org",
    )
    claims = processed("rfc9901-5.2-presentation.txt")
    checks = check_key_binding(sd, claims, hash_name="sha-256", options=options)
    assert [c.code for c in checks] == ["kb.valid"]


def test_decoy_digests_are_dropped_and_counted_with_the_hidden_claims():
    sd = split(vector_text("rfc9901-A.1-presentation.txt"))
    payload = jose.decode_compact(sd.issuer_jwt).payload_json()
    result = process(payload, sd.disclosures, hash_name="sha-256", limits=Limits())
    assert result.claims == vector_json("rfc9901-A.1-processed.json")
    decoys = re.findall(r"\*  (\S{43})", (VECTORS / "rfc9901-A.1-decoys.txt").read_text())
    signed = payload["_sd"] + payload["address"]["_sd"]
    assert len(decoys) == 6 and set(decoys) <= set(signed)
    assert result.undisclosed == len(signed) - 2


def test_a_disclosed_array_element_holding_its_own_digests_is_processed_recursively():
    assert processed("rfc9901-A.2-presentation.txt") == vector_json("rfc9901-A.2-processed.json")


# --- RFC 9901 A.3 and SD-JWT VC: through the whole verifier --------------------------------


def metadata_for(issuer: str) -> MapFetcher:
    """The issuer's JWT VC Issuer Metadata, serving the example keys (SD-JWT VC §5.2)."""
    jwks = vector_json("sd-jwt-vc-5.2-issuer-metadata.json")["jwks"]
    path = issuer.partition("://")[2].partition("/")
    url = f"https://{path[0]}/.well-known/jwt-vc-issuer" + (f"/{path[2]}" if path[2] else "")
    return MapFetcher({url: json.dumps({"issuer": issuer, "jwks": jwks})})


def test_the_pid_sd_jwt_vc_presentation_verifies_with_key_binding():
    options = VerifyOptions(
        now=datetime.fromtimestamp(KB_IAT + 30, UTC),
        fetcher=metadata_for("https://pid-issuer.bund.de.example"),
        challenge="1234567890",
        domain="https://verifier.example.org",
    )
    report = verify_bytes(vector_text("rfc9901-A.3-presentation.txt").encode(), options=options)
    assert report.verdict is Verdict.VERIFIED
    assert (report.format, report.container) == ("sd-jwt-vc", "sd-jwt")
    assert report.credential == vector_json("rfc9901-A.3-processed.json")
    assert report.extras["sd_jwt"]["undisclosed"] == 18
    assert report.extras["sd_jwt"]["key_binding"] is True
    codes = [c.code for c in report.checks]
    assert "kb.valid" in codes and "key.issuer_metadata_matches" in codes


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sd-jwt-vc-4.2-presentation-kb.txt", "sd-jwt-vc-4.2-processed-kb.json"),
        ("sd-jwt-vc-4.2-presentation.txt", "sd-jwt-vc-4.2-processed.json"),
    ],
)
def test_the_sd_jwt_vc_presentations_verify_through_issuer_metadata(name, expected):
    options = VerifyOptions(
        now=datetime(2025, 8, 28, 22, 38, tzinfo=UTC),
        fetcher=metadata_for("https://example.com/issuer"),
    )
    report = verify_bytes(vector_text(name).encode(), options=options)
    assert report.verdict is Verdict.VERIFIED
    assert report.credential == vector_json(expected)


def test_the_sd_jwt_vc_issuance_picks_its_key_by_kid():
    options = VerifyOptions(
        now=datetime(2025, 8, 28, tzinfo=UTC), fetcher=metadata_for("https://example.com/issuer")
    )
    report = verify_bytes(vector_text("sd-jwt-vc-3.3-issuance.txt").encode(), options=options)
    assert report.verdict is Verdict.VERIFIED
    check = next(c for c in report.checks if c.code == "key.issuer_metadata_matches")
    assert check.detail.endswith("#doc-signer-05-25-2022")
    assert report.credential["is_over_65"] is True


def test_metadata_naming_another_issuer_is_not_used():
    # The specification's metadata example names https://example.com; the credentials'
    # issuer is https://example.com/issuer (§5.3: the data MUST NOT be used).
    served = MapFetcher(
        {
            "https://example.com/.well-known/jwt-vc-issuer/issuer": (
                VECTORS / "sd-jwt-vc-5.2-issuer-metadata.json"
            ).read_text()
        }
    )
    options = VerifyOptions(now=datetime(2025, 8, 28, tzinfo=UTC), fetcher=served)
    report = verify_bytes(vector_text("sd-jwt-vc-3.3-issuance.txt").encode(), options=options)
    assert [c.code for c in report.failures] == ["key.issuer_metadata_mismatch"]
    assert report.verdict is Verdict.INVALID_SIGNATURE
    assert not any(c.code == "proof.signature_valid" for c in report.checks)


def test_a_presentation_verified_for_another_request_fails():
    options = VerifyOptions(
        now=datetime.fromtimestamp(KB_IAT + 30, UTC),
        fetcher=metadata_for("https://pid-issuer.bund.de.example"),
        challenge="another-nonce",
        domain="https://verifier.example.org",
    )
    report = verify_bytes(vector_text("rfc9901-A.3-presentation.txt").encode(), options=options)
    assert [c.code for c in report.failures] == ["kb.nonce_mismatch"]
    assert report.verdict is Verdict.INVALID_SIGNATURE


# --- Token Status List ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["status-list-4.txt", "status-list-9.1.txt"])
def test_status_list_examples_decode_to_the_printed_statuses(name):
    text = (VECTORS / name).read_text()
    expected_bytes = bytes(int(b, 16) for b in re.findall(r"0x([0-9a-f]{2})", text))
    bits = int(re.search(r'"bits": (\d)', text).group(1))
    lst = re.search(r'"lst": "([^"]+)"', text).group(1)
    data = zlib.decompress(jose.b64url_decode(lst))
    assert data == expected_bytes
    statuses = {int(i): int(v) for i, v in re.findall(r"status\[(\d+)\] = (\d)", text)}
    assert {i: read_status(data, i, bits) for i in statuses} == statuses
