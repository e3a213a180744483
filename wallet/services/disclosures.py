"""The history of what the learner sent: one row per presentation that carried credentials,
written with its audit row in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from wallet.models import Credential, Disclosure
from wallet.services.audit import audit_record


@transaction.atomic
def disclosure_record(
    *,
    owner: User,
    protocol: str,
    credentials: Sequence[Credential],
    recipient_name: str = "",
    recipient_origin: str = "",
    purpose: str = "",
    now: datetime | None = None,
) -> Disclosure:
    """Record that `credentials` (the owner's own) were sent to a recipient."""
    if any(credential.owner_id != owner.pk for credential in credentials):
        raise ValueError("a disclosure lists only the owner's own credentials")
    disclosure = Disclosure.objects.create(
        owner=owner,
        sent_at=now or timezone.now(),
        protocol=protocol,
        recipient_name=recipient_name[:200],
        recipient_origin=recipient_origin[:2000],
        titles=[credential.display_title for credential in credentials],
        purpose=purpose,
    )
    disclosure.credentials.set(credentials)
    audit_record(
        user=owner,
        action="credentials.disclosed",
        target=disclosure,
        detail={"protocol": protocol, "to": recipient_origin, "count": len(credentials)},
        now=disclosure.sent_at,
    )
    return disclosure
