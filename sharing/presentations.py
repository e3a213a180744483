"""Presentations, signed with the earner's holder key (the CLR bundle, which reads the same
entries, is portability's: `portability.clr`).

What goes in is read by `wallet.presentable` (credentials exactly as issued, or in the
disclosed form a share link chose); the holder's signature, which says only "I present
these", is `accounts.signing`'s. An SD-JWT goes in enveloped, with a Key Binding JWT for
the presentation's own challenge and domain when the issuer bound it to one of the learner's
keys, so a verifier checking the presentation against its nonce checks the SD-JWT's too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from accounts.models import User
from accounts.signing import holder_did, sign_holder_jwt, sign_key_binding, sign_presentation
from wallet.models import Credential
from wallet.presentable import (
    JWT_MEDIA_TYPE,
    VC_V2,
    Entry,
    is_presentable,
    read_entries,
    read_entry,
    unsigned_presentation,
)
from wallet.verification.caching import BoundedCache

__all__ = [
    "CANON_CACHE",
    "JWT_MEDIA_TYPE",
    "VC_V2",
    "VP_JWT_MEDIA_TYPE",
    "VP_MEDIA_TYPE",
    "Entry",
    "is_presentable",
    "key_bound_entries",
    "presentation_build",
    "presentation_jwt",
    "read_entries",
    "read_entry",
]

VP_JWT_MEDIA_TYPE = "application/vp+jwt"
VP_MEDIA_TYPE = "application/vp+ld+json"


# Canonical N-Quads by document hash. A presentation's unsecured document is the same for
# every challenge, so a fresh challenge only costs the canonical form of the small proof
# configuration.
CANON_CACHE: BoundedCache[str, str] = BoundedCache(64)


# --- presentations ---------------------------------------------------------------------------


def key_bound_entries(
    *, owner: User, entries: Sequence[Entry], audience: str, nonce: str, now: datetime
) -> list[Entry]:
    """The entries, each SD-JWT with a Key Binding JWT (RFC 9901 §4.3) for `audience` and
    `nonce` appended, signed by the learner's key its issuer bound it to. An SD-JWT bound to
    no key of the learner's goes as it is (a verifier asking for key binding will say so)."""
    bound = []
    for entry in entries:
        if entry.sd_jwt is not None and entry.sd_jwt.endswith("~"):
            try:
                signed = sign_key_binding(
                    user=owner,
                    presentation=entry.sd_jwt,
                    audience=audience,
                    nonce=nonce,
                    issued_at=now,
                )
            except ValueError:
                signed = entry.sd_jwt
            entry = replace(entry, sd_jwt=signed)
        bound.append(entry)
    return bound


def presentation_build(
    *,
    owner: User,
    credentials: Sequence[Credential],
    challenge: str,
    domain: str,
    now: datetime,
    expires: datetime | None = None,
) -> dict[str, Any]:
    """A presentation with an eddsa-rdfc-2022 proof (purpose authentication) by the holder.

    OB 2.0 badges are left out (they are not verifiable credentials).
    """
    entries = key_bound_entries(
        owner=owner, entries=read_entries(credentials), audience=domain, nonce=challenge, now=now
    )
    presentation = unsigned_presentation(holder=holder_did(user=owner), entries=entries)
    return sign_presentation(
        user=owner,
        presentation=presentation,
        now=now,
        challenge=challenge,
        domain=domain,
        expires=expires,
        cache=CANON_CACHE,
    )


def presentation_jwt(
    *,
    owner: User,
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
    did = holder_did(user=owner)
    entries = key_bound_entries(
        owner=owner, entries=read_entries(credentials), audience=domain, nonce=challenge, now=now
    )
    payload: dict[str, Any] = unsigned_presentation(holder=did, entries=entries)
    payload |= {"iss": did, "aud": domain, "nonce": challenge, "iat": int(now.timestamp())}
    if expires is not None:
        payload["exp"] = int(expires.timestamp())
    return sign_holder_jwt(user=owner, payload=payload, typ="vp+jwt")
