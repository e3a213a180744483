"""Importing one credential of each format through the service."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json

import pytest
from django.test import override_settings
from PIL import Image

from intake.services import arrival
from tests.support.issuer import EARNER_EMAIL, NOW, TestIssuer
from tests.wallet.helpers import as_bytes, signed_clr
from wallet import verifier
from wallet.models import AuditEvent, Credential, CredentialImage, VerificationRun
from wallet.services import store
from wallet.verification.fetch import FetchRefused
from wallet.verification.parse.png import make_chunk

pytestmark = pytest.mark.django_db


def _import(owner, data: bytes, **kwargs) -> store.ImportOutcome:
    kwargs.setdefault("source", "upload")
    return arrival.credential_import(owner=owner, data=data, now=NOW, **kwargs)


def test_it_imports_an_ob3_credential_and_keeps_the_exact_bytes(owner, issuer: TestIssuer):
    data = as_bytes(issuer.ob3(large=True))

    outcome = _import(owner, data, filename="badge.json")

    assert outcome.status == "imported"
    credential = Credential.objects.get(pk=outcome.credential.pk)
    assert bytes(credential.original) == data
    assert credential.sha256 == hashlib.sha256(data).hexdigest()
    assert credential.format == "ob3"
    assert credential.container == "json"
    assert credential.verdict == "verified"
    assert credential.verified_at == NOW
    assert credential.title == "Test Achievement"
    assert credential.issuer_name == "Test Issuer"
    assert credential.issuer_id == issuer.ed.did
    assert credential.criteria_narrative == "Pass the test."
    assert credential.issued_at is not None
    assert len(credential.alignments) == 12
    assert credential.alignments[0] == {
        "name": "Competency 0",
        "url": "https://case.example/uri/00000000",
        "code": "C-0000",
        "framework": "Test Framework",
        "type": "CFItem",
    }
    run = VerificationRun.objects.get(credential=credential)
    assert run.verdict == "verified"
    assert run.report["format"] == "ob3"


def test_it_imports_a_vc_jwt_as_the_token_itself(owner, issuer):
    token = issuer.ob3_jwt()

    outcome = _import(owner, token.encode(), source="paste")

    credential = outcome.credential
    assert outcome.status == "imported"
    assert bytes(credential.original) == token.encode()
    assert credential.container == "jwt"
    assert credential.media_type == "application/vc+jwt"
    assert credential.verdict == "verified"
    assert credential.title == "Test Achievement"


def test_it_imports_a_baked_png_and_keeps_a_sanitised_copy_of_the_image(owner, issuer):
    baked = issuer.baked_png(issuer.ob3())

    outcome = _import(owner, baked, filename="badge.png")

    credential = outcome.credential
    assert bytes(credential.original) == baked
    assert credential.container == "png"
    assert credential.verdict == "verified"
    image = CredentialImage.objects.get(credential=credential)
    assert image.media_type == "image/png"
    assert b"openbadgecredential" not in bytes(image.content)
    assert Image.open(io.BytesIO(bytes(image.content))).size == (8, 8)


def test_it_imports_a_baked_svg(owner, issuer):
    baked = issuer.baked_svg(issuer.ob3())

    outcome = _import(owner, baked, filename="badge.svg")

    credential = outcome.credential
    assert bytes(credential.original) == baked
    assert credential.container == "svg"
    assert credential.verdict == "verified"
    image = CredentialImage.objects.get(credential=credential)
    assert image.media_type == "image/svg+xml"
    assert b"<rect" in bytes(image.content)
    assert b"credential" not in bytes(image.content).lower()


def test_it_imports_a_hosted_ob2_assertion_with_its_badge_class_and_issuer(owner, issuer):
    assertion = issuer.ob2_hosted()

    outcome = _import(owner, as_bytes(assertion))

    credential = outcome.credential
    assert credential.format == "ob2-hosted"
    assert credential.verdict == "verified"
    assert credential.title == "Test Badge"
    assert credential.description == "Awarded by the test issuer."
    assert credential.issuer_name == "Test Issuer"
    assert credential.issuer_url == "https://issuer.example"
    assert credential.achievement_type == "Badge"
    assert credential.credential_id == assertion["id"]
    assert credential.recipient_match == "match"


def test_it_imports_a_signed_ob2_assertion(owner, issuer):
    token = issuer.ob2_signed()

    outcome = _import(owner, token.encode())

    credential = outcome.credential
    assert credential.format == "ob2-signed"
    assert credential.verdict == "verified"
    assert credential.title == "Test Badge"
    assert bytes(credential.original) == token.encode()


def test_it_imports_a_clr_with_each_embedded_credential_as_a_child(owner, issuer):
    inner = [issuer.ob3(), issuer.ob3_jwt()]
    clr = signed_clr(issuer, inner)

    outcome = _import(owner, as_bytes(clr))

    parent = outcome.credential
    assert parent.format == "clr2"
    assert parent.title == "Test Transcript"
    assert parent.achievement_type == "CLR"
    # The transcript keeps its own (empty) description rather than its first course's.
    assert parent.description == ""
    assert parent.alignments == []
    children = list(parent.children.order_by("pk"))
    assert len(children) == 2
    assert json.loads(bytes(children[0].original)) == inner[0]
    assert bytes(children[1].original) == inner[1].encode()
    assert [c.verdict for c in children] == ["verified", "verified"]
    assert all(c.source == "bundle" and c.runs.count() == 1 for c in children)
    assert "2 credentials inside" in outcome.message


def test_it_imports_each_credential_of_a_presentation_as_its_own_record(owner, issuer):
    presentation = issuer.presentation(
        [issuer.ob3(), issuer.ob3_jwt(), issuer.ob3()], challenge=None, domain=None
    )

    outcome = _import(owner, as_bytes(presentation))

    assert outcome.status == "imported"
    assert len(outcome.credentials) == 3
    stored = Credential.objects.filter(owner=owner)
    assert stored.count() == 3
    assert all(c.parent_id is None and c.format == "ob3" for c in stored)
    assert sorted(c.container for c in stored) == ["json", "json", "jwt"]


def test_a_jwt_presentation_yields_each_of_its_jwt_credentials(owner, issuer):
    tokens = [issuer.ob3_jwt(), issuer.ob3_jwt(alg="ES256")]

    outcome = _import(owner, issuer.presentation_jwt(tokens).encode(), source="paste")

    assert outcome.status == "imported"
    assert sorted(bytes(c.original) for c in outcome.credentials) == sorted(
        t.encode() for t in tokens
    )
    assert all(c.verdict == "verified" for c in outcome.credentials)


def test_a_json_array_of_credentials_imports_each_one(owner, issuer):
    first, second = issuer.ob3(), issuer.ob3()
    data = json.dumps([first, {"note": "not a credential"}, second]).encode()

    outcome = _import(owner, data, filename="export.json")

    assert outcome.status == "imported"
    assert len(outcome.credentials) == 2
    assert [json.loads(bytes(c.original)) for c in outcome.credentials] == [first, second]
    assert all(c.verdict == "verified" for c in outcome.credentials)


def test_a_json_array_of_jwt_strings_and_objects_imports_each_one(owner, issuer):
    token, document = issuer.ob3_jwt(), issuer.ob3()
    data = json.dumps([token, document]).encode()

    outcome = _import(owner, data, filename="wallet-export.json")

    assert outcome.status == "imported"
    first, second = outcome.credentials
    assert bytes(first.original) == token.encode()
    assert first.media_type == "application/vc+jwt"
    assert json.loads(bytes(second.original)) == document
    assert [c.verdict for c in outcome.credentials] == ["verified", "verified"]


def test_a_forged_jwt_in_an_array_is_kept_with_its_verdict_beside_the_others(owner, issuer):
    forged, genuine = issuer.ob3_jwt("tampered"), issuer.ob3_jwt()

    outcome = _import(owner, json.dumps([forged, genuine]).encode())

    assert [bytes(c.original) for c in outcome.credentials] == [forged.encode(), genuine.encode()]
    assert [c.verdict for c in outcome.credentials] == ["invalid_signature", "verified"]


def test_an_array_of_more_tokens_than_the_nesting_limit_stores_nothing(owner, issuer):
    data = json.dumps([issuer.ob3_jwt(), issuer.ob3_jwt(), issuer.ob3_jwt()]).encode()
    limits = verifier.make_limits()
    options = verifier.make_verify_options(owner=owner, now=NOW)
    options = dataclasses.replace(
        options, limits=dataclasses.replace(limits, max_nested_credentials=2)
    )

    outcome = _import(owner, data, options=options)

    assert outcome.status == "failed"
    assert not Credential.objects.filter(owner=owner).exists()


def test_the_declared_media_type_is_a_hint_and_the_detected_one_is_kept(owner, issuer):
    outcome = _import(owner, issuer.ob3_jwt().encode(), media_type="application/octet-stream")

    assert outcome.credential.media_type == "application/vc+jwt"


def test_it_keeps_a_credential_that_does_not_verify_and_says_why(owner, issuer):
    outcome = _import(owner, as_bytes(issuer.ob3("tampered")))

    assert outcome.status == "imported"
    assert outcome.credential.verdict == "invalid_signature"
    assert outcome.credential.verified_at is None


@pytest.mark.parametrize(
    "data",
    [b"hello, this is a letter", b'{"hello": "world"}', b"[1, 2, 3]", b"\x89PNG not really"],
)
def test_it_refuses_a_file_that_is_not_a_credential_and_stores_nothing(owner, issuer, data):
    outcome = _import(owner, data)

    assert outcome.status == "failed"
    assert outcome.credential is None
    assert "not a credential" in outcome.message
    assert not Credential.objects.exists()


def test_it_tells_a_zip_archive_apart_from_a_credential(owner, issuer):
    outcome = _import(owner, b"PK\x03\x04" + b"\0" * 40)

    assert outcome.status == "failed"
    assert "ZIP archive" in outcome.message


@override_settings(SATCHEL_MAX_UPLOAD_BYTES=2048)
def test_it_refuses_a_file_over_the_upload_cap_before_reading_it(owner, issuer):
    outcome = _import(owner, b" " * 2049)

    assert outcome.status == "failed"
    assert "larger than" in outcome.message
    assert not Credential.objects.exists()


def test_it_imports_a_credential_from_a_link(owner, issuer):
    credential = issuer.ob3()
    issuer.fetcher.add("https://issuer.example/credentials/1", as_bytes(credential))

    outcome = arrival.credential_import_url(
        owner=owner, url="https://issuer.example/credentials/1", now=NOW
    )

    assert outcome.status == "imported"
    assert outcome.credential.source == "url"
    assert outcome.credential.source_url == "https://issuer.example/credentials/1"
    assert outcome.credential.verdict == "verified"


def test_a_pasted_link_is_imported_from_that_link(owner, issuer):
    issuer.fetcher.add("https://issuer.example/credentials/2", as_bytes(issuer.ob3()))

    outcome = _import(owner, b"  https://issuer.example/credentials/2\n", source="paste")

    assert outcome.status == "imported"
    assert outcome.credential.source_url == "https://issuer.example/credentials/2"


def test_a_link_that_serves_another_link_is_not_followed(owner, issuer):
    issuer.fetcher.add("https://issuer.example/loop", b"https://issuer.example/loop")

    outcome = arrival.credential_import_url(owner=owner, url="https://issuer.example/loop", now=NOW)

    assert outcome.status == "failed"
    assert issuer.fetcher.requests == ["https://issuer.example/loop"]


def test_it_explains_a_link_the_guarded_fetcher_refuses(owner, app_fetcher, db):
    class Refusing:
        def fetch(self, url, *, accept="application/json"):
            raise FetchRefused("127.0.0.1 is a private address")

    app_fetcher(Refusing)

    outcome = arrival.credential_import_url(owner=owner, url="https://localhost/x", now=NOW)

    assert outcome.status == "failed"
    assert "does not fetch from that address" in outcome.message
    assert "private address" in outcome.message


def test_it_explains_a_link_that_answers_an_error(owner, issuer):
    issuer.fetcher.statuses["https://issuer.example/broken"] = 500

    outcome = arrival.credential_import_url(
        owner=owner, url="https://issuer.example/broken", now=NOW
    )

    assert outcome.status == "failed"
    assert "HTTP 500" in outcome.message
    assert "Try again later" in outcome.message


_GONE = "https://issuer.example/ob2/assertions/deleted"
_GONE_MESSAGE = f"The issuer no longer hosts this badge at {_GONE}; nothing was imported."


def _legacy_png(issuer: TestIssuer, url: str, chunk_type: bytes = b"tEXt") -> bytes:
    """A badge baked before OB 2.0 JSON baking: the chunk holds only the assertion's URL."""
    image = issuer.png_image()
    data = b"openbadges\x00" + url.encode()
    if chunk_type == b"iTXt":
        data = b"openbadges\x00\x00\x00\x00\x00" + url.encode()
    end_of_header = 8 + 25  # the signature, then IHDR (4 length + 4 type + 13 data + 4 CRC)
    return image[:end_of_header] + make_chunk(chunk_type, data) + image[end_of_header:]


