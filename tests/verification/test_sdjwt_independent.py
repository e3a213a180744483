"""SD-JWT VCs made by an independent issuer (OpenWallet Foundation sd-jwt-js), and forgeries.

tests/vectors/sd-jwt/independent/fixtures.json was written by make.mjs beside it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from wallet.verification import MapFetcher, Verdict, VerifyOptions, verify_bytes
from wallet.verification.keys import jwk_from_key, key_from_jwk
from wallet.verification.proofs.jose import b64url_decode
from wallet.verification.sdjwt import bind, disclosable_claims, present

from .keyfixtures import p256_key
from .sdjwt_helpers import VECTORS, b64url

FIXTURES = json.loads((VECTORS / "independent" / "fixtures.json").read_text())
ISSUER = FIXTURES["issuer"]
METADATA = f"{ISSUER}/.well-known/jwt-vc-issuer"
NOW = datetime(2026, 1, 2, 0, 0, 30, tzinfo=UTC)
KB = FIXTURES["presented_kb"]


def served(**overrides: str) -> MapFetcher:
    entries = {
        METADATA: json.dumps({"issuer": ISSUER, "jwks": {"keys": [FIXTURES["issuer_jwk"]]}}),
        FIXTURES["status_list_uri"]: FIXTURES["status_list_jwt"],
    }
    return MapFetcher(entries | overrides)


def verify(token: str, fetcher: MapFetcher | None = None, **kwargs):
    options = VerifyOptions(now=kwargs.pop("now", NOW), fetcher=fetcher or served(), **kwargs)
    return verify_bytes(token.encode(), options=options)


def failures(report) -> list[str]:
    return [c.code for c in report.failures]


@pytest.mark.parametrize(
    ("name", "verdict"),
    [("valid", Verdict.VERIFIED), ("revoked", Verdict.REVOKED), ("suspended", Verdict.SUSPENDED)],
)
def test_an_issued_credential_gets_the_status_its_issuer_list_gives(name, verdict):
    report = verify(FIXTURES["issued"][name])
    assert report.verdict is verdict
    assert report.format == "sd-jwt-vc"
    assert report.credential["achievement"]["level"] == "EQF 6"
    assert report.credential["skills"] == ["curation", "metadata", "ethics"]


def test_the_issuers_decoys_are_counted_as_undisclosed():
    report = verify(FIXTURES["issued"]["valid"])
    # sd-jwt-js adds 3 decoys at the top level and 2 in the skills array; all else is revealed.
    assert report.extras["sd_jwt"]["undisclosed"] == 5


def test_the_independent_presentation_verifies_for_its_request():
    report = verify(FIXTURES["presented"], challenge=KB["nonce"], domain=KB["aud"])
    assert report.verdict is Verdict.VERIFIED
    assert report.credential["given_name"] == "Robin"
    assert report.credential["skills"] == ["metadata"]
    assert "family_name" not in report.credential and "email" not in report.credential


def test_the_independent_presentation_is_refused_for_another_verifier():
    report = verify(
        FIXTURES["presented"], challenge=KB["nonce"], domain="https://elsewhere.example"
    )
    assert failures(report) == ["kb.aud_mismatch"]


def test_a_presentation_older_than_the_callers_limit_is_refused():
    later = datetime.fromtimestamp(KB["iat"], UTC) + timedelta(hours=1)
    report = verify(FIXTURES["presented"], now=later, challenge=KB["nonce"], domain=KB["aud"])
    assert failures(report) == ["kb.stale"]
    assert report.verdict is Verdict.EXPIRED


def test_an_eduBadges_style_vc_sd_jwt_signed_by_a_did_jwk_verifies():
    report = verify(FIXTURES["eddsa_vc_sd_jwt"], MapFetcher())
    assert report.verdict is Verdict.VERIFIED
    assert report.credential["vct"] == "OpenBadgeCredential"
    subject = report.credential["credentialSubject"]
    assert subject["achievement"]["name"] == "Introduction to Research Data"
    assert "sdjwt.legacy_type" in [c.code for c in report.checks]


# --- forgeries of the independent credentials ----------------------------------------------


def parts(token: str) -> list[str]:
    return token.split("~")


def test_a_changed_disclosure_no_longer_matches_any_signed_digest():
    pieces = parts(FIXTURES["issued"]["valid"])
    forged = b64url(json.dumps(["salt-of-my-own", "given_name", "Mallory"]).encode())
    report = verify("~".join([pieces[0], forged, *pieces[2:]]))
    assert failures(report) == ["sdjwt.disclosure_unreferenced"]
    assert report.verdict is Verdict.INVALID_SIGNATURE


def test_a_changed_issuer_payload_breaks_the_signature():
    pieces = parts(FIXTURES["issued"]["valid"])
    header, payload, signature = pieces[0].split(".")
    claims = json.loads(b64url_decode(payload))
    claims["exp"] = 2_000_000_000
    forged = f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"
    report = verify("~".join([forged, *pieces[1:]]))
    assert "proof.signature_invalid" in failures(report)
    assert report.verdict is Verdict.INVALID_SIGNATURE


def test_a_disclosure_dropped_after_the_holder_signed_breaks_the_key_binding():
    pieces = parts(FIXTURES["presented"])
    report = verify("~".join([pieces[0], *pieces[2:]]), challenge=KB["nonce"], domain=KB["aud"])
    assert "kb.sd_hash_mismatch" in failures(report)


def test_a_key_the_issuer_does_not_publish_does_not_verify():
    other = jwk_from_key(p256_key(99).public_key()) | {"kid": "key-1"}
    fetcher = served(**{METADATA: json.dumps({"issuer": ISSUER, "jwks": {"keys": [other]}})})
    report = verify(FIXTURES["issued"]["valid"], fetcher)
    assert "proof.signature_invalid" in failures(report)


def test_a_status_list_signed_by_someone_else_leaves_the_status_unknown():
    header, payload, _ = FIXTURES["status_list_jwt"].split(".")
    forged_list = f"{header}.{payload}.{b64url(bytes(64))}"
    report = verify(
        FIXTURES["issued"]["revoked"], served(**{FIXTURES["status_list_uri"]: forged_list})
    )
    assert failures(report) == ["status.list_untrusted"]
    assert report.verdict is Verdict.INVALID_SIGNATURE


def test_an_unreachable_status_list_means_the_issuer_is_unreachable():
    fetcher = served()
    fetcher.unreachable.add(FIXTURES["status_list_uri"])
    report = verify(FIXTURES["issued"]["valid"], fetcher)
    assert failures(report) == ["status.unreachable"]
    assert report.verdict is Verdict.ISSUER_UNREACHABLE


# --- our holder side on the independent issuer's credential -------------------------------


def test_a_presentation_we_make_from_the_independent_credential_verifies():
    issued = FIXTURES["issued"]["valid"]
    paths = {c.path for c in disclosable_claims(issued)}
    assert ("achievement", "level") in paths and ("skills", 2) in paths
    shown = present(issued, disclose=[("family_name",), ("skills", 2)])
    holder = key_from_jwk({k: v for k, v in FIXTURES["holder_private_jwk"].items() if k != "d"})
    private = _private_p256(FIXTURES["holder_private_jwk"])
    assert jwk_from_key(private.public_key()) == jwk_from_key(holder)
    token = bind(
        shown, private_key=private, audience="https://v.example", nonce="abc", issued_at=NOW
    )
    report = verify(token, challenge="abc", domain="https://v.example")
    assert report.verdict is Verdict.VERIFIED
    assert report.credential["family_name"] == "Jansen"
    assert report.credential["skills"] == ["ethics"]
    assert "given_name" not in report.credential and "achievement" not in report.credential


def _private_p256(jwk: dict) -> ec.EllipticCurvePrivateKey:
    d = int.from_bytes(b64url_decode(jwk["d"]), "big")
    return ec.derive_private_key(d, ec.SECP256R1())
