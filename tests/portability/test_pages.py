"""Export and restore pages: the export runs as a job after commit, its link is the owner's
alone and expires, restore refuses clearly, and account deletion offers the export first."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services import account_delete
from portability import crypto as export_crypto
from portability import services as portability
from portability.models import ExportJob, RestoreJob
from sharing.models import ShareLink
from sharing.services import share_create
from tests.portability.support import build_record, make_earner, snapshot
from tests.support.issuer import EARNER_EMAIL, NOW
from wallet.models import AuditEvent, Credential

pytestmark = pytest.mark.django_db

PASSPHRASE = "correct horse battery"


@pytest.fixture
def earner(db) -> User:
    return make_earner(EARNER_EMAIL)


@pytest.fixture
def record(earner, issuer) -> dict[str, Credential]:
    return build_record(earner, issuer)


@pytest.fixture
def owner_client(client: Client, earner) -> Client:
    client.force_login(earner)
    return client


def _url(name: str, **kwargs) -> str:
    return reverse(f"portability:{name}", kwargs=kwargs)


def _request_export(client: Client, capture, **fields) -> ExportJob:
    data = {"export-scope": "all", **{f"export-{k}": v for k, v in fields.items()}}
    with capture(execute=True):
        response = client.post(_url("export_create"), data)
    job = ExportJob.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == _url("export_job", job_id=job.pk)
    return job


def _download_url(job: ExportJob) -> str:
    return _url("export_download", token=portability.export_job_token(job))


def test_the_export_page_offers_both_downloads(owner_client, record):
    response = owner_client.get(_url("export"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Full export" in page and "CLR 2.0 bundle" in page
    assert 'name="export-include_holder_key"' in page
    assert record["ob3"].title in page


@time_machine.travel(NOW, tick=False)
def test_an_export_is_built_after_commit_and_downloaded_from_its_page(
    owner_client, record, django_capture_on_commit_callbacks
):
    job = _request_export(owner_client, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    assert job.done == job.total == Credential.objects.filter(owner=job.owner).count()

    page = owner_client.get(_url("export_job", job_id=job.pk)).content.decode()
    assert _download_url(job) in page
    response = owner_client.get(_download_url(job))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "manifest.json" in archive.namelist()
    assert AuditEvent.objects.filter(user=job.owner, action="record.exported").exists()


def test_an_export_is_not_built_before_its_transaction_commits(
    owner_client, record, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        owner_client.post(_url("export_create"), {"export-scope": "all"})

    assert len(callbacks) == 1
    assert ExportJob.objects.get().status == ExportJob.Status.PENDING


def test_an_unfinished_export_page_shows_progress_and_polls(owner_client, record, earner):
    job = portability.export_job_create(owner=earner, now=NOW)

    page = owner_client.get(_url("export_job", job_id=job.pk)).content.decode()

    # No <meta refresh> (axe's meta-refresh rule): the page's script asks the status address.
    assert 'http-equiv="refresh"' not in page
    status_url = _url("export_job_status", job_id=job.pk)
    assert f'data-job-status="{status_url}"' in page
    assert 'class="spinner"' in page and "<progress" in page
    assert "export/download/" not in page
    assert owner_client.get(status_url).json() == {"status": "pending", "finished": False}


def test_the_download_link_expires(owner_client, record, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False):
        job = _request_export(owner_client, django_capture_on_commit_callbacks)
        url = _download_url(job)
        assert owner_client.get(url).status_code == 200

    with time_machine.travel(NOW + portability.EXPORT_LINK_LIFETIME + timedelta(seconds=1)):
        response = owner_client.get(url)
        assert response.status_code == 410
        assert "expired" in response.content.decode()
        page = owner_client.get(_url("export_job", job_id=job.pk)).content.decode()
        assert "has expired" in page and url not in page


def test_expired_exports_are_emptied_and_forgotten_later(earner, record):
    job = portability.export_job_run(job_id=portability.export_job_create(owner=earner).pk)
    assert job.data

    emptied = portability.export_jobs_purge(now=job.expires_at)

    job.refresh_from_db()
    assert emptied == 1 and bytes(job.data) == b""
    portability.export_jobs_purge(now=job.expires_at + portability.EXPORT_JOB_RETENTION * 2)
    assert not ExportJob.objects.filter(pk=job.pk).exists()


def test_a_stranger_cannot_see_or_download_someone_elses_export(client, earner, record, stranger):
    job = portability.export_job_run(job_id=portability.export_job_create(owner=earner).pk)
    client.force_login(stranger)

    assert client.get(_url("export_job", job_id=job.pk)).status_code == 404
    assert client.get(_download_url(job)).status_code == 404


def test_the_anonymous_are_sent_to_sign_in(client, earner, record):
    job = portability.export_job_run(job_id=portability.export_job_create(owner=earner).pk)
    for url in (
        _url("export"),
        _url("export_job", job_id=job.pk),
        _download_url(job),
        _url("restore"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_holder_key_box_needs_a_passphrase(owner_client, record):
    response = owner_client.post(
        _url("export_create"), {"export-scope": "all", "export-include_holder_key": "on"}
    )

    assert response.status_code == 400
    assert "only exported with a passphrase" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_the_passphrase_must_be_typed_twice_alike(owner_client, record):
    response = owner_client.post(
        _url("export_create"),
        {
            "export-scope": "all",
            "export-passphrase": PASSPHRASE,
            "export-passphrase_again": PASSPHRASE + "!",
        },
    )

    assert response.status_code == 400
    assert "differ" in response.content.decode()


def test_an_encrypted_export_keeps_no_passphrase_or_key_once_built(
    owner_client, record, django_capture_on_commit_callbacks
):
    job = _request_export(
        owner_client,
        django_capture_on_commit_callbacks,
        passphrase=PASSPHRASE,
        passphrase_again=PASSPHRASE,
        include_holder_key="on",
    )
    job.refresh_from_db()

    assert job.encrypted and job.include_holder_key
    assert job.sealing_key_encrypted == ""
    assert PASSPHRASE.encode() not in bytes(job.data)
    plain = export_crypto.unseal(bytes(job.data), PASSPHRASE)
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        assert "keys/holder-key.json" in archive.namelist()


def test_a_clr_bundle_page_lists_what_was_left_out_and_downloads_both_forms(owner_client, record):
    chosen = {"clr-scope": "chosen", "clr-credentials": [record["ob3"].pk, record["ob2"].pk]}

    page = owner_client.post(_url("clr_bundle"), chosen)
    as_json = owner_client.post(_url("clr_bundle"), chosen | {"download": "json"})
    as_png = owner_client.post(_url("clr_bundle"), chosen | {"download": "png"})

    text = page.content.decode()
    assert page.status_code == 200
    assert "Left out of the bundle" in text and record["ob2"].title in text
    assert as_json["Content-Type"] == "application/json"
    bundle = json.loads(as_json.content)
    assert len(bundle["credentialSubject"]["verifiableCredential"]) == 1
    assert as_png["Content-Type"] == "image/png"
    assert as_png.content.startswith(b"\x89PNG")


def test_a_stranger_cannot_bundle_someone_elses_credential(client, record, stranger):
    client.force_login(stranger)

    response = client.post(
        _url("clr_bundle"), {"clr-scope": "chosen", "clr-credentials": [record["ob3"].pk]}
    )

    assert response.status_code == 400
    assert record["ob3"].title not in response.content.decode()


def test_restore_through_the_page_brings_the_record_back(
    client, earner, record, django_capture_on_commit_callbacks
):
    before = snapshot(earner)
    data = portability.export_archive(owner=earner, now=NOW).data
    account_delete(user=earner)
    again = make_earner(EARNER_EMAIL)
    client.force_login(again)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url("restore"), {"file": io.BytesIO(data), "passphrase": ""}, follow=False
        )

    job = RestoreJob.objects.get(owner=again)
    assert response.status_code == 302
    assert response["Location"] == _url("restore_job", job_id=job.pk)
    assert snapshot(again) == before
    assert job.status == RestoreJob.Status.DONE and bytes(job.data) == b""


def test_a_wrong_passphrase_on_the_page_says_so_and_restores_nothing(
    client, earner, record, stranger
):
    sealing = export_crypto.derive_key(PASSPHRASE)
    data = portability.export_archive(owner=earner, now=NOW, sealing_key=sealing).data
    client.force_login(stranger)

    response = client.post(_url("restore"), {"file": io.BytesIO(data), "passphrase": "nope"})

    assert response.status_code == 400
    assert "passphrase is wrong" in response.content.decode()
    assert not Credential.objects.filter(owner=stranger).exists()


def test_the_delete_page_offers_the_export_first(owner_client):
    response = owner_client.get(reverse("accounts:delete"))

    assert _url("export") in response.content.decode()
    assert "Download your export first" in response.content.decode()


def test_deleting_the_account_removes_its_exports_and_shares_too(earner, record):
    portability.export_job_run(job_id=portability.export_job_create(owner=earner).pk)
    share_create(owner=earner, audience="Acme", credential_ids=[record["ob3"].pk], now=NOW)

    account_delete(user=earner)

    assert not ExportJob.objects.exists()
    assert not ShareLink.objects.exists()
    assert not Credential.objects.exists()


def test_an_export_that_cannot_be_built_fails_visibly_and_keeps_no_key(
    owner_client, earner, record, monkeypatch
):
    job = portability.export_job_create(owner=earner, passphrase=PASSPHRASE)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("portability.services.jobs.export_archive", broken)
    job = portability.export_job_run(job_id=job.pk)

    assert job.status == ExportJob.Status.FAILED
    assert job.sealing_key_encrypted == ""
    page = owner_client.get(_url("export_job", job_id=job.pk)).content.decode()
    assert "could not be built" in page


def test_the_clr_chooser_offers_the_credentials_inside_a_clr(owner_client, record):
    clr = record["clr"]
    page = owner_client.get(_url("export")).content.decode()
    clr_form = page[page.index('id="clr-heading"') :]
    for child in clr.children.all():
        assert f"{child.title} — {child.issuer_name} (inside {clr.title})" in clr_form
