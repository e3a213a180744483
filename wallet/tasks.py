"""Celery entry points: ids in, one service called."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from wallet.services import imports, reverify, trash


@shared_task(acks_late=True, autoretry_for=(OperationalError,), max_retries=3, retry_backoff=True)
def import_zip(batch_id: int) -> str:
    # A retried batch re-imports from the start: what was stored comes back as duplicates.
    return imports.zip_batch_run(batch_id=batch_id).status


@shared_task(acks_late=True)
def reverify_due() -> int:
    return reverify.reverify_due()


@shared_task(acks_late=True)
def purge_expired_trash() -> int:
    return trash.purge_expired_trash()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), max_retries=3, retry_backoff=True)
def export_build(job_id: int) -> str:
    from wallet.services import portability

    return portability.export_job_run(job_id=job_id).status


@shared_task(acks_late=True)
def purge_expired_exports() -> int:
    from wallet.services import portability

    return portability.export_jobs_purge()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), max_retries=3, retry_backoff=True)
def recheck_restored(credential_ids: list[int]) -> int:
    from wallet.services import portability

    return portability.restored_recheck(credential_ids=credential_ids)
