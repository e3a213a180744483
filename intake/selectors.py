"""Reads of imports in progress, scoped to their owner."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from accounts.models import User
from intake.models import ImportBatch


def access_import_batch(*, owner: User, batch_id: Any) -> ImportBatch:
    """The owner's import batch, or Http404 (also for anyone else's)."""
    try:
        pk = int(batch_id)
    except (TypeError, ValueError):
        raise Http404("No such import.") from None
    batch = ImportBatch.objects.filter(owner=owner, pk=pk).first()
    if batch is None:
        raise Http404("No such import.")
    return batch
