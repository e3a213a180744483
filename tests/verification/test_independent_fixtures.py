"""Credentials issued by other implementations (tests/fixtures/independent/): Digital Bazaar's
ecdsa-sd-2023, Transmute's JsonWebSignature2020, jsonld-signatures' RsaSignature2018. Each
must verify through the whole pipeline; a tampered copy must not."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from wallet.verification import verify_document
from wallet.verification.fetch import MapFetcher
from wallet.verification.options import VerifyOptions
from wallet.verification.proofs import ecdsa_sd
from wallet.verification.report import Verdict

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "independent"
NOW = datetime(2025, 6, 1, tzinfo=UTC)
CREDENTIALS = [
    "ecdsa-sd-2023-base.json",
    "ecdsa-sd-2023-derived.json",
    "ecdsa-sd-2023-derived-mandatory-only.json",
    "jws2020-ed25519.json",
    "jws2020-p256.json",
    "jws2020-rsa.json",
    "rsa2018.json",
]


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def options() -> VerifyOptions:
    controller = load("rsa2018-controller.json")
    return VerifyOptions(now=NOW, fetcher=MapFetcher({controller["id"]: json.dumps(controller)}))


def proof_codes(report) -> list[str]:
    return [c.code for c in report.checks if c.name in ("key", "proof")]


@pytest.mark.parametrize("name", CREDENTIALS)
def test_an_independently_issued_credential_verifies(name):
    report = verify_document(load(name), options=options())
    assert report.verdict is Verdict.VERIFIED, [c.to_dict() for c in report.failures]
    assert proof_codes(report) == ["key.controller_matches", "proof.signature_valid"]


def _subject_id(document: dict) -> None:
    document["credentialSubject"]["id"] = "did:example:someone-else"


def _issuance(document: dict) -> None:
    field = "validFrom" if "validFrom" in document else "issuanceDate"
    document[field] = "2020-01-01T00:00:00Z"


def _proof_created(document: dict) -> None:
    document["proof"]["created"] = "2020-01-01T00:00:00Z"


@pytest.mark.parametrize("name", CREDENTIALS)
@pytest.mark.parametrize("change", [_subject_id, _issuance, _proof_created])
def test_a_tampered_independently_issued_credential_is_an_invalid_signature(name, change):
    document = load(name)
    if change is _subject_id and "id" not in document["credentialSubject"]:
        pytest.fail("every fixture names its subject")
    change(document)
    report = verify_document(document, options=options())
    assert report.verdict is Verdict.INVALID_SIGNATURE
    assert "proof.signature_invalid" in proof_codes(report)


def test_digital_bazaar_s_disclosure_reveals_only_what_was_chosen():
    derived = load("ecdsa-sd-2023-derived.json")
    assert [r["value"] for r in derived["credentialSubject"]["result"]] == ["92"]
    assert "creditsEarned" not in derived["credentialSubject"]


def test_satchel_derives_from_a_base_digital_bazaar_issued():
    base = load("ecdsa-sd-2023-base.json")
    assert ecdsa_sd.mandatory_pointers(base) == (
        "/issuer",
        "/validFrom",
        "/credentialSubject/achievement",
        "/name",
    )
    derived = ecdsa_sd.derive(base, reveal=["/credentialSubject/creditsEarned"])
    assert derived["credentialSubject"]["creditsEarned"] == 3
    assert "result" not in derived["credentialSubject"]
    report = verify_document(derived, options=options())
    assert report.verdict is Verdict.VERIFIED


def test_satchel_derives_the_same_disclosure_digital_bazaar_did():
    base = load("ecdsa-sd-2023-base.json")
    ours = ecdsa_sd.derive(base, reveal=["/credentialSubject/id", "/credentialSubject/result/0"])
    theirs = load("ecdsa-sd-2023-derived.json")
    assert ours == theirs
