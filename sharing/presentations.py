"""Presentations, signed with the earner's holder key (the CLR bundle, which reads the same
entries, is portability's: `portability.clr`).

Issuer-signed credentials go in exactly as issued: each is read from its stored original
bytes (a JSON object as decoded, a JWT as its token, a baked image's payload) and never
edited or re-signed. The holder's signature wraps them and says only "I present these".
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from accounts.services import holder_signing_key
from wallet.models import Credential
from wallet.verification.errors import VerificationInputError
from wallet.verification.limits import Limits
from wallet.verification.parse import parse_input
from wallet.verification.proofs.dataintegrity import sign
from wallet.verification.proofs.jose import sign_jwt

VC_V2 = "https://www.w3.org/ns/credentials/v2"
JWT_MEDIA_TYPE = "application/vc+jwt"
VP_JWT_MEDIA_TYPE = "application/vp+jwt"
VP_MEDIA_TYPE = "application/vp+ld+json"


class _BoundedCache(MutableMapping[str, str]):
    """Canonical N-Quads by document hash, least recently used out first, thread-safe.

    A presentation's unsecured document is the same for every challenge, so a fresh
    challenge only costs the canonical form of the small proof configuration.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def __getitem__(self, key: str) -> str:
        with self._lock:
            value = self._data[key]
            self._data.move_to_end(key)
            return value

    def __setitem__(self, key: str, value: str) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)

    def __delitem__(self, key: str) -> None:
        with self._lock:
            del self._data[key]

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._data))

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)


CANON_CACHE = _BoundedCache(64)


# --- what goes in ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A stored credential read for presenting: its VP entry, or why it cannot be one."""

    credential: Credential
    document: dict[str, Any] | None = None  # a JSON credential as issued
    token: str | None = None  # a JWT credential as issued
    reason: str = ""

    def vp_entry(self) -> dict[str, Any] | None:
        if self.document is not None:
            return self.document
        if self.token is not None:
            return {
                "@context": VC_V2,
                "id": f"data:{JWT_MEDIA_TYPE},{self.token}",
                "type": "EnvelopedVerifiableCredential",
            }
        return None


def is_presentable(credential: Credential) -> bool:
    """Whether the credential can go in a presentation at all (an OB 2.0 badge cannot)."""
    return not credential.format.startswith("ob2")


def read_entry(credential: Credential) -> Entry:
    """Read a credential's original bytes into what a presentation can carry."""
    if not is_presentable(credential):
        return Entry(
            credential,
            reason="An Open Badges 2.0 badge is not a verifiable credential; "
            "download it on its own.",
        )
    data = bytes(credential.original)
    try:
        # The original was accepted at import: only its own size bounds re-reading it.
        cap = len(data) + 1
        parsed = parse_input(data, limits=Limits(max_input_bytes=cap, max_svg_bytes=cap))
    except VerificationInputError:
        return Entry(credential, reason="Its original could not be read.")
    if parsed.token is not None:
        return Entry(credential, token=parsed.token)
    if isinstance(parsed.document, dict):
        return Entry(credential, document=parsed.document)
    return Entry(credential, reason="Its original holds no credential to present.")


def read_entries(credentials: Sequence[Credential]) -> list[Entry]:
    return [read_entry(credential) for credential in credentials]


# --- presentations ---------------------------------------------------------------------------


def unsigned_presentation(*, holder: str, entries: Sequence[Entry]) -> dict[str, Any]:
    """A W3C VC 2.0 presentation of the entries that are verifiable credentials."""
    return {
        "@context": [VC_V2],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [e.vp_entry() for e in entries if e.vp_entry() is not None],
    }


def presentation_build(
    *,
    owner: Any,
    credentials: Sequence[Credential],
    challenge: str,
    domain: str,
    now: datetime,
    expires: datetime | None = None,
) -> dict[str, Any]:
    """A presentation with an eddsa-rdfc-2022 proof (purpose authentication) by the holder.

    OB 2.0 badges are left out (they are not verifiable credentials).
    """
    key = holder_signing_key(user=owner)
    presentation = unsigned_presentation(holder=key.did, entries=read_entries(credentials))
    return sign(
        presentation,
        private_key=key.private_key,
        verification_method=key.verification_method,
        purpose="authentication",
        created=now,
        challenge=challenge,
        domain=domain,
        expires=expires,
        cache=CANON_CACHE,
    )


def presentation_jwt(
    *,
    owner: Any,
    credentials: Sequence[Credential],
    challenge: str,
    domain: str,
    now: datetime,
    expires: datetime | None = None,
) -> str:
    """The presentation secured as a JWT (VC-JOSE-COSE): the payload is the presentation.

    `iss` names the holder, `aud` the domain and `nonce` the challenge, as verifiers of
    JWT presentations expect; EdDSA, `kid` the holder's verification method.
    """
    key = holder_signing_key(user=owner)
    payload: dict[str, Any] = unsigned_presentation(
        holder=key.did, entries=read_entries(credentials)
    )
    payload |= {"iss": key.did, "aud": domain, "nonce": challenge, "iat": int(now.timestamp())}
    if expires is not None:
        payload["exp"] = int(expires.timestamp())
    return sign_jwt(payload, private_key=key.private_key, kid=key.verification_method, typ="vp+jwt")
