"""Secrets at rest: Fernet encryption with the keys in settings.SATCHEL_ENCRYPTION_KEYS.

The first key encrypts; every key decrypts, so a new key can be put first and the old ones kept
until everything encrypted with them has been re-encrypted or retired.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """The ciphertext was not made with any of the configured keys, or was altered."""


def _fernet() -> MultiFernet:
    # Built per call so a settings override (tests, key rotation on reload) takes effect.
    keys = list(getattr(settings, "SATCHEL_ENCRYPTION_KEYS", []) or [])
    if not keys:
        raise ImproperlyConfigured("Setting SATCHEL_ENCRYPTION_KEY: at least one key is required")
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(data: bytes) -> str:
    """Encrypt with the first configured key; the result is ASCII text, safe for a text column."""
    return _fernet().encrypt(data).decode("ascii")


def decrypt(token: str) -> bytes:
    """Decrypt with whichever configured key fits; raise DecryptionError if none does."""
    try:
        return _fernet().decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise DecryptionError(
            "Could not decrypt a stored secret: none of the keys in SATCHEL_ENCRYPTION_KEY "
            "opens it (was a key removed before its data was re-encrypted?)"
        ) from exc
