"""Writes for the earner's account: holder keys and account deletion."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from accounts import crypto
from accounts.dids import did_key_from_public_key, ed25519_public_multibase, verification_method_id
from accounts.models import HolderKey, User
from accounts.selectors import holder_key_current

logger = logging.getLogger(__name__)


class HolderKeyTaken(ValueError):
    """The key being imported is already held by another account on this wallet."""


@dataclass(frozen=True)
class HolderSigningKey:
    did: str
    verification_method: str
    private_key: Ed25519PrivateKey


def _new_key(*, user: User, now: datetime) -> HolderKey:
    private_key = Ed25519PrivateKey.generate()
    raw = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return HolderKey.objects.create(
        user=user,
        did=did_key_from_public_key(private_key.public_key()),
        public_key_multibase=ed25519_public_multibase(private_key.public_key()),
        private_key_encrypted=crypto.encrypt(raw),
        created_at=now,
    )


def holder_key_create(*, user: User, now: datetime | None = None) -> HolderKey:
    """Give the user a holder key unless they already have a current one (idempotent).

    Called when an account is made (sign-up, school sign-in) and by whatever is about to sign
    (`accounts.signing`, the services below), so that a user made another way (an admin, a
    command) gets a key when one is first needed. Nothing else creates keys: reading the
    current one (`accounts.selectors.holder_key_current`) never does, so a public page that
    shows the DID writes nothing.
    """
    existing = holder_key_current(user=user)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _new_key(user=user, now=now or timezone.now())
    except IntegrityError:
        # Another request created it between our read and our insert.
        return HolderKey.objects.get(user=user, retired_at__isnull=True)


@transaction.atomic
def holder_key_rotate(*, user: User, now: datetime | None = None) -> HolderKey:
    """Retire the current key and make a new one; retired keys are kept, never deleted."""
    now = now or timezone.now()
    # Lock the user's row so two rotations cannot both retire the same key.
    User.objects.select_for_update().filter(pk=user.pk).first()
    HolderKey.objects.filter(user=user, retired_at__isnull=True).update(retired_at=now)
    key = _new_key(user=user, now=now)
    logger.info("holder key rotated for user %s: now %s", user.pk, key.did)
    return key


@transaction.atomic
def holder_key_import(
    *,
    user: User,
    private_key_bytes: bytes,
    created_at: datetime | None = None,
    retired_at: datetime | None = None,
    now: datetime | None = None,
) -> HolderKey:
    """Bring back a key the user held elsewhere (a restored export), under the DID it names.

    Without `retired_at` it becomes the current key and the current one is retired, as a
    rotation would; with it, it comes back retired, so the DIDs of presentations signed with
    it stay listed. A key the user already holds is returned unchanged (restoring twice
    changes nothing). Raises HolderKeyTaken if another account holds it, ValueError if the
    bytes are not a raw 32-byte Ed25519 private key.
    """
    private_key = Ed25519PrivateKey.from_private_bytes(private_key_bytes)
    did = did_key_from_public_key(private_key.public_key())
    now = now or timezone.now()
    # Lock the user's row so an import and a rotation cannot both leave a current key.
    User.objects.select_for_update().filter(pk=user.pk).first()
    held = HolderKey.objects.filter(did=did).first()
    if held is not None and held.user_id != user.pk:
        raise HolderKeyTaken(gettext("Another account on this wallet holds this key."))
    if held is not None:
        return held
    if retired_at is None:
        HolderKey.objects.filter(user=user, retired_at__isnull=True).update(retired_at=now)
    key = HolderKey.objects.create(
        user=user,
        did=did,
        public_key_multibase=ed25519_public_multibase(private_key.public_key()),
        private_key_encrypted=crypto.encrypt(bytes(private_key_bytes)),
        created_at=created_at or now,
        retired_at=retired_at,
    )
    logger.info("holder key imported for user %s: %s", user.pk, did)
    return key


def holder_private_key(*, user: User) -> Ed25519PrivateKey:
    return holder_signing_key(user=user).private_key


def holder_signing_key(*, user: User) -> HolderSigningKey:
    """The current private key together with the DID and verification method that name it."""
    key = holder_key_create(user=user)
    raw = crypto.decrypt(key.private_key_encrypted)
    return HolderSigningKey(
        did=key.did,
        verification_method=verification_method_id(key.did),
        private_key=Ed25519PrivateKey.from_private_bytes(raw),
    )


def holder_signing_keys(*, user: User) -> list[HolderSigningKey]:
    """Every key the user has held, current first: a credential issued before a rotation
    stays bound to the key it was issued to, and only that key can present it."""
    holder_key_create(user=user)
    keys = HolderKey.objects.filter(user=user).order_by(F("retired_at").desc(nulls_first=True))
    return [
        HolderSigningKey(
            did=key.did,
            verification_method=verification_method_id(key.did),
            private_key=Ed25519PrivateKey.from_private_bytes(
                crypto.decrypt(key.private_key_encrypted)
            ),
        )
        for key in keys
    ]


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete the user and, through on_delete=CASCADE, every row that belongs to them."""
    user_id = user.pk
    user.delete()
    logger.info("account %s deleted with all its data", user_id)


def user_language_set(*, user: User, language: str) -> None:
    """Keep the learner's language ("" follows the browser); one of settings.LANGUAGES."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValueError(f"Satchel is not translated into {language!r}.")
    user.language = language
    user.save(update_fields=["language"])
