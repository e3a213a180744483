"""did:key for Ed25519 holder keys: multicodec 0xed01 + base58btc, so the DIDs start `z6Mk`.

Kept local to accounts so the holder identity does not depend on the verification library;
both derive the same identifier, which the tests pin with the W3C eddsa test vector.
"""

from __future__ import annotations

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

_ED25519_PUB_HEADER = b"\xed\x01"


def ed25519_public_multibase(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "z" + base58.b58encode(_ED25519_PUB_HEADER + raw).decode("ascii")


def did_key_from_public_key(public_key: Ed25519PublicKey) -> str:
    return f"did:key:{ed25519_public_multibase(public_key)}"


def verification_method_id(did: str) -> str:
    """The key's own verification method: `did:key:z…#z…`."""
    return f"{did}#{did.removeprefix('did:key:')}"
