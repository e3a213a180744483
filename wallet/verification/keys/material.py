"""Key material -> `cryptography` public key objects: Multikey, did:key bytes and JWKs.

Every decoder validates what it decodes (length, point on the curve, RSA size), and refuses a
JWK that carries private material: a private key published in a document is compromised.
"""

from __future__ import annotations

import base64
import binascii
import json
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ..errors import MalformedInput, UnsupportedKeyType
from ..messages import N_, Message
from ..multiformats import (
    ED25519_PUB,
    P256_PUB,
    P384_PUB,
    Codec,
    b58_decode,
    decode_multikey,
    encode_multikey,
)

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey

MIN_RSA_BITS = 2048

_CURVES: dict[str, tuple[type[ec.EllipticCurve], int]] = {
    "P-256": (ec.SECP256R1, 32),
    "P-384": (ec.SECP384R1, 48),
}

# Ed25519 curve constants (RFC 8032 §5.1) for point validation.
_P = 2**255 - 19
_D = (-121665 * pow(121666, _P - 2, _P)) % _P


# Two modular exponentiations (~0.1 ms); keys from fetched documents recur like DIDs do.
@lru_cache(maxsize=1024)
def _is_ed25519_point(raw: bytes) -> bool:
    """True when the 32 bytes decode to a point on Ed25519 (RFC 8032 §5.1.3)."""
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    sign = raw[31] >> 7
    if y >= _P:
        return False
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    x = (u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P)) % _P
    if (v * x * x - u) % _P != 0 and (v * x * x + u) % _P != 0:
        return False
    return not (x == 0 and sign == 1)


def ed25519_from_bytes(raw: bytes) -> ed25519.Ed25519PublicKey:
    if len(raw) != 32:
        raise MalformedInput(
            Message("An Ed25519 public key has 32 bytes, not %(count)s.", count=len(raw)),
            code="key.invalid_length",
        )
    if not _is_ed25519_point(raw):
        raise MalformedInput(
            N_("The Ed25519 public key is not a point on the curve."), code="key.invalid_point"
        )
    return ed25519.Ed25519PublicKey.from_public_bytes(raw)


def ec_from_point(curve: ec.EllipticCurve, point: bytes) -> ec.EllipticCurvePublicKey:
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
    except ValueError as exc:
        raise MalformedInput(
            Message("The %(name)s public key is not a point on the curve.", name=curve.name),
            code="key.invalid_point",
            detail=str(exc),
        ) from exc


def key_from_codec(codec: Codec, raw: bytes) -> PublicKey:
    if codec is ED25519_PUB:
        return ed25519_from_bytes(raw)
    if codec is P256_PUB:
        return ec_from_point(ec.SECP256R1(), raw)
    if codec is P384_PUB:
        return ec_from_point(ec.SECP384R1(), raw)
    raise UnsupportedKeyType(
        Message("The key type %(name)s is not supported.", name=codec.name), key_type=codec.name
    )


def key_from_multikey(text: str) -> PublicKey:
    codec, raw = decode_multikey(text)
    return key_from_codec(codec, raw)


def key_from_base58(text: str) -> ed25519.Ed25519PublicKey:
    """`publicKeyBase58` of Ed25519VerificationKey2018: the raw 32 bytes, no header."""
    if not isinstance(text, str):
        raise MalformedInput(N_("publicKeyBase58 must be a string."), code="key.invalid_material")
    return ed25519_from_bytes(b58_decode(text))


def multikey_from_key(key: PublicKey) -> str:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return encode_multikey(ED25519_PUB, key.public_bytes(Encoding.Raw, PublicFormat.Raw))
    if isinstance(key, ec.EllipticCurvePublicKey):
        codec = {"secp256r1": P256_PUB, "secp384r1": P384_PUB}.get(key.curve.name)
        if codec is not None:
            point = key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
            return encode_multikey(codec, point)
    raise ValueError(f"no Multikey encoding for {type(key).__name__}")


