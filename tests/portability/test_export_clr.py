"""The learner-assembled CLR 2.0 bundle, as exported: it verifies with our own verifier."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.services import account_delete, holder_signing_key
from portability import clr
from portability import crypto as export_crypto
from portability import services as portability
from tests.portability.support import LATER, build_record, make_earner
from tests.support.issuer import EARNER_EMAIL, NOW
from wallet.verification import Verdict, VerifyOptions, verify_bytes
from wallet.verification.limits import Limits
from wallet.verification.parse import parse_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def earner(db):
    return make_earner(EARNER_EMAIL)


@pytest.fixture
def record(earner, issuer):
    return build_record(earner, issuer)


def _options(issuer) -> VerifyOptions:
    return VerifyOptions(now=LATER, fetcher=issuer.fetcher)


def _export_members(earner) -> tuple[dict, dict[str, bytes]]:
    data = portability.export_archive(owner=earner, now=LATER).data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(members["manifest.json"]), members


def test_the_exported_bundle_verifies_and_so_does_every_credential_in_it(earner, record, issuer):
    manifest, members = _export_members(earner)

    report = verify_bytes(members["clr/bundle.json"], options=_options(issuer))

    assert report.format == "clr2"
    assert report.verdict.is_ok, [c.to_dict() for c in report.failures]
    assert [c.status for c in report.checks if c.name == "proof"] == ["pass"]
    inner = report.credential["credentialSubject"]["verifiableCredential"]
    assert len(report.children) == len(inner) == len(manifest["clr_bundle"]["included"])
    # Each credential inside verifies on its own, to the verdict the record holds for it.
    stored = {e["file"]: e["record"]["verdict"] for e in manifest["credentials"]}
    expected = sorted(stored[file] for file in manifest["clr_bundle"]["included"])
    assert sorted(str(child.verdict) for child in report.children) == expected
    assert expected == ["verified", "verified"]
    # The revoked one would make outside verifiers reject it inside the bundle: left out, why.
    [revoked] = [e for e in manifest["clr_bundle"]["excluded"] if "revoked" in e["reason"]]
    assert "would reject it" in revoked["reason"]


def test_the_bundle_is_self_assembled_by_the_earner_and_says_so(earner, record, issuer):
    _, members = _export_members(earner)
    bundle = json.loads(members["clr/bundle.json"])
    did = holder_signing_key(user=earner).did

    assert bundle["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    ]
    assert bundle["credentialSchema"] == [
        {
            "id": "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019",
        }
    ]
    assert "ClrCredential" in bundle["type"]
    assert bundle["partial"] is True
    assert bundle["issuer"]["id"] == did == bundle["credentialSubject"]["id"]
    assert "Ada Learner" in bundle["name"] and "Ada Learner" in bundle["description"]
    assert bundle["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert bundle["proof"]["verificationMethod"].startswith(did)


def test_credentials_inside_are_exactly_as_issued(earner, record, issuer):
    _, members = _export_members(earner)
    inner = json.loads(members["clr/bundle.json"])["credentialSubject"]["verifiableCredential"]

    assert json.loads(bytes(record["ob3"].original)) in inner
    baked = parse_input(bytes(record["png"].original), limits=Limits())
    assert baked.document in inner


def test_credentials_a_clr_cannot_hold_are_listed_as_left_out(earner, record, issuer):
    manifest, members = _export_members(earner)
    clr = manifest["clr_bundle"]
    files = {e["sha256"]: e["file"] for e in manifest["credentials"]}

    left_out = {item["file"]: item["reason"] for item in clr["excluded"]}
    assert files[record["jwt"].sha256] in left_out
    assert "JWT" in left_out[files[record["jwt"].sha256]]
    assert files[record["ob2"].sha256] in left_out
    assert files[record["clr"].sha256] in left_out
    assert files[record["binned"].sha256] not in clr["included"]  # trashed: not offered
    assert "Left out of the CLR bundle" in members["README.txt"].decode()
    for file in left_out:
        assert file in members  # they travel in the export instead


def test_the_baked_png_bundle_verifies_too(earner, record, issuer):
    _, members = _export_members(earner)
    png = members["clr/bundle.png"]
    assert png.startswith(b"\x89PNG")
    assert b"clrcredential" in png

    report = verify_bytes(png, options=_options(issuer))

    assert report.container == "png"
    assert report.format == "clr2"
    assert report.verdict.is_ok
    assert [c.status for c in report.checks if c.name == "proof"] == ["pass"]


def test_a_changed_bundle_no_longer_verifies(earner, record, issuer):
    _, members = _export_members(earner)
    bundle = json.loads(members["clr/bundle.json"])
    bundle["name"] = "Assembled by someone else"

    report = verify_bytes(json.dumps(bundle).encode(), options=_options(issuer))

    assert report.verdict == Verdict.INVALID_SIGNATURE


def test_a_bundle_of_chosen_credentials_holds_only_those(earner, record, issuer):
    bundle = clr.clr_bundle_for(
        owner=earner, credential_ids=[record["ob3"].pk, record["jwt"].pk], now=NOW
    )

    assert bundle.included == [record["ob3"]]
    assert [c for c, _ in bundle.excluded] == [record["jwt"]]
    report = verify_bytes(json.dumps(bundle.document).encode(), options=_options(issuer))
    assert report.verdict == Verdict.VERIFIED


def test_a_bundle_cannot_name_someone_elses_credential(earner, record, issuer):
    other = make_earner("other@example.org", "other")

    with pytest.raises(ValidationError, match="not in your record"):
        clr.clr_bundle_for(owner=other, credential_ids=[record["ob3"].pk], now=NOW)


def test_a_record_too_large_for_one_bundle_still_exports_and_says_why(
    earner, record, issuer, monkeypatch
):
    monkeypatch.setattr(clr, "MAX_BUNDLE_CREDENTIALS", 1)

    manifest, members = _export_members(earner)

    assert "clr/bundle.json" not in members
    assert "too many for one signed document" in manifest["clr_bundle"]["note"]
    assert "No CLR bundle" in members["README.txt"].decode()
    assert len(manifest["credentials"]) == len(record) + 2  # the CLR's two credentials
    with pytest.raises(ValidationError, match="at most 1 credentials"):
        clr.clr_bundle_for(owner=earner, credential_ids=None, now=NOW)


def test_after_export_delete_and_restore_the_bundle_is_signed_by_the_same_did_and_verifies(
    earner, record, issuer
):
    did = holder_signing_key(user=earner).did
    sealing = export_crypto.derive_key("correct horse battery")
    data = portability.export_archive(
        owner=earner, now=LATER, sealing_key=sealing, include_holder_key=True
    ).data
    account_delete(user=earner)
    again = User.objects.create_user(email=EARNER_EMAIL)
    portability.export_restore(owner=again, data=data, passphrase="correct horse battery")

    bundle = clr.clr_bundle_for(owner=again, credential_ids=None, now=LATER)

    assert bundle.document["issuer"]["id"] == did
    report = verify_bytes(json.dumps(bundle.document).encode(), options=_options(issuer))
    assert report.verdict.is_ok
    assert [c.status for c in report.checks if c.name == "proof"] == ["pass"]
