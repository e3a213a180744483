"""Small inputs built by hand for the parse tests: PNGs, SVGs, tokens, credentials."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OB3_NS = "https://purl.imsglobal.org/ob/v3p0"
CLR_NS = "https://purl.imsglobal.org/clr/v2p0"
OB2_NS = "http://openbadges.org"
SVG_NS = "http://www.w3.org/2000/svg"

SVG_IMAGE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">\n'
    b'  <circle cx="5" cy="5" r="4" fill="#123456"/>\n'
    b"</svg>\n"
)
PUBLIC_DOCTYPE = (
    b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
    b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
)


def chunk(chunk_type: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(chunk_type + data)
    return struct.pack(">I", len(data)) + chunk_type + data + struct.pack(">I", crc)


def ihdr(width: int = 1, height: int = 1) -> bytes:
    # 8-bit greyscale, no interlace.
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))


def tiny_png(*extra_chunks: bytes, width: int = 1, height: int = 1) -> bytes:
    """A valid greyscale PNG; `extra_chunks` go between IHDR and IDAT."""
    rows = (b"\x00" + b"\x80" * width) * height
    return (
        PNG_SIGNATURE
        + ihdr(width, height)
        + b"".join(extra_chunks)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def itxt(keyword: str, text: str, *, compressed: bool = False) -> bytes:
    body = text.encode("utf-8")
    if compressed:
        body = zlib.compress(body)
    flag = b"\x01" if compressed else b"\x00"
    return chunk(b"iTXt", keyword.encode("latin-1") + b"\0" + flag + b"\0" + b"\0\0" + body)


def text_chunk(keyword: str, text: str) -> bytes:
    return chunk(b"tEXt", keyword.encode("latin-1") + b"\0" + text.encode("latin-1"))


def png_chunk_types(png: bytes) -> list[bytes]:
    types, offset = [], len(PNG_SIGNATURE)
    while offset < len(png):
        (length,) = struct.unpack_from(">I", png, offset)
        types.append(png[offset + 4 : offset + 8])
        offset += 12 + length
    return types


def credential(name: str = "Teamwork Badge") -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:6f1d1c46-1b2a-4a5b-9a3e-0d9f4a2b7c11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://issuer.example/", "type": ["Profile"], "name": "Example"},
        "validFrom": "2025-01-01T00:00:00Z",
        "name": name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {"id": "https://issuer.example/a/1", "type": ["Achievement"]},
        },
    }


def ob2_assertion() -> dict[str, Any]:
    return {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://issuer.example/assertions/1",
        "recipient": {"type": "email", "hashed": False, "identity": "learner@example.org"},
        "badge": "https://issuer.example/badges/1",
        "verification": {"type": "hosted"},
        "issuedOn": "2020-01-01T00:00:00Z",
    }


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_token(payload: dict[str, Any], *, header: dict[str, Any] | None = None) -> str:
    """A compact JWS signed with an Ed25519 key derived from a fixed seed."""
    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    head = b64url(json.dumps(header or {"alg": "EdDSA", "typ": "vc+jwt"}).encode())
    body = b64url(json.dumps(payload).encode())
    signature = key.sign(f"{head}.{body}".encode())
    return f"{head}.{body}.{b64url(signature)}"


def to_bytes(document: Any) -> bytes:
    return json.dumps(document).encode()
