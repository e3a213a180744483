"""Restore jobs: the restore page checks the uploaded export at once (so a wrong passphrase
or a damaged file is said on the form) and leaves the writing and the first checks of what
came back to a task, whose progress the learner watches (issue 14, item 10).

A job is kept alive like every background job (`config.jobs`): a run that dies is resumed by
the sweep, and restoring the same file twice changes nothing, so a resumed run finishes what
the first began; after `MAX_RUNS` runs, or if no worker ever takes it, the job fails with a
message and forgets the file.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from accounts import crypto
from accounts.models import User
from config import jobs
from config.celery import enqueue_on_commit
from portability import crypto as export_crypto
from portability.crypto import ExportDecryptionError, SealingKey
from portability.models import RestoreJob
from portability.services.restore import (
    RestoreRefused,
    export_contents,
    export_restore,
    read_export,
)

logger = logging.getLogger(__name__)


def _forget_file(job_id: int) -> None:
    RestoreJob.objects.filter(pk=job_id, status=jobs.FAILED).update(
        data=b"", sealing_key_encrypted=""
    )


# Stored as written here and translated when shown (templates/portability/restore_job.html).
NOT_STARTED = gettext_noop(
    "The restore could not be started: the wallet's background service is unavailable. "
    "Nothing was restored. Please try again in a few minutes."
)
GAVE_UP = gettext_noop(
    "The restore stopped unexpectedly several times and was given up. Restoring the same file "
    "again is safe: credentials already back are not added twice."
)
COULD_NOT_RESTORE = gettext_noop(
    "The restore could not be finished. Nothing was restored. Try again, or ask for help if it "
    "persists."
)
TOOK_TOO_LONG = gettext_noop(
    "The restore took longer than the wallet allows and was stopped. Restoring the same file "
    "again is safe and continues where it stopped."
)

RESTORE_JOBS = jobs.JobKind(
    model=RestoreJob,
    task="portability.tasks.restore_run",
    not_started=NOT_STARTED,
    gave_up=GAVE_UP,
    forget=_forget_file,
)


def restore_jobs_sweep(*, now: datetime | None = None) -> int:
    """Resume or fail every stalled restore job (see `config.jobs`)."""
    return jobs.jobs_sweep(RESTORE_JOBS, now=now)


def restore_job_create(
    *, owner: User, data: bytes, passphrase: str = "", now: datetime | None = None
) -> RestoreJob:
    """Check the export now (RestoreRefused says what is wrong, and nothing is kept), then
    restore it in a task once committed."""
    now = now or timezone.now()
    sealing: SealingKey | None = None
    if export_crypto.is_sealed(data) and passphrase:
        try:
            sealing = export_crypto.sealing_key_for(data, passphrase)
        except ExportDecryptionError as exc:
            raise RestoreRefused(str(exc)) from exc
    archive = read_export(data, passphrase=passphrase, sealing_key=sealing)
    contents = export_contents(archive.manifest, holder_keys=len(archive.holder_keys))
    with transaction.atomic():
        job = RestoreJob.objects.create(
            owner=owner,
            data=data,
            sealing_key_encrypted=(
                crypto.encrypt(json.dumps(sealing.to_dict()).encode()) if sealing else ""
            ),
            language=translation.get_language() or settings.LANGUAGE_CODE,
            contents=contents.as_dict(),
            created_at=now,
            heartbeat_at=now,
        )
        enqueue_on_commit(
            RESTORE_JOBS.task,
            job.pk,
            on_failure=lambda: jobs.job_not_started(RESTORE_JOBS, job_id=job.pk),
        )
    return job


def restore_job_run(*, job_id: int, run_id: str = "", now: datetime | None = None) -> RestoreJob:
    """Restore a job's export, then forget the file. Safe to run again (`config.jobs`)."""
    try:
        job = jobs.job_claim(RESTORE_JOBS, job_id=job_id, run_id=run_id)
    except jobs.JobTaken:
        return RestoreJob.objects.get(pk=job_id)
    if jobs.job_gave_up(RESTORE_JOBS, job):
        return RestoreJob.objects.get(pk=job_id)
    sealing = None
    if job.sealing_key_encrypted:
        sealing = SealingKey.from_dict(json.loads(crypto.decrypt(job.sealing_key_encrypted)))
    try:
        # The notes the restore writes are in the language the learner asked in.
        with translation.override(job.language or settings.LANGUAGE_CODE):
            outcome = export_restore(
                owner=job.owner, data=bytes(job.data), sealing_key=sealing, now=now
            )
            notes = " ".join(str(note) for note in outcome.notes)
    except OperationalError:
        raise  # the database is away: the task retries the job
    except SoftTimeLimitExceeded:
        return _finish(job, run_id, status=RestoreJob.Status.FAILED, message=TOOK_TOO_LONG)
    except RestoreRefused as exc:  # checked at upload; refused now only if this wallet changed
        return _finish(job, run_id, status=RestoreJob.Status.FAILED, message=str(exc))
    except Exception:  # the learner sees a failed job, not a page stuck on "restoring"
        logger.exception("restore job %s failed", job.pk)
        return _finish(job, run_id, status=RestoreJob.Status.FAILED, message=COULD_NOT_RESTORE)
    return _finish(
        job,
        run_id,
        status=RestoreJob.Status.DONE,
        message=notes,
        added=outcome.added.as_dict(),
        already=outcome.already,
    )


def _finish(job: RestoreJob, run_id: str, **fields: object) -> RestoreJob:
    jobs.job_finish(
        RESTORE_JOBS,
        job_id=job.pk,
        run_id=run_id,
        data=b"",
        sealing_key_encrypted="",
        finished_at=timezone.now(),
        **fields,
    )
    return RestoreJob.objects.get(pk=job.pk)
