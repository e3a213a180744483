"""The SD-JWT serializations (RFC 9901 §4, §8): `<issuer JWT>~<Disclosure>~...~[<KB-JWT>]`.

`split` reads the compact form, `from_json_serialization` turns the JWS JSON form (§8.2
flattened, §8.3 general) into it: the KB-JWT's `sd_hash` is always taken over the compact
form (§8.1), so that is the one form the rest of the verifier works on.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..messages import Message
from ..report import Verdict
from .wording import SdJwtError

# The hash functions of the IANA "Named Information Hash Algorithm" registry this wallet
# accepts for `_sd_alg` (RFC 9901 §4.1.1; sha-256 is the default and the one required).
HASHES: Mapping[str, Callable[[bytes], Any]] = {
    "sha-256": hashlib.sha256,
    "sha-384": hashlib.sha384,
    "sha-512": hashlib.sha512,
    "sha3-256": hashlib.sha3_256,
    "sha3-384": hashlib.sha3_384,
    "sha3-512": hashlib.sha3_512,
}
DEFAULT_HASH = "sha-256"

BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class SdJwt:
    """The parts of an SD-JWT or SD-JWT+KB, as strings (nothing is decoded or verified)."""

    issuer_jwt: str
    disclosures: tuple[str, ...]
    kb_jwt: str | None = None

    @property
    def without_key_binding(self) -> str:
        """The SD-JWT the KB-JWT's `sd_hash` covers: `<issuer JWT>~<D1>~...~<Dn>~`."""
        return serialize(self.issuer_jwt, self.disclosures)


def serialize(issuer_jwt: str, disclosures: tuple[str, ...] | list[str], kb_jwt: str = "") -> str:
    return "~".join((issuer_jwt, *disclosures, kb_jwt))


def b64url_digest(data: str, hash_name: str) -> str:
    """base64url(hash(ASCII bytes of `data`)): a Disclosure's digest, or an `sd_hash`."""
    digest = HASHES[hash_name](data.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def looks_like_sd_jwt(text: str) -> bool:
    """Shape only: a JWS, a tilde, then base64url parts, the last one a JWS or empty."""
    if "~" not in text:
        return False
    parts = text.split("~")
    if not _JWS.fullmatch(parts[0]):
        return False
    last = parts[-1]
    if last and not _JWS.fullmatch(last):
        return False
    return all(BASE64URL.fullmatch(part) for part in parts[1:-1])


def split(text: str) -> SdJwt:
    """The compact form's parts; SdJwtError (malformed) when it is not one."""
    compact = text.strip()
    if not looks_like_sd_jwt(compact):
        raise SdJwtError(
            "sdjwt.malformed",
            Verdict.MALFORMED,
            "expected <issuer JWT>~<disclosure>~...~ and an optional key binding JWT",
            name="parse",
            why=Message("it is not an issuer's token followed by '~'-separated parts"),
        )
    parts = compact.split("~")
    return SdJwt(parts[0], tuple(parts[1:-1]), parts[-1] or None)


def from_json_serialization(document: Mapping[str, Any]) -> str | None:
    """The compact form of a JWS JSON serialized SD-JWT (RFC 9901 §8), or None when
    `document` is not one (no `disclosures` or `kb_jwt` in its unprotected header).

    The general serialization may carry several signatures; the first, which holds the
    Disclosures (§8.3), is the one verified.
    """
    if not isinstance(document.get("payload"), str):
        return None
    member: Any = document
    if isinstance(document.get("signatures"), list):
        signatures = document["signatures"]
        member = signatures[0] if signatures and isinstance(signatures[0], Mapping) else None
    if not isinstance(member, Mapping):
        return None
    header = member.get("header")
    protected, signature = member.get("protected"), member.get("signature")
    if not isinstance(header, Mapping) or not isinstance(protected, str):
        return None
    if "disclosures" not in header and "kb_jwt" not in header:
        return None
    disclosures = header.get("disclosures", [])
    kb_jwt = header.get("kb_jwt", "")
    if (
        not isinstance(signature, str)
        or not isinstance(disclosures, list)
        or not all(isinstance(d, str) for d in disclosures)
        or not isinstance(kb_jwt, str)
    ):
        raise SdJwtError(
            "sdjwt.malformed",
            Verdict.MALFORMED,
            name="parse",
            why=Message(
                "its JSON form has disclosures, a key binding or a signature of the wrong type"
            ),
        )
    return serialize(f"{protected}.{document['payload']}.{signature}", disclosures, kb_jwt)
