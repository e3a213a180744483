"""Presentations carry credentials exactly as issued and verify with the project's verifier."""

from __future__ import annotations

import base64
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from sharing.presentations import presentation_build, presentation_jwt
from tests.support.issuer import NOW
from wallet.verification import Limits, verify_bytes
from wallet.verification.parse import parse_input
from wallet.verification.proofs import jose

DOMAIN = "https://satchel.example"


def _payload(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


@pytest.fixture
def credentials(shared):
    return shared[2]


def test_the_presentation_verifies_with_the_holder_proof_and_every_credential(
    owner, issuer, credentials
):
    vp = presentation_build(
        owner=owner, credentials=credentials, challenge="nonce-1", domain=DOMAIN, now=NOW
    )

    report = verify_bytes(
        json.dumps(vp).encode(), options=issuer.options(challenge="nonce-1", domain=DOMAIN)
    )

    assert report.verdict == "verified", report.to_dict()
    assert report.format == "vp"
    assert len(report.children) == 4
    assert all(child.verdict == "verified" for child in report.children)


def test_the_presentation_is_signed_for_authentication_by_the_holder_did(owner, credentials):
    vp = presentation_build(
        owner=owner, credentials=credentials, challenge="nonce-1", domain=DOMAIN, now=NOW
    )

    holder = owner.holder_keys.get().did
    assert vp["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert vp["type"] == ["VerifiablePresentation"]
    assert vp["holder"] == holder
    assert vp["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert vp["proof"]["proofPurpose"] == "authentication"
    assert vp["proof"]["verificationMethod"].startswith(holder + "#")
    assert (vp["proof"]["challenge"], vp["proof"]["domain"]) == ("nonce-1", DOMAIN)


def test_credentials_go_in_exactly_as_issued(owner, credentials):
    json_ob3, jwt_ob3, baked, vc1, _ob2 = credentials

    entries = presentation_build(
        owner=owner, credentials=credentials, challenge="c", domain=DOMAIN, now=NOW
    )["verifiableCredential"]

    assert entries[0] == json.loads(bytes(json_ob3.original))
    assert entries[1] == {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "id": "data:application/vc+jwt," + bytes(jwt_ob3.original).decode(),
        "type": "EnvelopedVerifiableCredential",
    }
    assert entries[2] == parse_input(bytes(baked.original), limits=Limits()).document
    assert entries[3] == json.loads(bytes(vc1.original))


def test_open_badges_2_assertions_are_left_out_of_the_presentation(owner, credentials):
    ob2 = credentials[4]

    vp = presentation_build(owner=owner, credentials=[ob2], challenge="c", domain=DOMAIN, now=NOW)

    assert vp["verifiableCredential"] == []


def test_a_tampered_presentation_fails(owner, issuer, credentials):
    vp = presentation_build(
        owner=owner, credentials=credentials, challenge="nonce-1", domain=DOMAIN, now=NOW
    )
    vp["verifiableCredential"] = vp["verifiableCredential"][:2]

    report = verify_bytes(
        json.dumps(vp).encode(), options=issuer.options(challenge="nonce-1", domain=DOMAIN)
    )

    assert report.verdict == "invalid_signature"


def test_a_presentation_replayed_for_another_challenge_fails(owner, issuer, credentials):
    vp = presentation_build(
        owner=owner, credentials=credentials, challenge="nonce-1", domain=DOMAIN, now=NOW
    )

    report = verify_bytes(
        json.dumps(vp).encode(), options=issuer.options(challenge="nonce-2", domain=DOMAIN)
    )

    assert report.verdict == "invalid_signature"


def test_manage_py_verify_verifies_a_saved_presentation(owner, issuer, credentials, tmp_path):
    vp = presentation_build(
        owner=owner, credentials=credentials, challenge="nonce-1", domain=DOMAIN, now=NOW
    )
    path = tmp_path / "presentation.json"
    path.write_text(json.dumps(vp))
    out = StringIO()

    call_command(
        "verify",
        str(path),
        "--url-map",
        _url_map(tmp_path, issuer),
        "--at",
        NOW.isoformat(),
        "--challenge",
        "nonce-1",
        "--domain",
        DOMAIN,
        "--json",
        stdout=out,
    )

    (report,) = json.loads(out.getvalue())
    assert report["verdict"] == "verified"
    assert len(report["children"]) == 4


def test_the_jwt_presentation_is_signed_by_the_holder_and_names_the_request(
    owner, issuer, credentials
):
    token = presentation_jwt(
        owner=owner, credentials=credentials, challenge="nonce-1", domain=DOMAIN, now=NOW
    )

    header = jose.decode_compact(token).header
    payload = _payload(token)
    holder = owner.holder_keys.get().did
    assert header["alg"] == "EdDSA" and header["typ"] == "vp+jwt"
    assert header["kid"].startswith(holder + "#")
    assert payload["type"] == ["VerifiablePresentation"] and "vp" not in payload
    assert (payload["iss"], payload["holder"]) == (holder, holder)
    assert (payload["nonce"], payload["aud"]) == ("nonce-1", DOMAIN)
    presented, checks = jose.verify_jwt_credential(token, options=issuer.options())
    assert {c.code for c in checks} >= {"proof.signature_valid", "key.controller_matches"}
    assert all(c.status != "fail" for c in checks)
    for entry in presented["verifiableCredential"]:
        data = (
            entry["id"].split(",", 1)[1]
            if "id" in entry and "Enveloped" in entry["type"]
            else json.dumps(entry)
        )
        assert verify_bytes(data.encode(), options=issuer.options()).verdict == "verified"


def _url_map(folder: Path, issuer) -> str:
    """What the test issuer serves, as files in the format `manage.py verify` reads."""
    served = folder / "served"
    served.mkdir()
    mapping = {}
    for n, (url, body) in enumerate(issuer.fetcher.entries.items()):
        (served / f"{n}.json").write_bytes(body.encode() if isinstance(body, str) else body)
        mapping[url] = f"served/{n}.json"
    (folder / "url-map.json").write_text(json.dumps({"map": mapping}))
    return str(folder / "url-map.json")
