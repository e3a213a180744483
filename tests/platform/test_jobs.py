"""Background jobs are never stranded: a task the broker will not take fails its job at once,
a redelivered or duplicated task resumes or leaves its job, the sweep resumes or fails jobs
that stopped showing signs of life, and a task's time limit ends its job with a message."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config import jobs
from config.celery import app
from intake.models import ImportArchive, ImportBatch
from intake.services import arrival, zips
from portability import services as portability
from portability.models import ExportJob
from tests.portability.support import build_record, make_earner
from tests.support.issuer import EARNER_EMAIL, NOW
from tests.wallet.helpers import as_bytes
from wallet.models import Credential

pytestmark = pytest.mark.django_db


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def archive(issuer) -> bytes:
    """Five distinct credentials, each its own file."""
    return _zip({f"badge-{n}.json": as_bytes(issuer.ob3()) for n in range(5)})


@pytest.fixture
def signed_in(client: Client, owner) -> Client:
    client.force_login(owner)
    return client


def _pending_batch(owner, data: bytes, **fields: Any) -> ImportBatch:
    now = timezone.now()
    fields = {"created_at": now, "heartbeat_at": now, **fields}
    batch = ImportBatch.objects.create(owner=owner, filename="a.zip", total=5, **fields)
    ImportArchive.objects.create(batch=batch, data=data)
    return batch


class Killed(BaseException):
    """The process running the task died (nothing in the app catches this)."""


def _die_after_first_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    real_beat = jobs.job_beat

    def beat_then_die(*args: Any, **kwargs: Any) -> None:
        real_beat(*args, **kwargs)
        raise Killed

    monkeypatch.setattr(zips, "_STORE_BATCH", 2)
    monkeypatch.setattr(jobs, "job_beat", beat_then_die)


# --- the broker is down when the job is asked for ------------------------------------------


def test_a_zip_import_that_cannot_be_enqueued_fails_at_once_with_a_message(
    signed_in: Client, archive: bytes, broker_down: str, django_capture_on_commit_callbacks
) -> None:
    upload = SimpleUploadedFile("badges.zip", archive, content_type="application/zip")
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("wallet:import_upload"), {"files": [upload]})
    elapsed = time.monotonic() - started

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("wallet:import_batch", args=[batch.pk])
    assert batch.status == ImportBatch.Status.FAILED
    assert "could not be started" in batch.message
    assert not ImportArchive.objects.exists()
    assert elapsed < 10, f"the request took {elapsed:.1f}s with the broker down"
    page = signed_in.get(response["Location"]).content.decode()
    assert "could not be started" in page


def test_an_export_that_cannot_be_enqueued_fails_at_once_with_a_message(
    signed_in: Client, owner, make_credential, broker_down: str, django_capture_on_commit_callbacks
) -> None:
    make_credential(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("portability:export_create"), {"export-scope": "all"})

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert job.status == ExportJob.Status.FAILED
    assert "could not be started" in job.message
    assert signed_in.get(response["Location"]).status_code == 200


APPS = ("accounts", "config", "devtools", "intake", "portability", "sharing", "wallet")


def test_every_enqueue_goes_through_the_one_helper() -> None:
    from pathlib import Path

    root = Path(settings.BASE_DIR)
    offenders = [
        str(path.relative_to(root))
        for app_dir in (
            "accounts",
            "config",
            "devtools",
            "intake",
            "portability",
            "sharing",
            "wallet",
        )
        for path in (root / app_dir).rglob("*.py")
        if any(call in path.read_text() for call in (".delay(", ".apply_async(", "send_task("))
        and path.relative_to(root).as_posix() != "config/celery.py"
    ]
    assert offenders == []


# --- redelivered and duplicated tasks --------------------------------------------------------


def test_a_redelivered_import_resumes_once_its_first_run_fell_silent(
    owner, issuer, archive: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _pending_batch(owner, archive)
    with monkeypatch.context() as patch:
        _die_after_first_progress(patch)
        with pytest.raises(Killed):
            zips.zip_batch_run(batch_id=batch.pk, run_id="task-1")
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.claimed_by) == ("running", 2, "task-1")

    # The same message again at once (the worker died, or a broker blip brought it back while
    # the first run may still be working): the job is left to the run that holds it.
    assert zips.zip_batch_run(batch_id=batch.pk, run_id="task-1").done == 2
    # Once the first run has been silent past the stall limit, the next delivery resumes it.
    stall = settings.SATCHEL_JOB_STALL_SECONDS
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=_silent_for(stall + 1))
    finished = zips.zip_batch_run(batch_id=batch.pk, run_id="task-1")

    assert finished.status == ImportBatch.Status.DONE
    assert [row["status"] for row in finished.summary] == ["imported"] * 5
    assert finished.message.startswith("5 imported")
    assert Credential.objects.filter(owner=owner).count() == 5
    assert finished.attempts == 2


def test_a_second_run_leaves_a_job_another_live_run_holds(owner, archive: bytes) -> None:
    batch = _pending_batch(
        owner, archive, status="running", claimed_by="task-1", heartbeat_at=timezone.now()
    )

    left = zips.zip_batch_run(batch_id=batch.pk, run_id="task-2")

    assert (left.status, left.claimed_by, left.done) == ("running", "task-1", 0)
    assert not Credential.objects.exists()


def test_a_finished_job_is_not_run_again(owner, archive: bytes) -> None:
    batch = _pending_batch(owner, archive, status="done", message="5 imported")

    assert zips.zip_batch_run(batch_id=batch.pk, run_id="task-9").message == "5 imported"
    assert not Credential.objects.exists()


def test_a_job_whose_runs_keep_dying_is_given_up(owner, archive: bytes) -> None:
    stall = settings.SATCHEL_JOB_STALL_SECONDS
    batch = _pending_batch(
        owner,
        archive,
        status="running",
        claimed_by="task-1",
        attempts=jobs.MAX_RUNS,
        heartbeat_at=_silent_for(stall + 1),
    )

    given_up = zips.zip_batch_run(batch_id=batch.pk, run_id="task-1")

    assert given_up.status == ImportBatch.Status.FAILED
    assert "stopped unexpectedly several times" in given_up.message
    assert not ImportArchive.objects.filter(batch=batch).exists()


# --- the sweep --------------------------------------------------------------------------------


def _silent_for(seconds: int) -> Any:
    return timezone.now() - timedelta(seconds=seconds)


def test_the_sweep_resumes_an_import_whose_worker_died(
    owner, issuer, archive: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _pending_batch(owner, archive)
    with monkeypatch.context() as patch:
        _die_after_first_progress(patch)
        with pytest.raises(Killed):
            zips.zip_batch_run(batch_id=batch.pk, run_id="task-1")
    stall = settings.SATCHEL_JOB_STALL_SECONDS
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=_silent_for(stall + 1))

    assert zips.import_batches_sweep() == 1  # tasks run in process here: the resumed run finishes

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert [row["status"] for row in batch.summary] == ["imported"] * 5
    assert Credential.objects.filter(owner=owner).count() == 5


def test_the_sweep_leaves_jobs_that_show_signs_of_life(owner, archive: bytes) -> None:
    stall = settings.SATCHEL_JOB_STALL_SECONDS
    _pending_batch(owner, archive, status="running", heartbeat_at=_silent_for(stall - 30))

    assert zips.import_batches_sweep() == 0


def test_the_sweep_fails_a_job_that_died_too_often(owner, archive: bytes) -> None:
    stall = settings.SATCHEL_JOB_STALL_SECONDS
    batch = _pending_batch(
        owner,
        archive,
        status="running",
        attempts=jobs.MAX_RUNS,
        heartbeat_at=_silent_for(stall + 1),
    )

    zips.import_batches_sweep()

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert "stopped unexpectedly several times" in batch.message


def test_the_sweep_fails_a_job_no_worker_ever_picked_up(owner, archive: bytes) -> None:
    long_ago = timezone.now() - jobs.NEVER_STARTED_AFTER - timedelta(minutes=1)
    batch = _pending_batch(owner, archive)
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=long_ago, heartbeat_at=long_ago)

    zips.import_batches_sweep()

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert "could not be started" in batch.message


def test_the_sweep_resumes_a_stalled_export(
    stranger, make_credential, django_capture_on_commit_callbacks
) -> None:
    make_credential(stranger)
    with django_capture_on_commit_callbacks(execute=True):
        job = portability.export_job_create(owner=stranger)  # built at once: tasks run in process
    stall = settings.SATCHEL_JOB_STALL_SECONDS
    ExportJob.objects.filter(pk=job.pk).update(
        status="running", data=b"", claimed_by="task-1", heartbeat_at=_silent_for(stall + 1)
    )

    portability.export_jobs_sweep()

    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    assert job.data


@pytest.mark.parametrize(
    ("entry", "task"),
    [
        ("intake-sweep-stalled-imports", "intake.tasks.sweep_stalled_imports"),
        ("portability-sweep-stalled-exports", "portability.tasks.sweep_stalled_exports"),
    ],
)
def test_the_sweeps_run_every_minute_on_the_beat(entry: str, task: str) -> None:
    schedule = settings.CELERY_BEAT_SCHEDULE[entry]
    assert schedule["task"] == task
    assert schedule["schedule"] <= timedelta(seconds=settings.SATCHEL_JOB_STALL_SECONDS)


def test_a_run_whose_job_was_handed_on_stops_without_writing(
    owner, issuer, archive: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _pending_batch(owner, archive)
    real_beat = jobs.job_beat

    def handed_on_meanwhile(kind: Any, **kwargs: Any) -> None:
        kind.model.objects.filter(pk=batch.pk).update(status="pending", claimed_by="")
        real_beat(kind, **kwargs)

    monkeypatch.setattr(zips, "_STORE_BATCH", 2)
    monkeypatch.setattr(jobs, "job_beat", handed_on_meanwhile)

    left = zips.zip_batch_run(batch_id=batch.pk, run_id="task-1")

    assert (left.status, left.done) == ("pending", 0)


# --- time limits ---------------------------------------------------------------------------


def test_every_task_has_a_soft_and_a_hard_time_limit() -> None:
    for name, task in app.tasks.items():
        if not name.startswith(("wallet.", "intake.", "portability.", "satchel.")):
            continue
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        hard = task.time_limit or app.conf.task_time_limit
        assert soft and hard and soft < hard, name


def test_an_import_out_of_time_ends_failed_with_what_it_finished(
    owner, issuer, archive: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _pending_batch(owner, archive)
    real_arrive = arrival.arrive
    calls = []

    def arrive_until_time_is_up(**kwargs: Any) -> Any:
        calls.append(kwargs["filename"])
        if len(calls) == 3:
            raise SoftTimeLimitExceeded  # what Celery raises in the task at its soft limit
        return real_arrive(**kwargs)

    monkeypatch.setattr(zips, "_STORE_BATCH", 2)
    monkeypatch.setattr(arrival, "arrive", arrive_until_time_is_up)

    finished = zips.zip_batch_run(batch_id=batch.pk, run_id="task-1")

    assert finished.status == ImportBatch.Status.FAILED
    assert "took longer than the wallet allows" in finished.message
    assert "after 2 of 5 files" in finished.message
    assert Credential.objects.filter(owner=owner).count() == 2
    assert not ImportArchive.objects.filter(batch=batch).exists()


def test_an_export_out_of_time_ends_failed_with_a_message(
    stranger, make_credential, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    make_credential(stranger)

    def out_of_time(**kwargs: Any) -> Any:
        raise SoftTimeLimitExceeded

    monkeypatch.setattr("portability.services.jobs.export_archive", out_of_time)

    with django_capture_on_commit_callbacks(execute=True):
        job = portability.export_job_create(owner=stranger)

    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert "took longer than the wallet allows" in job.message
    assert job.sealing_key_encrypted == ""


def test_a_restore_completes_while_the_broker_is_down(
    issuer, broker_down: str, django_capture_on_commit_callbacks
) -> None:
    earner = make_earner(EARNER_EMAIL)
    build_record(earner, issuer)
    export = portability.export_archive(owner=earner, now=NOW)
    newcomer = make_earner("someone@example.org", "someone")

    with django_capture_on_commit_callbacks(execute=True):
        outcome = portability.export_restore(
            owner=newcomer, data=export.data, now=NOW + timedelta(days=30)
        )

    # Restored; the re-check the broker would not take is left to the scheduled one.
    assert outcome.restored == Credential.objects.filter(owner=newcomer, parent=None).count() > 0
