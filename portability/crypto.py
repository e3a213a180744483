"""Passphrase encryption of a whole export: scrypt for the key, AES-256-GCM for the bytes.

The file is a header followed by the ciphertext. The header names everything needed to derive
the key again (KDF, its parameters, the salt) and the nonce; it is the AEAD's associated data,
so a changed parameter fails authentication exactly like a changed byte of ciphertext or a
wrong passphrase. There is no way, and no need, to tell those apart: either way nothing is
restored.

    SATCHEL-EXPORT-1\\n <4-byte big-endian header length> <header JSON> <ciphertext + GCM tag>
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.utils.translation import gettext

MAGIC = b"SATCHEL-EXPORT-1\n"
# About 0.1 s and 32 MB per derivation on a server core; recorded in every file, so it can grow.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
# What a file may ask of us: a crafted header must not make restore burn a gigabyte of memory.
_ACCEPTED_N = frozenset({2**14, 2**15, 2**16, 2**17})
_MAX_HEADER = 1024
MIN_PASSPHRASE = 10


class ExportDecryptionError(ValueError):
    """Wrong passphrase, or a file that was changed or damaged after it was made."""


@dataclass(frozen=True)
class SealingKey:
    """A key derived from the passphrase, with the parameters that derive it again."""

    key: bytes
    salt: bytes
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key.hex(), "salt": self.salt.hex(), "n": self.n, "r": self.r,
                "p": self.p}  # fmt: skip

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SealingKey:
        return cls(
            key=bytes.fromhex(values["key"]),
            salt=bytes.fromhex(values["salt"]),
            n=int(values["n"]),
            r=int(values["r"]),
            p=int(values["p"]),
        )


def derive_key(passphrase: str, *, salt: bytes | None = None) -> SealingKey:
    """Derive a fresh sealing key (new random salt unless one is given)."""
    salt = salt if salt is not None else os.urandom(16)
    return SealingKey(key=_scrypt(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P), salt=salt)


def _scrypt(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def seal(data: bytes, sealing_key: SealingKey) -> bytes:
    """Encrypt `data` under the sealing key; a new random nonce each time."""
    nonce = os.urandom(12)
    header = json.dumps(
        {
            "cipher": "AES-256-GCM",
            "kdf": "scrypt",
            "n": sealing_key.n,
            "r": sealing_key.r,
            "p": sealing_key.p,
            "salt": sealing_key.salt.hex(),
            "nonce": nonce.hex(),
        },
        sort_keys=True,
    ).encode()
    prefix = MAGIC + struct.pack(">I", len(header)) + header
    return prefix + AESGCM(sealing_key.key).encrypt(nonce, data, prefix)


def is_sealed(data: bytes) -> bool:
    return data.startswith(MAGIC)


def unseal(blob: bytes, passphrase: str) -> bytes:
    """The plaintext, or ExportDecryptionError with a message for the earner."""
    header, prefix = _read_header(blob)
    try:
        salt = bytes.fromhex(header["salt"])
        nonce = bytes.fromhex(header["nonce"])
        n, r, p = int(header["n"]), int(header["r"]), int(header["p"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ExportDecryptionError(_DAMAGED) from exc
    if (header.get("kdf"), header.get("cipher")) != ("scrypt", "AES-256-GCM"):
        raise ExportDecryptionError(
            gettext("This export was encrypted in a way this wallet cannot read.")
        )
    if n not in _ACCEPTED_N or r != SCRYPT_R or p not in (1, 2) or len(nonce) != 12:
        raise ExportDecryptionError(_DAMAGED)
    key = _scrypt(passphrase, salt, n, r, p)
    try:
        return AESGCM(key).decrypt(nonce, blob[len(prefix) :], prefix)
    except InvalidTag as exc:
        raise ExportDecryptionError(_WRONG) from exc


_DAMAGED = "This encrypted export is damaged: it cannot be read."
_WRONG = (
    "The passphrase is wrong, or the file was changed or damaged after it was exported. "
    "Nothing was restored."
)


def _read_header(blob: bytes) -> tuple[dict[str, Any], bytes]:
    if not is_sealed(blob) or len(blob) < len(MAGIC) + 4:
        raise ExportDecryptionError(_DAMAGED)
    (length,) = struct.unpack(">I", blob[len(MAGIC) : len(MAGIC) + 4])
    if length > _MAX_HEADER:
        raise ExportDecryptionError(_DAMAGED)
    end = len(MAGIC) + 4 + length
    try:
        header = json.loads(blob[len(MAGIC) + 4 : end])
    except (UnicodeDecodeError, ValueError) as exc:
        raise ExportDecryptionError(_DAMAGED) from exc
    if not isinstance(header, dict):
        raise ExportDecryptionError(_DAMAGED)
    return header, blob[:end]