def key_from_pem(text: Any) -> PublicKey:
    """A PEM public key (RsaVerificationKey2018's `publicKeyPem`): RSA only, 2048 bits up."""
    if not isinstance(text, str) or len(text) > 16_384:
        raise MalformedInput(N_("The PEM key is missing or too long."), code="key.invalid_pem")
    try:
        key = serialization.load_pem_public_key(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError, TypeError) as exc:
        raise MalformedInput(
            N_("The PEM key cannot be read."), code="key.invalid_pem", detail=str(exc)[:200]
        ) from exc
    if not isinstance(key, rsa.RSAPublicKey):
        key_type = type(key).__name__.removesuffix("PublicKey").lstrip("_")
        raise UnsupportedKeyType(
            Message("The PEM key is a %(key_type)s key, not an RSA key.", key_type=key_type),
            key_type=key_type,
        )
    if key.key_size < MIN_RSA_BITS:
        raise MalformedInput(
            Message("The RSA key is too weak (%(key_size)s bits).", key_size=key.key_size),
            code="key.invalid_pem",
        )
    return key


def _b64url_field(jwk: dict[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str) or not value or "=" in value:
        raise MalformedInput(
            Message("The JWK's '%(name)s' is missing or not base64url.", name=name),
            code="key.invalid_jwk",
        )
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedInput(
            Message("The JWK's '%(name)s' is not base64url.", name=name),
            code="key.invalid_jwk",
            detail=str(exc),
        ) from exc


def key_from_jwk(jwk: Any) -> PublicKey:
    """A public JWK (OKP Ed25519, EC P-256/P-384, RSA) -> key. A JWK with `d` is refused."""
    if not isinstance(jwk, dict):
        raise MalformedInput(N_("The JWK is not a JSON object."), code="key.invalid_jwk")
    if "d" in jwk or any(k in jwk for k in ("p", "q", "dp", "dq", "qi")):
        raise MalformedInput(
            N_("The key is published with its private part; it cannot be trusted."),
            code="key.private_key_exposed",
        )
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        return ed25519_from_bytes(_b64url_field(jwk, "x"))
    if kty == "EC" and crv in _CURVES:
        curve, size = _CURVES[crv]
        x, y = _b64url_field(jwk, "x"), _b64url_field(jwk, "y")
        if len(x) != size or len(y) != size:
            raise MalformedInput(
                Message("The %(crv)s JWK has coordinates of the wrong size.", crv=crv),
                code="key.invalid_jwk",
            )
        return ec_from_point(curve(), b"\x04" + x + y)
    if kty == "RSA":
        n = int.from_bytes(_b64url_field(jwk, "n"), "big")
        e = int.from_bytes(_b64url_field(jwk, "e"), "big")
        if n.bit_length() < MIN_RSA_BITS or e < 3 or e % 2 == 0:
            raise MalformedInput(
                Message(
                    "The RSA key is too weak (%(bit_length)s bits).", bit_length=n.bit_length()
                ),
                code="key.invalid_jwk",
            )
        return rsa.RSAPublicNumbers(e, n).public_key()
    key_type = f"{kty}/{crv or '-'}"
    raise UnsupportedKeyType(
        Message("The JWK key type %(key_type)s is not supported.", key_type=key_type),
        key_type=key_type,
    )


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk_from_key(key: PublicKey) -> dict[str, str]:
    """The public JWK of a key (members in the order RFC 7638 thumbprints use)."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        return {
            "crv": "Ed25519",
            "kty": "OKP",
            "x": _b64url(key.public_bytes(Encoding.Raw, PublicFormat.Raw)),
        }
    if isinstance(key, ec.EllipticCurvePublicKey):
        names = {"secp256r1": ("P-256", 32), "secp384r1": ("P-384", 48)}
        if key.curve.name not in names:
            raise ValueError(f"no JWK for curve {key.curve.name}")
        crv, size = names[key.curve.name]
        point = key.public_numbers()
        return {
            "crv": crv,
            "kty": "EC",
            "x": _b64url(point.x.to_bytes(size, "big")),
            "y": _b64url(point.y.to_bytes(size, "big")),
        }
    if isinstance(key, rsa.RSAPublicKey):
        numbers = key.public_numbers()
        return {
            "e": _b64url(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
            "kty": "RSA",
            "n": _b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
        }
    raise ValueError(f"no JWK for {type(key).__name__}")


def same_key(a: PublicKey, b: PublicKey) -> bool:
    return jwk_from_key(a) == jwk_from_key(b)


def did_jwk_from_key(key: PublicKey) -> str:
    body = json.dumps(jwk_from_key(key), separators=(",", ":"), sort_keys=True).encode()
    return "did:jwk:" + _b64url(body)
