"""How background jobs (ZIP import batches, export jobs) stay alive, and what happens when
they do not. Each app describes its kind of job with a `JobKind` (its model, the task that
runs it, what the learner reads when it fails); the rows and the rules are the same for all.

A job row holds its state; a task run *claims* it before working (`job_claim`), proves it is
alive while working (`job_beat`, with each bit of progress) and finishes it only while it
still holds it (`job_finish`). So:

- a message delivered twice (after a worker died, after a broker blip, a duplicate sent by
  the sweep) never runs one job twice at once: the second run finds it held, and leaves;
- a run whose process died is noticed by the beat task `jobs_sweep`: a job whose last sign of
  life is older than `SATCHEL_JOB_STALL_SECONDS` is handed to a new run, which resumes it
  (an import continues after the files it had settled), up to `MAX_RUNS` runs; after that,
  or a job never picked up for `NEVER_STARTED_AFTER`, it fails with a message saying so;
- a job the broker would not take at all (Redis down) fails at once (`job_not_started`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import OperationalError, models
from django.db.models import F, Q
from django.utils import timezone

from config.celery import enqueue

logger = logging.getLogger(__name__)

PENDING, RUNNING, FAILED = "pending", "running", "failed"
# A job is run at most this many times (the tasks retry three times on database errors), so
# a file that kills its worker every time cannot loop forever.
MAX_RUNS = 4
# A job no worker picked up for this long (workers down, queue lost) is given up.
NEVER_STARTED_AFTER = timedelta(hours=6)

# Options of the tasks that run long jobs (an import, an export, a batch of re-checks). The
# hard limit follows the soft one by a minute: time to write the job's failure.
JOB_LIMITS: dict[str, Any] = {
    "soft_time_limit": settings.SATCHEL_JOB_TIME_LIMIT,
    "time_limit": settings.SATCHEL_JOB_TIME_LIMIT + 60,
}
RETRY_ON_DATABASE_ERRORS: dict[str, Any] = {
    "autoretry_for": (OperationalError,),
    "max_retries": 3,
    "retry_backoff": True,
}


def _nothing_kept(job_id: int) -> None:
    """A kind of job that holds nothing beyond its row."""


@dataclass(frozen=True)
class JobKind:
    """A kind of background job. Its rows carry status, message, created_at, finished_at and
    the liveness columns claimed_by, heartbeat_at and attempts."""

    model: type[models.Model]
    # The name of the task that runs one job, given the job's id.
    task: str
    # What the learner reads when the job could not be started, or was given up.
    not_started: str
    gave_up: str
    # Forgets what a failed job held (an uploaded archive, a sealing key).
    forget: Callable[[int], None] = _nothing_kept


class JobTaken(Exception):
    """This run does not (or no longer) hold its job: stop without writing."""


def stall_after() -> timedelta:
    return timedelta(seconds=settings.SATCHEL_JOB_STALL_SECONDS)


def job_claim(kind: JobKind, *, job_id: int, run_id: str, now: datetime | None = None) -> Any:
    """Take the job for this run, counting the run. Raises JobTaken when it is finished or
    another live run holds it."""
    now = now or timezone.now()
    # A job held by a run that beat recently is left alone, even by the same message
    # delivered again: the run holding it may well be alive (a message comes back after a
    # broker blip while its task still runs). If that run died, the job falls silent and is
    # taken over once `stall_after()` has passed, by the sweep or by the next delivery.
    free = Q(status=PENDING) | Q(heartbeat_at__lt=now - stall_after()) | Q(heartbeat_at=None)
    model = kind.model
    claimed = (
        model._default_manager.filter(pk=job_id, status__in=(PENDING, RUNNING))
        .filter(free)
        .update(status=RUNNING, claimed_by=run_id, heartbeat_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        raise JobTaken(f"{model.__name__} {job_id} is finished or held by another run")
    return model._default_manager.select_related("owner").get(pk=job_id)


def job_gave_up(kind: JobKind, job: Any) -> bool:
    """After a claim: fail the job rather than run it more than MAX_RUNS times."""
    if job.attempts <= MAX_RUNS:
        return False
    _fail(kind, job.pk, kind.gave_up, timezone.now())
    return True


def job_beat(kind: JobKind, *, job_id: int, run_id: str, **progress: Any) -> None:
    """Record progress and a sign of life; raises JobTaken if the job was handed on."""
    if not _held(kind, job_id, run_id).update(heartbeat_at=timezone.now(), **progress):
        raise JobTaken(f"{kind.model.__name__} {job_id} was handed to another run")


def job_finish(kind: JobKind, *, job_id: int, run_id: str, **fields: Any) -> bool:
    """Write the job's final state if this run still holds it."""
    return bool(_held(kind, job_id, run_id).update(heartbeat_at=timezone.now(), **fields))


def _held(kind: JobKind, job_id: int, run_id: str) -> Any:
    return kind.model._default_manager.filter(pk=job_id, status=RUNNING, claimed_by=run_id)


def job_not_started(kind: JobKind, *, job_id: int) -> None:
    """The broker would not take the job's task: fail it with a message, at once."""
    now = timezone.now()
    kind.model._default_manager.filter(pk=job_id, status=PENDING).update(
        status=FAILED, message=kind.not_started, finished_at=now, heartbeat_at=now
    )
    _after_failure(kind, job_id)


def jobs_sweep(kind: JobKind, *, now: datetime | None = None) -> int:
    """Hand every stalled job of `kind` to a new run, or fail it; return how many were
    touched."""
    now = now or timezone.now()
    model = kind.model
    cutoff = now - stall_after()
    touched = 0
    # Rows of the app's own model: the columns JobKind's docstring names, which Model lacks.
    stalled: models.QuerySet[Any] = model._default_manager.filter(
        status__in=(PENDING, RUNNING)
    ).filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at=None, created_at__lt=cutoff))
    for job in stalled.only("pk", "status", "attempts", "created_at"):
        touched += 1
        if _give_up(job, now):
            logger.warning("giving up %s %s after %s runs", model.__name__, job.pk, job.attempts)
            _fail(kind, job.pk, kind.gave_up if job.attempts else kind.not_started, now)
            continue
        logger.warning("resuming stalled %s %s (%s)", model.__name__, job.pk, job.status)
        # Waiting again: whichever message arrives first claims it; the run that stalled,
        # should it wake up, finds it handed on at its next beat and stops.
        model._default_manager.filter(pk=job.pk, status=job.status).update(
            status=PENDING, claimed_by="", heartbeat_at=now
        )
        enqueue(kind.task, job.pk)
    return touched


def _give_up(job: Any, now: datetime) -> bool:
    if job.status == RUNNING:
        return job.attempts >= MAX_RUNS
    return job.created_at < now - NEVER_STARTED_AFTER


def _fail(kind: JobKind, job_id: int, message: str, now: datetime) -> None:
    kind.model._default_manager.filter(pk=job_id, status__in=(PENDING, RUNNING)).update(
        status=FAILED, message=message, finished_at=now, heartbeat_at=now, claimed_by=""
    )
    _after_failure(kind, job_id)


def _after_failure(kind: JobKind, job_id: int) -> None:
    # Nothing a failed job held is kept: not the archive, not the export's sealing key.
    kind.forget(job_id)
