"""Celery entry points: ids in, one service called."""

from __future__ import annotations

from celery import shared_task

from wallet.services import imports, reverify, trash


@shared_task(acks_late=True)
def import_zip(batch_id: int) -> str:
    return imports.zip_batch_run(batch_id=batch_id).status


@shared_task(acks_late=True)
def reverify_due() -> int:
    return reverify.reverify_due()


@shared_task(acks_late=True)
def purge_expired_trash() -> int:
    return trash.purge_expired_trash()
