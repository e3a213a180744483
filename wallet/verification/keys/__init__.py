"""Keys: resolving verification methods (did:key, did:jwk, did:web, controller documents)."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from ..multiformats import ED25519_PUB, encode_multikey
from .documents import VerificationMethod
from .errors import (
    InvalidKey,
    KeyNotFound,
    KeyResolutionError,
    KeyUnreachable,
    PurposeNotAllowed,
    UnsupportedKey,
)
from .material import (
    PublicKey,
    did_jwk_from_key,
    jwk_from_key,
    key_from_jwk,
    key_from_multikey,
    multikey_from_key,
    same_key,
)
from .resolve import resolve_verification_method

__all__ = [
    "InvalidKey",
    "KeyNotFound",
    "KeyResolutionError",
    "KeyUnreachable",
    "PublicKey",
    "PurposeNotAllowed",
    "UnsupportedKey",
    "VerificationMethod",
    "did_jwk_from_key",
    "did_key_from_public_key",
    "ed25519_multikey",
    "jwk_from_key",
    "key_from_jwk",
    "key_from_multikey",
    "multikey_from_key",
    "resolve_verification_method",
    "same_key",
]


def did_key_from_public_key(key: ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey) -> str:
    """The did:key of an Ed25519 or P-256 (or P-384) public key."""
    return "did:key:" + multikey_from_key(key)


def ed25519_multikey(public_bytes: bytes) -> str:
    """`publicKeyMultibase` of a raw 32-byte Ed25519 public key (`z6Mk…`)."""
    return encode_multikey(ED25519_PUB, public_bytes)