@pytest.mark.parametrize("chunk_type", [b"tEXt", b"iTXt"])
def test_a_baked_png_whose_hosted_assertion_is_gone_is_refused_and_nothing_stored(
    owner, issuer, chunk_type
):
    outcome = _import(owner, _legacy_png(issuer, _GONE, chunk_type), filename="old.png")

    assert outcome.status == "failed"
    assert outcome.message == _GONE_MESSAGE
    assert not Credential.objects.filter(owner=owner).exists()
    refusal = AuditEvent.objects.get(user=owner, action="credential.import_refused")
    assert refusal.detail["reason"] == _GONE_MESSAGE


def test_a_baked_svg_pointing_at_a_gone_assertion_is_refused(owner, issuer):
    outcome = _import(owner, issuer.baked_svg(_GONE, kind="ob2"), filename="old.svg")

    assert (outcome.status, outcome.message) == ("failed", _GONE_MESSAGE)
    assert not Credential.objects.filter(owner=owner).exists()


def test_a_baked_svg_that_also_carries_the_assertion_is_kept_with_its_verdict(owner, issuer):
    assertion = issuer.ob2_hosted()
    issuer.fetcher.statuses[assertion["id"]] = 404
    image = issuer.baked_svg(assertion, kind="ob2").replace(
        b"<openbadges:assertion", f'<openbadges:assertion verify="{assertion["id"]}"'.encode()
    )

    outcome = _import(owner, image, filename="old.svg")

    assert outcome.status == "imported"
    assert outcome.credential.format == "ob2-hosted"
    assert outcome.credential.verdict == "issuer_unreachable"


