"""Multibase and multicodec: the byte-level encodings behind did:key and Multikey.

Only what verifiable credentials use: multibase `z` (base58-btc) and `u` (base64url, no
padding), and the multicodec headers of the key types we accept.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import base58

from .errors import MalformedInput, UnsupportedInput, UnsupportedKeyType
from .messages import N_, Message


@dataclass(frozen=True)
class Codec:
    name: str
    code: int
    key_length: int

    @property
    def prefix(self) -> bytes:
        return encode_varint(self.code)


ED25519_PUB = Codec("ed25519-pub", 0xED, 32)
P256_PUB = Codec("p256-pub", 0x1200, 33)
P384_PUB = Codec("p384-pub", 0x1201, 49)
ED25519_PRIV = Codec("ed25519-priv", 0x1300, 32)
P256_PRIV = Codec("p256-priv", 0x1306, 32)

PUBLIC_KEY_CODECS: tuple[Codec, ...] = (ED25519_PUB, P256_PUB, P384_PUB)
PRIVATE_KEY_CODECS: tuple[Codec, ...] = (ED25519_PRIV, P256_PRIV)

# Codecs that appear in the wild but that we do not verify with; named so the error says what
# the key is instead of "unknown".
_KNOWN_UNSUPPORTED = {
    0xE7: "secp256k1-pub",
    0xEC: "x25519-pub",
    0xEB: "bls12_381-g2-pub",
    0x1205: "rsa-pub",
}


def encode_varint(value: int) -> bytes:
    """Unsigned LEB128, as multicodec uses it (0xed -> ed 01, 0x1200 -> 80 24)."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_varint(data: bytes) -> tuple[int, int]:
    """-> (value, bytes consumed). Multicodec varints are at most 9 bytes."""
    value = 0
    for index, byte in enumerate(data[:9]):
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            return value, index + 1
    raise MalformedInput(
        N_("The key's multicodec header is truncated."), code="key.invalid_multicodec"
    )


def b58_encode(data: bytes) -> str:
    return base58.b58encode(data, alphabet=base58.BITCOIN_ALPHABET).decode()


_B58_ALPHABET = base58.BITCOIN_ALPHABET
# Each base58 character's digit value, for bytes.translate.
_B58_DIGITS = bytes(
    _B58_ALPHABET.index(code) if code in _B58_ALPHABET else 0 for code in range(256)
)


# Base58 decodes in quadratic time (a 100,000-character value takes over a second). Keys and
# signatures, its only use here, are under 150 characters.
MAX_BASE58_CHARS = 1024


def b58_decode(text: str) -> bytes:
    if isinstance(text, str) and len(text) > MAX_BASE58_CHARS:
        raise MalformedInput(
            Message(
                "The value is too long for a key or a signature (%(count)s characters).",
                count=len(text),
            ),
            code="multibase.too_long",
        )
    # The base58 package turns the number into bytes one divmod at a time, a third of a
    # cached re-verification's own time; int.to_bytes does it at once. Anything but clean
    # base58 goes to the package, for its behaviour and messages.
    body = text.rstrip().encode("ascii", "replace") if isinstance(text, str) else b""
    if body and not body.translate(None, _B58_ALPHABET):
        value = 0
        for digit in body.translate(_B58_DIGITS):
            value = value * 58 + digit
        zeros = len(body) - len(body.lstrip(b"1"))
        return b"\0" * zeros + value.to_bytes((value.bit_length() + 7) // 8, "big")
    try:
        return base58.b58decode(text, alphabet=base58.BITCOIN_ALPHABET)
    except ValueError as exc:
        raise MalformedInput(
            N_("The value is not valid base58."), code="multibase.invalid", detail=str(exc)
        ) from exc


def multibase_encode(data: bytes, base: str = "z") -> str:
    if base == "z":
        return "z" + b58_encode(data)
    if base == "u":
        return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    raise UnsupportedInput(
        Message("Multibase '%(base)s' is not supported.", base=base), code="multibase.unsupported"
    )


def multibase_decode(text: str) -> bytes:
    """Decode a multibase string; only `z` (base58-btc) and `u` (base64url) are accepted."""
    if not isinstance(text, str) or len(text) < 2:
        raise MalformedInput(N_("The value is not a multibase string."), code="multibase.invalid")
    prefix, body = text[0], text[1:]
    if prefix == "z":
        return b58_decode(body)
    if prefix == "u":
        if "=" in body:
            raise MalformedInput(
                N_("Multibase base64url must not be padded."), code="multibase.invalid"
            )
        try:
            return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError) as exc:
            raise MalformedInput(
                N_("The value is not valid base64url."), code="multibase.invalid", detail=str(exc)
            ) from exc
    raise MalformedInput(
        Message(
            "Multibase prefix '%(prefix)s' is not supported (expected 'z' or 'u').", prefix=prefix
        ),
        code="multibase.invalid",
    )


def multicodec_wrap(codec: Codec, raw: bytes) -> bytes:
    return codec.prefix + raw


def multicodec_unwrap(data: bytes, allowed: tuple[Codec, ...]) -> tuple[Codec, bytes]:
    """Split header and key; the key length must be the one its codec defines."""
    code, used = decode_varint(data)
    codec = next((c for c in allowed if c.code == code), None)
    if codec is None:
        name = _KNOWN_UNSUPPORTED.get(code, f"unknown (multicodec {hex(code)})")
        raise UnsupportedKeyType(
            Message("The key type %(name)s is not supported.", name=name),
            key_type=name,
            detail=f"multicodec {hex(code)}",
        )
    raw = data[used:]
    if len(raw) != codec.key_length:
        raise MalformedInput(
            Message(
                "The %(name)s key has %(count)s bytes; %(key_length)s were expected.",
                name=codec.name,
                count=len(raw),
                key_length=codec.key_length,
            ),
            code="key.invalid_length",
        )
    return codec, raw


def decode_multikey(text: str) -> tuple[Codec, bytes]:
    """`publicKeyMultibase` / did:key identifier -> (codec, raw public key bytes)."""
    if not isinstance(text, str) or not text.startswith("z"):
        raise MalformedInput(
            N_("A Multikey public key must be multibase base58-btc (starting with 'z')."),
            code="key.invalid_multibase",
        )
    return multicodec_unwrap(multibase_decode(text), PUBLIC_KEY_CODECS)


def encode_multikey(codec: Codec, raw: bytes) -> str:
    if len(raw) != codec.key_length:
        raise ValueError(f"{codec.name} keys are {codec.key_length} bytes, not {len(raw)}")
    return multibase_encode(multicodec_wrap(codec, raw), "z")
