"""Celery entry points: ids in, one service called.

Every task is acknowledged only once it finished and put back in the queue when the process
running it dies (settings: acks late, reject on worker lost), so each must be safe to run
again: the jobs are claimed and resumed through `config.jobs`, the rest redo
idempotent work. Every task has a soft and a hard time limit (settings: SATCHEL_TASK_TIME_LIMIT
for short tasks, SATCHEL_JOB_TIME_LIMIT for the long ones here); at the soft limit a job ends
failed with a message, never left "running".
"""

from __future__ import annotations

from celery import Task, shared_task

from config.jobs import JOB_LIMITS, RETRY_ON_DATABASE_ERRORS
from wallet.services import reverify, trash


@shared_task(**JOB_LIMITS)
def reverify_due() -> int:
    return reverify.reverify_due()


@shared_task
def purge_expired_trash() -> int:
    return trash.purge_expired_trash()


@shared_task(bind=True, **JOB_LIMITS, **RETRY_ON_DATABASE_ERRORS)
def export_build(self: Task, job_id: int) -> str:
    from wallet.services import portability

    return portability.export_job_run(job_id=job_id, run_id=self.request.id or "").status


@shared_task
def purge_expired_exports() -> int:
    from wallet.services import portability

    return portability.export_jobs_purge()


@shared_task(**JOB_LIMITS, **RETRY_ON_DATABASE_ERRORS)
def recheck_restored(credential_ids: list[int]) -> int:
    from wallet.services import portability

    return portability.restored_recheck(credential_ids=credential_ids)


@shared_task
def sweep_stalled_jobs() -> int:
    from wallet.services import portability

    return portability.export_jobs_sweep()
