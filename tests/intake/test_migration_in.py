"""Migration in: what learners bring from other backpacks and wallets comes in through the
import page and API (a ZIP of baked badges, a JSON array of credentials, a presentation)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from intake.models import ImportBatch
from tests.portability.support import make_earner
from tests.support.issuer import EARNER_EMAIL
from tests.wallet.helpers import as_bytes
from wallet.models import Credential
from wallet.verification.parse.png import make_chunk

pytestmark = pytest.mark.django_db


@pytest.fixture
def earner(db):
    return make_earner(EARNER_EMAIL)


@pytest.fixture
def api(earner) -> APIClient:
    client = APIClient()
    client.force_authenticate(earner)
    return client


def _legacy_png(image: bytes, url: str) -> bytes:
    """A Mozilla Backpack-era badge: a tEXt chunk 'openbadges' whose value is the assertion URL."""
    chunk = make_chunk(b"tEXt", b"openbadges\x00" + url.encode())
    end_of_header = 8 + 25  # the signature, then IHDR (4 length + 4 type + 13 data + 4 CRC)
    return image[:end_of_header] + chunk + image[end_of_header:]


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _backpack_zip(issuer) -> tuple[bytes, dict[str, str]]:
    """A backpack download: baked badges of every era, with the clutter such archives carry."""
    hosted = issuer.ob2_hosted()
    gone = "https://issuer.example/ob2/assertions/deleted"
    issuer.fetcher.statuses[gone] = 404
    members = {
        "badges/ob3-course.png": issuer.baked_png(issuer.ob3()),
        "badges/ob2-embedded.png": issuer.baked_png(hosted, kind="ob2"),
        "badges/ob2-legacy-url.png": _legacy_png(issuer.png_image(), hosted["id"]),
        "badges/ob2-signed.svg": issuer.baked_svg(issuer.ob2_signed("expired"), kind="ob2"),
        "badges/ob2-gone.png": _legacy_png(issuer.png_image(), gone),
        "badges/unbaked.svg": issuer.svg_image(),
        "__MACOSX/badges/._ob3-course.png": b"\x00\x05\x16\x07",
    }
    expected = {
        "badges/ob3-course.png": "imported",
        "badges/ob2-embedded.png": "imported",
        # The same hosted assertion as the one above: one record, not two.
        "badges/ob2-legacy-url.png": "duplicate",
        "badges/ob2-signed.svg": "imported",
        # Only a link whose issuer answers 404: there is no badge left to keep.
        "badges/ob2-gone.png": "failed",
        "badges/unbaked.svg": "failed",
    }
    return _zip(members), expected


def test_a_backpack_zip_of_baked_badges_comes_in_through_the_api(
    api, earner, issuer, django_capture_on_commit_callbacks
):
    archive, expected = _backpack_zip(issuer)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            reverse("wallet-api:credential-import-zip"),
            {"file": io.BytesIO(archive)},
            format="multipart",
        )

    assert response.status_code == 202
    batch = ImportBatch.objects.get(pk=response.json()["batch_id"])
    assert batch.status == ImportBatch.Status.DONE
    assert {row["name"]: row["status"] for row in batch.summary} == expected
    verdicts = {c.filename: c.verdict for c in Credential.objects.filter(owner=earner, parent=None)}
    assert verdicts == {
        "badges/ob3-course.png": "verified",
        "badges/ob2-embedded.png": "verified",
        "badges/ob2-signed.svg": "expired",
    }
    gone = next(row for row in batch.summary if row["name"] == "badges/ob2-gone.png")
    assert gone["message"] == (
        "The issuer no longer hosts this badge at "
        "https://issuer.example/ob2/assertions/deleted; nothing was imported."
    )


def test_a_backpack_zip_comes_in_through_the_import_page(
    client, earner, issuer, django_capture_on_commit_callbacks
):
    archive, expected = _backpack_zip(issuer)
    client.force_login(earner)
    upload = io.BytesIO(archive)
    upload.name = "backpack.zip"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("wallet:import_upload"), {"files": [upload]})

    batch = ImportBatch.objects.get(owner=earner)
    assert response.status_code == 302
    assert response["Location"] == reverse("wallet:import_batch", kwargs={"batch_id": batch.pk})
    assert {row["name"]: row["status"] for row in batch.summary} == expected


def test_a_json_array_of_credentials_imports_each_one(api, earner, issuer):
    credentials = [issuer.ob3(), issuer.ob3(suite="Ed25519Signature2020"), issuer.clr()]

    response = api.post(
        reverse("wallet-api:credential-import"),
        {"text": json.dumps(credentials, indent=2)},
        format="json",
    )

    assert response.status_code == 201
    stored = Credential.objects.filter(owner=earner, parent=None)
    assert stored.count() == 3
    assert sorted(stored.values_list("format", flat=True)) == ["clr2", "ob3", "ob3"]
    # Each element is kept as its own JSON object, and still verifies on its own.
    assert all(c.verdict == "verified" for c in stored)
    assert {json.loads(bytes(c.original))["id"] for c in stored} == {c["id"] for c in credentials}


def test_a_json_array_file_uploaded_on_the_import_page(client, earner, issuer):
    client.force_login(earner)
    upload = io.BytesIO(json.dumps([issuer.ob3(), issuer.ob3()]).encode())
    upload.name = "wallet-backup.json"

    client.post(reverse("wallet:import_upload"), {"files": [upload]})

    assert Credential.objects.filter(owner=earner, parent=None).count() == 2


def test_a_presentation_holding_many_credentials_imports_each_one(api, earner, issuer):
    presentation = issuer.presentation([issuer.ob3(), issuer.ob3_jwt(), issuer.ob3()])
    upload = io.BytesIO(as_bytes(presentation))
    upload.name = "presentation.json"

    response = api.post(
        reverse("wallet-api:credential-import"), {"file": upload}, format="multipart"
    )

    assert response.status_code == 201
    stored = Credential.objects.filter(owner=earner, parent=None)
    assert stored.count() == 3
    assert sorted(stored.values_list("container", flat=True)) == ["json", "json", "jwt"]
    assert all(c.verdict == "verified" for c in stored)


def test_a_jwt_presentation_of_credentials_imports_each_one(api, earner, issuer):
    token = issuer.presentation_jwt([issuer.ob3_jwt(), issuer.ob3_jwt()])

    response = api.post(reverse("wallet-api:credential-import"), {"text": token}, format="json")

    assert response.status_code == 201
    assert Credential.objects.filter(owner=earner, parent=None, container="jwt").count() == 2
