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
from django.contrib.auth import get_user_model
from django.utils import timezone

from config.jobs import JOB_LIMITS
from wallet.services import case, registries, reverify, trash


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


@shared_task(**JOB_LIMITS)
def lookup_case_items(user_id: int) -> int:
    """Look up the CASE items one learner's credentials align to (they asked); how many."""
    owner = get_user_model().objects.filter(pk=user_id).first()
    if owner is None:
        return 0
    return case.case_items_lookup(owner=owner, now=timezone.now()).resolved


@shared_task(**JOB_LIMITS)
def refresh_case_items() -> int:
    """The rare refresh of CASE items already looked up."""
    return case.case_items_refresh(now=timezone.now())


@shared_task
def recheck_credential(credential_id: int) -> str:
    """One credential checked again (a share's viewer saw a stale verdict); the new verdict."""
    run = reverify.credential_recheck(credential_id=credential_id)
    return run.verdict if run is not None else ""
