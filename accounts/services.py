"""Writes for the earner's account: holder keys and account deletion."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from accounts import crypto
from accounts.dids import (
    did_jwk_from_public_key,
    did_key_from_public_key,
    ed25519_public_multibase,
    verification_method_id,
)
from accounts.models import HolderKey, User
from accounts.selectors import holder_key_current
from config import rawsql
from wallet.verification.caching import BoundedCache

logger = logging.getLogger(__name__)

# Private keys already decrypted in this process, by their stored ciphertext: decrypting
# (Fernet) and loading a key cost more than signing with it. Keyed by the ciphertext, so a
# rotated or re-encrypted key is a new entry; nothing here outlives what the process could
# decrypt again at any moment with the key it holds.
_UNSEALED_KEYS = 256
_unsealed: BoundedCache[str, Ed25519PrivateKey] = BoundedCache(_UNSEALED_KEYS)


class HolderKeyTaken(ValueError):
    """The key being imported is already held by another account on this wallet."""


@dataclass(frozen=True)
class HolderSigningKey:
    did: str
    verification_method: str
    private_key: Ed25519PrivateKey


@dataclass(frozen=True)
class HolderBindingKey:
    """A key a credential can be bound to (`cnf`) and presented with (a JWS): the Ed25519
    key (EdDSA) or its P-256 companion (ES256), named by its did:key."""

    did: str
    verification_method: str
    private_key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey

    @property
    def did_jwk(self) -> str:
        """The same key as a did:jwk, for an issuer that binds to those."""
        return did_jwk_from_public_key(self.private_key.public_key())


P256_SCALAR_BYTES = 32


def p256_private_bytes(private_key: ec.EllipticCurvePrivateKey) -> bytes:
    """The private scalar, big-endian in 32 bytes (how it is encrypted and exported)."""
    return private_key.private_numbers().private_value.to_bytes(P256_SCALAR_BYTES, "big")


def p256_from_private_bytes(raw: bytes) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from its 32-byte scalar; ValueError for anything else."""
    if len(raw) != P256_SCALAR_BYTES:
        raise ValueError("a P-256 private key is 32 bytes")
    return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())


def _p256_fields(private_key: ec.EllipticCurvePrivateKey | None = None) -> dict[str, str]:
    """The model fields of a P-256 key (a new one unless given): its did:key and the private
    scalar, encrypted at rest exactly as the Ed25519 key is."""
    private_key = private_key or ec.generate_private_key(ec.SECP256R1())
    return {
        "p256_did": did_key_from_public_key(private_key.public_key()),
        "p256_private_key_encrypted": crypto.encrypt(p256_private_bytes(private_key)),
    }


def _new_key(*, user: User, now: datetime) -> HolderKey:
    private_key = Ed25519PrivateKey.generate()
    raw = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return HolderKey.objects.create(
        user=user,
        did=did_key_from_public_key(private_key.public_key()),
        public_key_multibase=ed25519_public_multibase(private_key.public_key()),
        private_key_encrypted=crypto.encrypt(raw),
        **_p256_fields(),
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
    p256_private_key_bytes: bytes | None = None,
) -> HolderKey:
    """Bring back a key the user held elsewhere (a restored export), under the DID it names,
    with its P-256 companion when the export carries one (an export made before P-256 keys
    existed does not: the current key is then given a new one when one is first needed).

    Without `retired_at` it becomes the current key and the current one is retired, as a
    rotation would; with it, it comes back retired, so the DIDs of presentations signed with
    it stay listed. A key the user already holds is returned unchanged (restoring twice
    changes nothing). Raises HolderKeyTaken if another account holds it, ValueError if the
    bytes are not a raw 32-byte Ed25519 private key (or a 32-byte P-256 scalar).
    """
    private_key = Ed25519PrivateKey.from_private_bytes(private_key_bytes)
    p256 = (
        _p256_fields(p256_from_private_bytes(p256_private_key_bytes))
        if p256_private_key_bytes is not None
        else {}
    )
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
        **p256,
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
    return _signing_key(key.did, key.private_key_encrypted)


def holder_signing_key_of(*, user_id: int) -> HolderSigningKey:
    """holder_signing_key for a user known by id (a share link's owner, on every request for
    its presentation): one fixed statement when the user has a current key (compiling the
    ORM's query cost several times running it); the user is read only to make one."""
    alias = router.db_for_read(HolderKey)
    with connections[alias].cursor() as cursor:
        cursor.execute(_current_key_sql(alias), [user_id])
        row = cursor.fetchone()
    if row is None:
        key = holder_key_create(user=User.objects.get(pk=user_id))
        return _signing_key(key.did, key.private_key_encrypted)
    return _signing_key(row[0], row[1])


_current_key_statements: dict[str, str] = {}


def _current_key_sql(alias: str) -> str:
    """The DID and sealed private key of a user's current holder key, from the model."""
    if alias not in _current_key_statements:
        quote = connections[alias].ops.quote_name
        meta = HolderKey._meta

        def column(name: str) -> str:
            return quote(rawsql.concrete_field(HolderKey, name).column)

        _current_key_statements[alias] = rawsql.select(
            f"{column('did')}, {column('private_key_encrypted')}",
            quote(meta.db_table),
            f"{column('user')} = %s AND {column('retired_at')} IS NULL",
        )
    return _current_key_statements[alias]


def _signing_key(did: str, sealed: str) -> HolderSigningKey:
    private_key = _unsealed.get(sealed)
    if private_key is None:
        private_key = Ed25519PrivateKey.from_private_bytes(crypto.decrypt(sealed))
        _unsealed[sealed] = private_key
    return HolderSigningKey(
        did=did, verification_method=verification_method_id(did), private_key=private_key
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


def holder_p256_key(*, user: User) -> HolderBindingKey:
    """The current key's P-256 companion (ES256), made now if the current key has none yet
    (a key made or restored before P-256 keys existed)."""
    key = holder_key_create(user=user)
    if not key.p256_did:
        # Only fills an empty slot: a concurrent request that filled it first wins.
        HolderKey.objects.filter(pk=key.pk, p256_did="").update(**_p256_fields())
        key.refresh_from_db(fields=["p256_did", "p256_private_key_encrypted"])
        logger.info("P-256 holder key made for user %s: %s", user.pk, key.p256_did)
    return _p256_binding_key(key)


def _p256_binding_key(key: HolderKey) -> HolderBindingKey:
    return HolderBindingKey(
        did=key.p256_did,
        verification_method=verification_method_id(key.p256_did),
        private_key=p256_from_private_bytes(crypto.decrypt(key.p256_private_key_encrypted)),
    )


def holder_binding_keys(*, user: User) -> list[HolderBindingKey]:
    """Every key, Ed25519 and P-256, current and retired (current first), that a credential
    may have been bound to: only that key can present it with a Key Binding JWT."""
    binding: list[HolderBindingKey] = []
    for signing in holder_signing_keys(user=user):
        binding.append(HolderBindingKey(**vars(signing)))
    keys = HolderKey.objects.filter(user=user).exclude(p256_did="")
    for key in keys.order_by(F("retired_at").desc(nulls_first=True)):
        binding.append(_p256_binding_key(key))
    return binding


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
