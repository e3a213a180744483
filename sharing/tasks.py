"""Celery entry points for sharing: ids in, one service called."""

from __future__ import annotations

from celery import shared_task

from sharing import services


@shared_task(acks_late=True)
def prune_view_log() -> int:
    return services.share_view_log_prune()
