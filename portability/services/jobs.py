"""Export jobs: requested on a page or the API, built by a task, downloaded through an
expiring link that only the owner can open."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from accounts import crypto
from accounts.models import User
from config import jobs
from config.celery import enqueue_on_commit
from portability import crypto as export_crypto
from portability.crypto import SealingKey
from portability.models import ExportJob
from portability.services.archive import ExportFile, export_archive
from wallet.selectors import record_credentials
from wallet.services.audit import audit_record
from wallet.wording import Said, SaidPlural, template_of

logger = logging.getLogger(__name__)

# --- export jobs: built by a task, downloaded through an expiring link ---------------------


def _forget_sealing_key(job_id: int) -> None:
    ExportJob.objects.filter(pk=job_id, status=jobs.FAILED).update(sealing_key_encrypted="")


EXPORT_JOBS = jobs.JobKind(
    model=ExportJob,
    task="portability.tasks.export_build",
    not_started=gettext_noop(
        "The export could not be started: the wallet's background service is unavailable. "
        "Please ask for it again in a few minutes."
    ),
    gave_up=gettext_noop(
        "The export stopped unexpectedly several times and was given up. Please ask for it "
        "again, and ask for help if it keeps happening."
    ),
    forget=_forget_sealing_key,
)


def export_jobs_sweep(*, now: datetime | None = None) -> int:
    """Resume or fail every stalled export job (see `config.jobs`)."""
    return jobs.jobs_sweep(EXPORT_JOBS, now=now)


EXPORT_LINK_LIFETIME = timedelta(hours=24)
# Expired jobs are kept (empty) a while so their old link says "expired", not "not found".
EXPORT_JOB_RETENTION = timedelta(days=30)


def export_job_create(
    *,
    owner: User,
    passphrase: str = "",
    include_holder_key: bool = False,
    credential_ids: list[int] | None = None,
    now: datetime | None = None,
) -> ExportJob:
    """Record an export request and build it in a task once committed.

    Raises ValidationError for a passphrase that is too short, or a holder key asked for
    without one. The passphrase itself is never stored: only the key derived from it.
    """
    now = now or timezone.now()
    if credential_ids is not None:
        _check_chosen(owner, credential_ids)
    if include_holder_key and not passphrase:
        raise ValidationError(
            gettext("Your holder key is only exported inside an encrypted export.")
        )
    if passphrase and len(passphrase) < export_crypto.MIN_PASSPHRASE:
        raise ValidationError(
            gettext("Choose a passphrase of at least %(min_passphrase)s characters.")
            % {"min_passphrase": export_crypto.MIN_PASSPHRASE}
        )
    sealing = ""
    if passphrase:
        key = export_crypto.derive_key(passphrase)
        sealing = crypto.encrypt(json.dumps(key.to_dict()).encode())
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        job = ExportJob.objects.create(
            owner=owner,
            credential_ids=sorted(set(credential_ids)) if credential_ids is not None else None,
            encrypted=bool(passphrase),
            include_holder_key=include_holder_key,
            sealing_key_encrypted=sealing,
            token_hash=export_token_hash(token),
            token_encrypted=crypto.encrypt(token.encode()),
            created_at=now,
            expires_at=now + EXPORT_LINK_LIFETIME,
            heartbeat_at=now,
        )
        audit_record(
            user=owner,
            action="export.requested",
            target=job,
            detail={"encrypted": job.encrypted, "holder_key": include_holder_key},
            now=now,
        )
        enqueue_on_commit(
            EXPORT_JOBS.task,
            job.pk,
            on_failure=lambda: jobs.job_not_started(EXPORT_JOBS, job_id=job.pk),
        )
    return job


def _check_chosen(owner: User, credential_ids: list[int]) -> None:
    owned = record_credentials(owner=owner, pks=credential_ids)
    if not credential_ids or owned.count() != len(set(credential_ids)):
        raise ValidationError(gettext("Some of the chosen credentials are not in your record."))


def export_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def export_job_token(job: ExportJob) -> str:
    """The job's download token, for its owner's page (stored encrypted, found by hash)."""
    return crypto.decrypt(job.token_encrypted).decode()


def export_job_run(*, job_id: int, run_id: str = "", now: datetime | None = None) -> ExportJob:
    """Build a job's export, recording progress.

    Safe to run again (see `config.jobs`): a finished job, or one another run
    holds, is left alone; an interrupted one is built again from the start.
    """
    try:
        job = jobs.job_claim(EXPORT_JOBS, job_id=job_id, run_id=run_id)
    except jobs.JobTaken:
        return ExportJob.objects.get(pk=job_id)
    if jobs.job_gave_up(EXPORT_JOBS, job):
        return ExportJob.objects.get(pk=job_id)
    sealing = None
    if job.sealing_key_encrypted:
        sealing = SealingKey.from_dict(json.loads(crypto.decrypt(job.sealing_key_encrypted)))

    def progress(done: int, total: int) -> None:
        jobs.job_beat(EXPORT_JOBS, job_id=job.pk, run_id=run_id, done=done, total=total)

    try:
        export = export_archive(
            owner=job.owner,
            now=now or timezone.now(),
            credential_ids=job.credential_ids,
            sealing_key=sealing,
            include_holder_key=job.include_holder_key,
            progress=progress,
        )
    except OperationalError:
        raise  # the database is away: the task retries the job from the start
    except jobs.JobTaken:
        logger.warning("export job %s was handed to another run; this one stops", job.pk)
        return ExportJob.objects.get(pk=job.pk)
    except SoftTimeLimitExceeded:
        return _finish_job(job, None, now, run_id, TOOK_TOO_LONG)
    except Exception:  # the earner sees a failed job, not a page stuck on "building"
        logger.exception("export job %s failed", job.pk)
        return _finish_job(job, None, now, run_id, COULD_NOT_BUILD)
    return _finish_job(job, export, now, run_id)


# Stored in English, translated when the job's page shows them.
COULD_NOT_BUILD = gettext_noop(
    "The export could not be built. Try again, or ask for help if it persists."
)
TOOK_TOO_LONG = gettext_noop(
    "The export took longer than the wallet allows and was stopped. Try again, perhaps with "
    "fewer credentials chosen, or ask for help if it persists."
)


def _finish_job(
    job: ExportJob,
    export: ExportFile | None,
    now: datetime | None,
    run_id: str,
    failure: str = COULD_NOT_BUILD,
) -> ExportJob:
    finished = now or timezone.now()
    fields: dict[str, Any] = {
        "sealing_key_encrypted": "",  # the key is not kept once the file is sealed
        "finished_at": finished,
        "expires_at": finished + EXPORT_LINK_LIFETIME,
    }
    if export is None:
        fields |= {"status": ExportJob.Status.FAILED, "message": failure}
    else:
        fields |= {
            "status": ExportJob.Status.DONE,
            "data": export.data,
            "filename": export.filename,
            "size": len(export.data),
            "sha256": hashlib.sha256(export.data).hexdigest(),
            "total": export.credentials,
            "done": export.credentials,
            "contents": export.contents.as_dict(),
            "message": (message := _job_message(export)),
            "message_i18n": template_of(message),
        }
    with transaction.atomic():
        held = jobs.job_finish(EXPORT_JOBS, job_id=job.pk, run_id=run_id, **fields)
        if held and export is not None:
            audit_record(
                user=job.owner,
                action="record.exported",
                target=job,
                detail={"credentials": export.credentials, "encrypted": export.encrypted},
                now=finished,
            )
    return ExportJob.objects.get(pk=job.pk)


def _job_message(export: ExportFile) -> str:
    """What the export's page says besides its contents (`contents`): the CLR bundle's notes."""
    excluded = len(export.clr_excluded)
    left_out = (
        SaidPlural(
            "%(count)s could not go into the CLR bundle and travels in the export's "
            "credentials/ folder instead.",
            "%(count)s could not go into the CLR bundle and travel in the export's "
            "credentials/ folder instead.",
            excluded,
            count=excluded,
        )
        if excluded
        else None
    )
    if left_out and export.clr_note:
        return Said("%(left_out)s %(note)s", left_out=left_out, note=export.clr_note)
    return left_out or export.clr_note


def export_jobs_purge(*, now: datetime | None = None) -> int:
    """Empty every export whose link expired; forget jobs long past it. Returns files emptied."""
    now = now or timezone.now()
    ExportJob.objects.filter(expires_at__lt=now - EXPORT_JOB_RETENTION).delete()
    return (
        ExportJob.objects.filter(expires_at__lte=now)
        .exclude(data=b"")
        .update(data=b"", sealing_key_encrypted="")
    )
