"""Holder DIDs: did:key of the Ed25519 holder key and of its P-256 companion (multicodec
p256-pub 0x1200, compressed point, `zDn…`), and did:jwk, derived by the verification library.

Using the library's derivation keeps the DID we show and the DID the verifier resolves the same.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from wallet.verification.keys import did_jwk_from_key, ed25519_multikey
from wallet.verification.keys import did_key_from_public_key as _did_key_from_public_key


def ed25519_public_multibase(public_key: Ed25519PublicKey) -> str:
    """`publicKeyMultibase` (`z6Mk…`): multicodec 0xed01 + base58btc."""
    return ed25519_multikey(public_key.public_bytes_raw())


def did_key_from_public_key(public_key: Ed25519PublicKey | ec.EllipticCurvePublicKey) -> str:
    return _did_key_from_public_key(public_key)


def did_jwk_from_public_key(public_key: Ed25519PublicKey | ec.EllipticCurvePublicKey) -> str:
    return did_jwk_from_key(public_key)


def verification_method_id(did: str) -> str:
    """The key's own verification method: `did:key:z…#z…`."""
    return f"{did}#{did.removeprefix('did:key:')}"
