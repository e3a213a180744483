"""Notices: what the earner should know about a credential, shown on the record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wallet.models import Credential, Notice


def notice_post(
    *, owner: Any, credential: Credential, kind: str, message: str, now: datetime
) -> Notice:
    """Tell the earner something about one of their credentials (it arrived from a tool)."""
    return Notice.objects.create(
        owner=owner, credential=credential, kind=kind, message=message, created_at=now
    )
