"""Audit rows: every earner-visible change that matters leaves one, in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone

from accounts.models import User
from wallet.models import AuditEvent


def audit_record(
    *,
    user: User,
    action: str,
    target: models.Model | None = None,
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Record that `user` did `action` (e.g. "credential.imported") to `target`."""
    return AuditEvent.objects.create(
        user=user,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        detail=detail or {},
        created_at=now or timezone.now(),
    )
