"""Celery entry points of intake: ids in, one service called (see `config.jobs` for how a
job's task is safe to run again and what its time limits are)."""

from __future__ import annotations

from celery import Task, shared_task
from django.utils import timezone

from config.jobs import JOB_LIMITS, RETRY_ON_DATABASE_ERRORS
from intake.services import receiving, refresh, zips


def _import_zip(task: Task, batch_id: int) -> str:
    return zips.zip_batch_run(batch_id=batch_id, run_id=task.request.id or "").status


def _sweep_stalled_imports() -> int:
    return zips.import_batches_sweep()


def _receive_poll(attempt_id: int) -> str:
    attempt = receiving.receive_poll(attempt_id=attempt_id, now=timezone.now())
    return attempt.state if attempt is not None else "gone"


def _receive_poll_due() -> int:
    return receiving.receive_poll_due(now=timezone.now())


def _refresh_expiring() -> int:
    return refresh.refresh_expiring(now=timezone.now())


import_zip = shared_task(
    name="intake.tasks.import_zip",
    bind=True,
    **JOB_LIMITS,
    **RETRY_ON_DATABASE_ERRORS,
)(_import_zip)
sweep_stalled_imports = shared_task(
    name="intake.tasks.sweep_stalled_imports",
)(_sweep_stalled_imports)

receive_poll = shared_task(name="intake.tasks.receive_poll", **RETRY_ON_DATABASE_ERRORS)(
    _receive_poll
)
receive_poll_due = shared_task(name="intake.tasks.receive_poll_due")(_receive_poll_due)
refresh_expiring = shared_task(name="intake.tasks.refresh_expiring")(_refresh_expiring)

# Before issue 11 this task lived in `wallet.tasks`: a message queued under that name before
# an upgrade still runs, as the same task under its old name.
shared_task(
    name="wallet.tasks.import_zip",
    bind=True,
    **JOB_LIMITS,
    **RETRY_ON_DATABASE_ERRORS,
)(_import_zip)
