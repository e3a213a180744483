"""Celery entry points of portability: ids in, one service called (see `config.jobs` for how
a job's task is safe to run again and what its time limits are)."""

from __future__ import annotations

from celery import Task, shared_task

from config.jobs import JOB_LIMITS, RETRY_ON_DATABASE_ERRORS
from intake.services import zips
from portability import services
from wallet.services import reverify


def _export_build(task: Task, job_id: int) -> str:
    return services.export_job_run(job_id=job_id, run_id=task.request.id or "").status


def _restore_run(task: Task, job_id: int) -> str:
    return services.restore_job_run(job_id=job_id, run_id=task.request.id or "").status


def _purge_expired_exports() -> int:
    return services.export_jobs_purge()


def _recheck_restored(credential_ids: list[int]) -> int:
    return reverify.reverify_never_checked(credential_ids=credential_ids)


def _sweep_stalled_exports() -> int:
    """Every stalled export and restore job (the beat entry kept its first name)."""
    return services.export_jobs_sweep() + services.restore_jobs_sweep()


def _sweep_stalled_jobs() -> int:
    """What `wallet.tasks.sweep_stalled_jobs` did before issue 11: every stalled job."""
    return zips.import_batches_sweep() + _sweep_stalled_exports()


_BUILD = {**JOB_LIMITS, **RETRY_ON_DATABASE_ERRORS}
_RECHECK = {**JOB_LIMITS, **RETRY_ON_DATABASE_ERRORS}

export_build = shared_task(name="portability.tasks.export_build", bind=True, **_BUILD)(
    _export_build
)
restore_run = shared_task(name="portability.tasks.restore_run", bind=True, **_BUILD)(_restore_run)
purge_expired_exports = shared_task(name="portability.tasks.purge_expired_exports")(
    _purge_expired_exports
)
recheck_restored = shared_task(name="portability.tasks.recheck_restored", **_RECHECK)(
    _recheck_restored
)
sweep_stalled_exports = shared_task(name="portability.tasks.sweep_stalled_exports")(
    _sweep_stalled_exports
)

# Before issue 11 these tasks lived in `wallet.tasks`: a message queued under those names
# before an upgrade still runs, as the same task under its old name.
shared_task(name="wallet.tasks.export_build", bind=True, **_BUILD)(_export_build)
shared_task(name="wallet.tasks.purge_expired_exports")(_purge_expired_exports)
shared_task(name="wallet.tasks.recheck_restored", **_RECHECK)(_recheck_restored)
shared_task(name="wallet.tasks.sweep_stalled_jobs")(_sweep_stalled_jobs)
