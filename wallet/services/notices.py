"""Notices the record shows the learner about credentials that changed or arrived while they
were away (a re-check's notices are written by `reverify`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from accounts.models import User
from wallet.models import Credential, Notice


def notices_of_arrival(
    *, owner: User, credential_ids: Sequence[int], sender: str, now: datetime
) -> int:
    """One notice per credential that arrived later than the learner asked for it (an
    issuer's deferred issuance): “Title” from Issuer has arrived from <sender>."""
    credentials = Credential.objects.filter(owner=owner, pk__in=list(credential_ids))
    notices = [
        Notice(
            owner=owner,
            credential=credential,
            kind=credential.verdict,
            message=f"“{credential.title or 'A credential'}” has arrived from {sender}.",
            created_at=now,
        )
        for credential in credentials
    ]
    Notice.objects.bulk_create(notices)
    return len(notices)


def notice_post(
    *, owner: User, credential: Credential, kind: str, message: str, now: datetime
) -> Notice:
    """Tell the earner something about one of their credentials (it arrived from a tool)."""
    return Notice.objects.create(
        owner=owner, credential=credential, kind=kind, message=message, created_at=now
    )
