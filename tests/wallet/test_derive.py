"""Display fields come from the report alone, for every data model, and can be rebuilt."""

from __future__ import annotations

import base64
import json

import pytest

from intake.services import arrival
from tests.support.issuer import NOW
from tests.wallet.helpers import as_bytes
from wallet.models import Credential
from wallet.services import derive
from wallet.verification import Report
from wallet.verification.report import passed, warning

OB3 = {
    "id": "urn:uuid:1",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {
        "id": "https://school.example/issuer",
        "name": "Harbour College",
        "url": "https://school.example",
        "image": {"id": "https://school.example/logo.png", "type": "Image"},
    },
    "validFrom": "2025-05-01T00:00:00Z",
    "awardedDate": "2024-06-30T00:00:00Z",
    "validUntil": "2030-01-01T00:00:00Z",
    "evidence": [{"id": "https://school.example/e/1", "name": "Project"}],
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "result": [
            {
                "type": ["Result"],
                "value": "A",
                "alignment": [{"targetName": "Rigour", "targetUrl": "https://s.example/r"}],
            }
        ],
        "achievement": {
            "name": "Marine Biology",
            "description": "A full course.",
            "achievementType": "Course",
            "criteria": {"id": "https://school.example/c", "narrative": "Pass exams."},
            "image": "data:image/png;base64,AAAA",
            "alignment": [
                {
                    "targetName": "Ecology",
                    "targetUrl": "https://s.example/e",
                    "targetType": "CFItem",
                }
            ],
        },
    },
}


def test_it_reads_an_ob3_credential():
    report = Report(format="ob3", container="json", credential=OB3)

    fields = derive.derive_fields(report)

    assert fields.title == "Marine Biology"
    assert fields.description == "A full course."
    assert fields.issuer_name == "Harbour College"
    assert fields.issuer_image_url == "https://school.example/logo.png"
    assert fields.achievement_type == "Course"
    assert fields.issued_at.year == 2025 and fields.awarded_at.year == 2024
    assert fields.valid_until.year == 2030
    assert fields.criteria_url == "https://school.example/c"
    assert [a["name"] for a in fields.alignments] == ["Ecology", "Rigour"]
    assert fields.results[0]["value"] == "A"
    assert fields.evidence[0]["name"] == "Project"
    assert fields.image_ref == "data:image/png;base64,AAAA"


def test_it_reads_an_ob2_assertion_with_its_badge_and_issuer_from_the_report_extras():
    assertion = {
        "id": "https://school.example/a/1",
        "issuedOn": "2016-12-31",
        "recipient": {"type": "email", "hashed": False, "identity": "me@example.net"},
        "evidence": "https://school.example/evidence",
    }
    badge = {
        "name": "Knots",
        "description": "Ties knots.",
        "criteria": "https://school.example/criteria",
        "alignment": [{"targetName": "Sailing", "targetUrl": "https://s.example/sail"}],
        "image": "https://school.example/knots.png",
    }
    issuer = {"id": "https://school.example/issuer", "name": "Sea Scouts"}
    report = Report(
        format="ob2-hosted",
        credential=assertion,
        extras={"badge": badge, "issuer": issuer},
        checks=[warning("recipient", "recipient.no_match", "Issued to someone else.")],
    )

    fields = derive.derive_fields(report)

    assert (fields.title, fields.issuer_name, fields.achievement_type) == (
        "Knots",
        "Sea Scouts",
        "Badge",
    )
    assert fields.issued_at.isoformat().startswith("2016-12-31")
    assert fields.criteria_url == "https://school.example/criteria"
    assert fields.evidence == [{"id": "https://school.example/evidence"}]
    assert fields.recipient_match == "no_match"
    assert fields.recipient_hint == "me@example.net"
    assert fields.image_ref == "https://school.example/knots.png"


def test_a_vc_1_1_jwt_names_its_id_and_issuer_in_its_claims():
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    claims = {"iss": "did:example:issuer", "jti": "urn:uuid:42", "vc": {"type": ["X"]}}
    token = f"{part({'alg': 'EdDSA'})}.{part(claims)}.c2ln"
    report = Report(format="vc", container="jwt", credential={"type": ["X"]}, jwt=token)

    fields = derive.derive_fields(report)

    assert (fields.issuer_id, fields.credential_id) == ("did:example:issuer", "urn:uuid:42")


def test_a_report_without_a_credential_derives_only_its_verdict():
    report = Report(format="ob2-hosted", container="png", checks=[passed("x", "x.ok", "fine")])

    fields = derive.derive_fields(report)

    assert fields.title == "" and fields.verdict == "verified"


def test_equal_identifiers_after_percent_decoding_share_a_dedupe_key():
    first = derive.dedupe_key(
        issuer_id="https://a.example/i", credential_id="urn:x:a b", sha256="1"
    )
    second = derive.dedupe_key(
        issuer_id=" https://a.example/i", credential_id="urn:x:a%20b ", sha256="2"
    )
    anonymous = derive.dedupe_key(issuer_id="", credential_id="urn:x:a b", sha256="3")

    assert first == second
    assert anonymous == "sha256:3"


@pytest.mark.django_db
def test_rederiving_rebuilds_the_fields_from_the_original_bytes(owner, issuer):
    outcome = arrival.credential_import(
        owner=owner, data=as_bytes(issuer.ob3()), source="upload", now=NOW
    )
    Credential.objects.filter(pk=outcome.credential.pk).update(title="scribbled", issuer_name="")

    credential = derive.credential_rederive(
        credential=Credential.objects.get(pk=outcome.credential.pk), now=NOW
    )

    credential.refresh_from_db()
    assert credential.title == "Test Achievement"
    assert credential.issuer_name == "Test Issuer"
    assert credential.runs.count() == 1
