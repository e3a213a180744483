"""Deleting moves to the trash for 30 days; emptying it, or time, removes the bytes for good."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from wallet.models import Credential
from wallet.services.audit import audit_record

TRASH_DAYS = 30


def credential_delete(*, credential: Credential, now: datetime | None = None) -> Credential:
    """Move a credential (and what it contains) to the trash."""
    now = now or timezone.now()
    with transaction.atomic():
        credential.deleted_at = now
        credential.save(update_fields=["deleted_at"])
        credential.children.update(deleted_at=now)
        audit_record(user=credential.owner, action="credential.deleted", target=credential, now=now)
    return credential


def credential_restore(*, credential: Credential, now: datetime | None = None) -> Credential:
    """Bring a credential back from the trash; refused once its 30 days have passed."""
    now = now or timezone.now()
    if credential.deleted_at is None:
        return credential
    if credential.deleted_at < now - timedelta(days=TRASH_DAYS):
        raise ValidationError(gettext("This credential was deleted over 30 days ago and is gone."))
    with transaction.atomic():
        credential.deleted_at = None
        credential.save(update_fields=["deleted_at"])
        credential.children.update(deleted_at=None)
        audit_record(
            user=credential.owner, action="credential.restored", target=credential, now=now
        )
    return credential


def trash_empty(*, owner: User, now: datetime | None = None) -> int:
    """Remove every trashed credential of `owner` for good; return how many records went."""
    with transaction.atomic():
        trashed = Credential.objects.filter(owner=owner, deleted_at__isnull=False)
        count = trashed.count()
        trashed.delete()
        audit_record(user=owner, action="trash.emptied", detail={"count": count}, now=now)
    return count


def purge_expired_trash(*, now: datetime | None = None) -> int:
    """Remove, for every owner, what has been in the trash for more than 30 days."""
    now = now or timezone.now()
    expired = Credential.objects.filter(deleted_at__lt=now - timedelta(days=TRASH_DAYS))
    count = expired.count()
    expired.delete()
    return count
