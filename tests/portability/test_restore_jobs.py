"""A restore from the page: the file is checked while the learner waits (a wrong passphrase is
said on the form), the writing is a background job whose page polls and shows a spinner, the
job is never stranded (the sweep resumes or fails it, a broker that is down fails it at once),
and what it reports agrees with what the export said it held."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config import jobs
from portability import crypto as export_crypto
from portability import services as portability
from portability.models import ExportJob, RestoreJob
from tests.portability.support import build_record, make_earner
from tests.support.issuer import EARNER_EMAIL, NOW
from wallet.models import Credential

pytestmark = pytest.mark.django_db

PASSPHRASE = "correct horse battery"


@pytest.fixture
def earner(db):
    return make_earner(EARNER_EMAIL)


@pytest.fixture
def newcomer(db):
    return make_earner("newcomer@example.org", "newcomer")


def _restore(client: Client, data: bytes, passphrase: str = ""):
    return client.post(
        reverse("portability:restore"), {"file": io.BytesIO(data), "passphrase": passphrase}
    )


def test_the_restore_reports_what_the_export_said_it_held(
    client, earner, newcomer, issuer, django_capture_on_commit_callbacks
):
    build_record(earner, issuer)
    client.force_login(earner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portability:export_create"), {"export-scope": "all"})
    export = ExportJob.objects.get(owner=earner)
    exported = portability.ExportContents.from_dict(export.contents)
    assert exported.credentials and exported.inside and exported.tags and exported.collections
    export_page = client.get(reverse("portability:export_job", args=[export.pk])).content.decode()
    assert f'data-kind="inside" data-count="{exported.inside}"' in export_page

    client.force_login(newcomer)
    with django_capture_on_commit_callbacks(execute=True):
        response = _restore(client, bytes(export.data))

    job = RestoreJob.objects.get(owner=newcomer)
    assert response["Location"] == reverse("portability:restore_job", args=[job.pk])
    assert job.status == RestoreJob.Status.DONE
    assert portability.ExportContents.from_dict(job.contents) == exported
    assert portability.ExportContents.from_dict(job.added) == exported  # a new account: all
    assert Credential.objects.filter(owner=newcomer).count() == exported.credentials + (
        exported.inside
    )
    page = client.get(response["Location"]).content.decode()
    for kind in ("credentials", "inside", "tags", "collections"):
        count = getattr(exported, kind)
        assert f'data-kind="{kind}" data-in-file="{count}" data-added="{count}"' in page

    # The same file again: nothing is added, and the page says it was all there already.
    with django_capture_on_commit_callbacks(execute=True):
        _restore(client, bytes(export.data))
    again = RestoreJob.objects.filter(owner=newcomer).first()
    assert again.already == exported.credentials
    assert portability.ExportContents.from_dict(again.added).credentials == 0


def test_a_sealed_export_is_restored_by_the_job_without_keeping_its_passphrase(
    client, earner, newcomer, issuer, django_capture_on_commit_callbacks
):
    build_record(earner, issuer)
    sealing = export_crypto.derive_key(PASSPHRASE)
    data = portability.export_archive(owner=earner, now=NOW, sealing_key=sealing).data
    client.force_login(newcomer)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _restore(client, data, PASSPHRASE)
    job = RestoreJob.objects.get()
    assert job.status == RestoreJob.Status.PENDING and job.sealing_key_encrypted
    assert PASSPHRASE not in job.sealing_key_encrypted
    waiting = client.get(reverse("portability:restore_job", args=[job.pk])).content.decode()
    status_url = reverse("portability:restore_job_status", args=[job.pk])
    assert f'data-job-status="{status_url}"' in waiting and 'class="spinner"' in waiting
    assert client.get(status_url).json() == {"status": "pending", "finished": False}

    for callback in callbacks:
        callback()

    job.refresh_from_db()
    assert job.status == RestoreJob.Status.DONE
    assert bytes(job.data) == b"" and job.sealing_key_encrypted == ""
    assert Credential.objects.filter(owner=newcomer).exists()
    assert client.get(status_url).json() == {"status": "done", "finished": True}


def test_a_wrong_passphrase_is_said_on_the_form_and_no_job_is_made(client, earner, issuer):
    build_record(earner, issuer)
    data = portability.export_archive(
        owner=earner, now=NOW, sealing_key=export_crypto.derive_key(PASSPHRASE)
    ).data
    client.force_login(earner)

    response = _restore(client, data, "not the passphrase")

    assert response.status_code == 400
    assert "passphrase is wrong" in response.content.decode()
    assert not RestoreJob.objects.exists()


def test_a_restore_the_broker_will_not_take_fails_at_once_with_a_message(
    client, earner, newcomer, issuer, broker_down, django_capture_on_commit_callbacks
):
    build_record(earner, issuer)
    data = portability.export_archive(owner=earner, now=NOW).data
    client.force_login(newcomer)

    with django_capture_on_commit_callbacks(execute=True):
        response = _restore(client, data)

    job = RestoreJob.objects.get()
    assert job.status == RestoreJob.Status.FAILED and bytes(job.data) == b""
    assert "could not be started" in client.get(response["Location"]).content.decode()


def test_the_sweep_resumes_a_stalled_restore_and_gives_up_one_that_keeps_dying(
    earner, newcomer, issuer, django_capture_on_commit_callbacks
):
    build_record(earner, issuer)
    data = portability.export_archive(owner=earner, now=NOW).data
    with django_capture_on_commit_callbacks(execute=False):
        job = portability.restore_job_create(owner=newcomer, data=data)
    silent = timezone.now() - timedelta(seconds=settings.SATCHEL_JOB_STALL_SECONDS + 1)
    RestoreJob.objects.filter(pk=job.pk).update(
        status="running", claimed_by="died", heartbeat_at=silent, attempts=1
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert portability.restore_jobs_sweep() == 1

    job.refresh_from_db()
    assert job.status == RestoreJob.Status.DONE
    assert Credential.objects.filter(owner=newcomer).exists()

    with django_capture_on_commit_callbacks(execute=False):
        dying = portability.restore_job_create(owner=newcomer, data=data)
    RestoreJob.objects.filter(pk=dying.pk).update(
        status="running", claimed_by="died", heartbeat_at=silent, attempts=jobs.MAX_RUNS
    )
    portability.restore_jobs_sweep()
    dying.refresh_from_db()
    assert dying.status == RestoreJob.Status.FAILED
    assert "given up" in dying.message and bytes(dying.data) == b""


def test_a_restore_job_is_its_owners_alone(client, earner, newcomer, issuer):
    build_record(earner, issuer)
    data = portability.export_archive(owner=earner, now=NOW).data
    job = portability.restore_job_create(owner=newcomer, data=data)
    client.force_login(earner)

    assert client.get(reverse("portability:restore_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("portability:restore_job_status", args=[job.pk])).status_code == 404
