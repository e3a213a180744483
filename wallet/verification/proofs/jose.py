"""Compact JWS: decoding and signature checks with an allow-list of algorithms.

INTERIM: the signatures of these functions are fixed; the keys/proofs work completes them.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from ..errors import MalformedInput, UnsupportedInput

# Never "none", never HMAC: a shared secret proves nothing about an issuer.
ALLOWED_ALGS = frozenset({"EdDSA", "Ed25519", "ES256", "ES384", "RS256", "PS256"})

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise MalformedInput("The token is not valid base64url.", detail=str(exc)) from exc


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class CompactJws:
    header: dict[str, Any]
    payload: bytes
    signing_input: bytes
    signature: bytes

    @property
    def alg(self) -> str:
        return str(self.header.get("alg", ""))

    def payload_json(self) -> Any:
        try:
            return json.loads(self.payload)
        except ValueError as exc:
            raise MalformedInput("The token's payload is not JSON.", detail=str(exc)) from exc


def decode_compact(token: str) -> CompactJws:
    """Split and decode a compact JWS without verifying it."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise MalformedInput("This is not a compact JWS (expected three dot-separated parts).")
    try:
        header = json.loads(b64url_decode(parts[0]))
    except ValueError as exc:
        raise MalformedInput("The token's header is not JSON.", detail=str(exc)) from exc
    if not isinstance(header, dict):
        raise MalformedInput("The token's header is not a JSON object.")
    return CompactJws(
        header=header,
        payload=b64url_decode(parts[1]),
        signing_input=f"{parts[0]}.{parts[1]}".encode(),
        signature=b64url_decode(parts[2]),
    )


def verify_compact_jws(jws: CompactJws, key: PublicKey) -> bool:
    """True when the signature verifies with `key` under the header's algorithm.

    Raises UnsupportedInput for algorithms outside ALLOWED_ALGS and for a key type that does
    not match the algorithm (a swapped key type is refused, never coerced).
    """
    alg = jws.alg
    if alg not in ALLOWED_ALGS:
        raise UnsupportedInput(
            f"The token is signed with '{alg or 'none'}', which this wallet does not accept.",
            code="proof.alg_refused",
        )
    try:
        if alg in ("EdDSA", "Ed25519"):
            if not isinstance(key, ed25519.Ed25519PublicKey):
                raise UnsupportedInput("The key type does not match EdDSA.", code="key.type_mismatch")
            key.verify(jws.signature, jws.signing_input)
        elif alg in ("ES256", "ES384"):
            curve, digest, size = (
                (ec.SECP256R1, hashes.SHA256, 32) if alg == "ES256" else (ec.SECP384R1, hashes.SHA384, 48)
            )
            if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, curve):
                raise UnsupportedInput(f"The key type does not match {alg}.", code="key.type_mismatch")
            if len(jws.signature) != 2 * size:
                return False
            r = int.from_bytes(jws.signature[:size], "big")
            s = int.from_bytes(jws.signature[size:], "big")
            key.verify(encode_dss_signature(r, s), jws.signing_input, ec.ECDSA(digest()))
        else:
            if not isinstance(key, rsa.RSAPublicKey):
                raise UnsupportedInput(f"The key type does not match {alg}.", code="key.type_mismatch")
            pad = (
                padding.PKCS1v15()
                if alg == "RS256"
                else padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
            )
            key.verify(jws.signature, jws.signing_input, pad, hashes.SHA256())
    except InvalidSignature:
        return False
    return True