def test_a_pasted_link_that_answers_404_is_refused_with_the_same_explanation(owner, issuer):
    outcome = _import(owner, _GONE.encode(), source="paste")

    assert (outcome.status, outcome.message) == ("failed", _GONE_MESSAGE)
    assert not Credential.objects.filter(owner=owner).exists()


def test_every_import_and_refusal_leaves_an_audit_row(owner, issuer):
    data = as_bytes(issuer.ob3())
    first = _import(owner, data)
    _import(owner, data)
    _import(owner, b"not a credential")

    actions = list(AuditEvent.objects.filter(user=owner).values_list("action", flat=True))
    assert sorted(actions) == [
        "credential.duplicate",
        "credential.import_refused",
        "credential.imported",
    ]
    row = AuditEvent.objects.get(action="credential.imported")
    assert row.target_id == str(first.credential.pk)


def test_a_clr_that_fails_half_way_leaves_nothing_stored(owner, issuer, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_create_children", explode)

    with pytest.raises(RuntimeError):
        _import(owner, as_bytes(issuer.clr()))

    assert not Credential.objects.exists()
    assert not VerificationRun.objects.exists()


def test_the_verifier_is_given_the_verified_emails_and_held_dids(owner, issuer):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=owner, email="pending@example.net", verified=False)

    assert verifier.recipient_identifiers(owner=owner) == (EARNER_EMAIL, issuer.earner_did)
