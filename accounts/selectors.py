"""Reads of the earner's account data, always scoped to the user."""

from __future__ import annotations

from django.db.models import F, QuerySet

from accounts.models import HolderKey, User


def holder_key_current(*, user: User) -> HolderKey | None:
    """The user's current key; None for a user made outside sign-up who has not signed
    anything yet (`accounts.services.holder_key_create` makes one). Only reads."""
    return HolderKey.objects.filter(user=user, retired_at__isnull=True).first()


def holder_keys_retired(*, user: User) -> QuerySet[HolderKey]:
    """Keys retired by rotation, newest first: the DIDs earlier presentations were signed with."""
    return HolderKey.objects.filter(user=user, retired_at__isnull=False).order_by("-retired_at")


def holder_dids(*, user: User) -> list[str]:
    """Every DID the user has held, current first."""
    keys = HolderKey.objects.filter(user=user).order_by(F("retired_at").desc(nulls_first=True))
    return [key.did for key in keys]
