"""Celery entry points of the record: ids in, one service called.

Every task is acknowledged only once it finished and put back in the queue when the process
running it dies (settings: acks late, reject on worker lost), so each must be safe to run
again: the jobs are claimed and resumed through `config.jobs`, the rest redo
idempotent work. Every task has a soft and a hard time limit (settings: SATCHEL_TASK_TIME_LIMIT
for short tasks, SATCHEL_JOB_TIME_LIMIT for the long ones here); at the soft limit a job ends
failed with a message, never left "running".
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from config.jobs import JOB_LIMITS
from wallet.services import registries, reverify, trash


@shared_task(**JOB_LIMITS)
def reverify_due() -> int:
    return reverify.reverify_due()


@shared_task
def purge_expired_trash() -> int:
    return trash.purge_expired_trash()


@shared_task
def refresh_issuer_registries() -> int:
    """Read the known issuer registries again; how many could be read."""
    return sum(r.read for r in registries.registries_refresh(now=timezone.now()))
