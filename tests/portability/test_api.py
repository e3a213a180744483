"""Export and restore over the API: the owner's alone, the anonymous refused."""

from __future__ import annotations

import io
import zipfile

import pytest
import time_machine
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import account_delete
from portability import crypto as export_crypto
from portability import services as portability
from portability.models import ExportJob
from tests.portability.support import build_record, make_earner, snapshot
from tests.support.issuer import EARNER_EMAIL, NOW
from wallet.models import Credential

pytestmark = pytest.mark.django_db

PASSPHRASE = "correct horse battery"


@pytest.fixture
def earner(db) -> User:
    return make_earner(EARNER_EMAIL)


@pytest.fixture
def record(earner, issuer) -> dict[str, Credential]:
    return build_record(earner, issuer)


@pytest.fixture
def api(earner) -> APIClient:
    client = APIClient()
    client.force_authenticate(earner)
    return client


def _url(name: str, **kwargs) -> str:
    return reverse(f"portability-api:{name}", kwargs=kwargs)


def _finished_job(owner: User) -> ExportJob:
    return portability.export_job_run(job_id=portability.export_job_create(owner=owner).pk)


def test_a_clr_bundle_comes_back_as_json_with_what_was_left_out(api, record):
    ids = [record["ob3"].pk, record["jwt"].pk]

    response = api.post(_url("clr-bundle"), {"credential_ids": ids}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["included"] == [record["ob3"].pk]
    assert [item["id"] for item in body["excluded"]] == [record["jwt"].pk]
    assert "JWT" in body["excluded"][0]["reason"]
    assert "ClrCredential" in body["document"]["type"]


def test_a_clr_bundle_comes_back_as_a_baked_png(api, record):
    response = api.post(_url("clr-bundle"), {"format": "png"}, format="json")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"clrcredential" in response.content


def test_a_bundle_nothing_can_go_into_is_refused_with_the_reasons(api, record):
    response = api.post(_url("clr-bundle"), {"credential_ids": [record["ob2"].pk]}, format="json")

    assert response.status_code == 400
    assert response.json()["excluded"][0]["id"] == record["ob2"].pk


@time_machine.travel(NOW, tick=False)
def test_an_export_is_started_polled_and_downloaded(
    api, record, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(_url("export-list"), {}, format="json")
    assert started.status_code == 202
    job_id = started.json()["id"]

    detail = api.get(_url("export-detail", job_id=job_id)).json()
    assert detail["status"] == "done"
    download = api.get(detail["download_url"])

    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert "manifest.json" in archive.namelist()
    assert [job["id"] for job in api.get(_url("export-list")).json()] == [job_id]


def test_an_encrypted_export_with_the_holder_key_over_the_api(
    api, record, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(
            _url("export-list"),
            {"passphrase": PASSPHRASE, "include_holder_key": True},
            format="json",
        )
    job = ExportJob.objects.get(pk=started.json()["id"])

    assert "passphrase" not in started.json()
    plain = export_crypto.unseal(bytes(job.data), PASSPHRASE)
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        assert "keys/holder-key.json" in archive.namelist()


def test_the_holder_key_is_refused_without_a_passphrase(api, record):
    response = api.post(_url("export-list"), {"include_holder_key": True}, format="json")

    assert response.status_code == 400
    assert not ExportJob.objects.exists()


def test_an_export_cannot_name_someone_elses_credentials(record, stranger):
    client = APIClient()
    client.force_authenticate(stranger)

    response = client.post(
        _url("export-list"), {"credential_ids": [record["ob3"].pk]}, format="json"
    )

    assert response.status_code == 400
    assert not ExportJob.objects.exists()


def test_the_download_link_expires(api, earner, record):
    with time_machine.travel(NOW, tick=False):
        job = _finished_job(earner)
        url = api.get(_url("export-detail", job_id=job.pk)).json()["download_url"]
    with time_machine.travel(NOW + portability.EXPORT_LINK_LIFETIME, tick=False):
        assert api.get(url).status_code == 410
        assert api.get(_url("export-detail", job_id=job.pk)).json()["download_url"] is None


def test_a_stranger_gets_404_for_someone_elses_export(earner, record, stranger):
    job = _finished_job(earner)
    token = portability.export_job_token(job)
    client = APIClient()
    client.force_authenticate(stranger)

    assert client.get(_url("export-detail", job_id=job.pk)).status_code == 404
    assert client.get(_url("export-download", token=token)).status_code == 404


def test_the_anonymous_are_refused_everywhere(earner, record):
    job = _finished_job(earner)
    token = portability.export_job_token(job)
    client = APIClient()
    for method, url in (
        ("post", _url("clr-bundle")),
        ("get", _url("export-list")),
        ("post", _url("export-list")),
        ("get", _url("export-detail", job_id=job.pk)),
        ("get", _url("export-download", token=token)),
        ("post", _url("restore")),
    ):
        assert getattr(client, method)(url).status_code in (401, 403), url


def test_restore_over_the_api_with_a_token(earner, record):
    before = snapshot(earner)
    sealing = export_crypto.derive_key(PASSPHRASE)
    data = portability.export_archive(owner=earner, now=NOW, sealing_key=sealing).data
    account_delete(user=earner)
    again = make_earner(EARNER_EMAIL)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=again).key}")

    wrong = client.post(
        _url("restore"), {"file": io.BytesIO(data), "passphrase": "wrong"}, format="multipart"
    )
    assert wrong.status_code == 400
    assert "passphrase is wrong" in wrong.json()["detail"][0]
    assert not Credential.objects.filter(owner=again).exists()

    right = client.post(
        _url("restore"), {"file": io.BytesIO(data), "passphrase": PASSPHRASE}, format="multipart"
    )

    assert right.status_code == 200
    assert right.json()["restored"] == len(record)
    assert snapshot(again) == before


def test_the_openapi_schema_describes_export_and_restore_without_warnings(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yml"
    call_command(
        "spectacular",
        "--urlconf=tests.portability.api_urls",
        "--validate",
        "--fail-on-warn",
        f"--file={target}",
    )

    schema = target.read_text()
    for path in ("/api/export/clr/:", "/api/exports/{job_id}/:", "/api/restore/:"):
        assert path in schema
