"""The import API: what the import page accepts, through the same services."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from intake.models import ImportBatch
from tests.support.issuer import NOW
from tests.wallet.helpers import as_bytes
from wallet.models import Credential

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.wallet.urls")]


@pytest.fixture
def client() -> APIClient:
    return APIClient()


def _url(name: str, **kwargs) -> str:
    return reverse(f"wallet-api:{name}", kwargs=kwargs)


def test_the_import_batch_is_the_owners_alone(client, owner, stranger, issuer):
    from intake.services.zips import zip_batch_create

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", b"not a credential")
    batch = zip_batch_create(owner=owner, data=buffer.getvalue(), now=NOW)
    url = _url("import-batch", batch_id=batch.pk)

    client.force_authenticate(stranger)
    assert client.get(url).status_code == 404
    client.force_authenticate(None)
    assert client.get(url).status_code in (401, 403)
    client.force_authenticate(owner)
    response = client.get(url)
    assert response.status_code == 200
    assert response.json()["total"] == 1


def test_uploading_a_credential_file_imports_it(client, owner, issuer):
    client.force_authenticate(owner)
    upload = io.BytesIO(as_bytes(issuer.ob3()))
    upload.name = "badge.json"

    response = client.post(_url("credential-import"), {"file": upload}, format="multipart")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "imported"
    assert Credential.objects.get(pk=body["credential_id"]).filename == "badge.json"


def test_pasting_a_jwt_imports_it(client, owner, issuer):
    client.force_authenticate(owner)

    response = client.post(_url("credential-import"), {"text": issuer.ob3_jwt()}, format="json")

    assert response.status_code == 201
    assert Credential.objects.get().source == "paste"


def test_pasting_something_that_is_not_a_credential_is_a_400_with_the_reason(client, owner, issuer):
    client.force_authenticate(owner)

    response = client.post(_url("credential-import"), {"text": "dear diary"}, format="json")

    assert response.status_code == 400
    assert "not a credential" in response.json()["message"]


def test_importing_needs_exactly_one_input(client, owner):
    client.force_authenticate(owner)

    response = client.post(_url("credential-import"), {}, format="json")

    assert response.status_code == 400


@override_settings(SATCHEL_MAX_UPLOAD_BYTES=2048)
def test_an_oversized_upload_is_refused_by_its_size(client, owner, issuer):
    client.force_authenticate(owner)
    upload = io.BytesIO(b" " * 4096)
    upload.name = "huge.json"

    response = client.post(_url("credential-import"), {"file": upload}, format="multipart")

    assert response.status_code == 400
    assert "larger than" in response.json()["message"]


def test_a_zip_upload_returns_a_batch_to_follow(client, owner, issuer):
    client.force_authenticate(owner)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.jwt", issuer.ob3_jwt())
    buffer.seek(0)
    buffer.name = "export.zip"

    response = client.post(_url("credential-import-zip"), {"file": buffer}, format="multipart")

    assert response.status_code == 202, response.content
    batch_id = response.json()["batch_id"]
    status = client.get(_url("import-batch", batch_id=batch_id)).json()
    assert status["total"] == 1


def test_a_refused_zip_is_a_400_with_the_reason(client, owner):
    client.force_authenticate(owner)
    upload = io.BytesIO(b"not a zip")
    upload.name = "x.zip"

    response = client.post(_url("credential-import-zip"), {"file": upload}, format="multipart")

    assert response.status_code == 400
    assert "not a ZIP archive" in str(response.json())


def test_a_zip_sent_to_the_import_endpoint_is_imported_as_the_page_does(client, owner, issuer):
    client.force_authenticate(owner)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.jwt", issuer.ob3_jwt())
        archive.writestr("b.json", as_bytes(issuer.ob3()))
    buffer.seek(0)
    buffer.name = "export.zip"

    response = client.post(_url("credential-import"), {"file": buffer}, format="multipart")

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "batch"
    assert body["credential_id"] is None
    status = client.get(_url("import-batch", batch_id=body["batch_id"])).json()
    assert status["total"] == 2
    assert status["filename"] == "export.zip"


def test_a_refused_zip_sent_to_the_import_endpoint_is_a_400_with_the_reason(client, owner):
    client.force_authenticate(owner)
    upload = io.BytesIO(b"PK\x03\x04 not really a zip")
    upload.name = "broken.zip"

    response = client.post(_url("credential-import"), {"file": upload}, format="multipart")

    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "failed"
    assert "not a ZIP archive" in body["message"]
    assert not Credential.objects.exists()
    assert not ImportBatch.objects.exists()


def test_an_imported_file_names_no_batch(client, owner, issuer):
    client.force_authenticate(owner)

    response = client.post(_url("credential-import"), {"text": issuer.ob3_jwt()}, format="json")

    assert response.json()["batch_id"] is None
