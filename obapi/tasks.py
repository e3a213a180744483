"""Tasks: ids in, a service called. The beat visits every connected badge platform daily and
prunes the connected tools' access log."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from config.celery import enqueue
from obapi.badge_hosts import badge_host_sync, badge_hosts_due
from obapi.tools import tool_access_prune


@shared_task(name="obapi.tasks.sync_badge_host")
def sync_badge_host(host_id: int) -> None:
    badge_host_sync(host_id=host_id, now=timezone.now())


@shared_task(name="obapi.tasks.sync_badge_hosts")
def sync_badge_hosts() -> None:
    for host_id in badge_hosts_due(now=timezone.now()):
        enqueue("obapi.tasks.sync_badge_host", host_id)


@shared_task(name="obapi.tasks.prune_tool_access", acks_late=True)
def prune_tool_access() -> int:
    return tool_access_prune(now=timezone.now())
