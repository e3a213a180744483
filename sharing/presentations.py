"""Presentations, signed with the earner's holder key (the CLR bundle, which reads the same
entries, is portability's: `portability.clr`).

What goes in is read by `wallet.presentable` (credentials exactly as issued, or in the
disclosed form a share link chose); the holder's signature, which says only "I present
these", is `accounts.signing`'s. An SD-JWT goes in enveloped, with a Key Binding JWT for
the presentation's own challenge and domain when the issuer bound it to one of the learner's
keys, so a verifier checking the presentation against its nonce checks the SD-JWT's too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from accounts.models import User
from accounts.services import HolderSigningKey, holder_signing_key_of
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
from wallet.verification.canon import CanonCache

__all__ = [
    "CANON_CACHE",
    "JWT_MEDIA_TYPE",
    "VC_V2",
    "VP_JWT_MEDIA_TYPE",
    "VP_MEDIA_TYPE",
    "Entry",
    "Prepared",
    "is_presentable",
    "key_bound_entries",
    "prepared_for_link",
    "presentation_build",
    "presentation_jwt",
    "read_entries",
    "read_entry",
    "signed_body",
    "signed_jwt",
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


# --- a share link's presentations --------------------------------------------------------------
#
# Every request for a link's presentation brings a fresh challenge, but the presentation it
# signs is the same until the link or what it shows changes: the credentials as read from
# their originals, and the unsigned document they make. That is prepared once per version of
# the link (per process, briefly, as the rendered page is), with its JSON text and the key
# its canonical form is cached under; a request then reads the holder's current key (one
# query), canonicalises the small proof configuration, signs, and splices the proof into the
# prepared text. The link's state is checked on every request before this is reached.

PREPARED_SECONDS = 60
PREPARED_SIZE = 64
_ENCODER = DjangoJSONEncoder  # what JsonResponse writes with


@dataclass(frozen=True)
class Prepared:
    """A link's unsigned presentation, by one holder DID. Never changed once made."""

    unsigned: dict[str, Any]
    text: str  # `unsigned` as JsonResponse writes it
    source: bytes  # `text` encoded: the canonical form is cached under its hash
    presentable: bool  # whether any credential of the link can go in a presentation
    # Whether an SD-JWT in it takes a Key Binding JWT, which names each request's challenge:
    # such a presentation is built whole for every request (`presentation_build`).
    binds: bool = False


prepared_presentations: BoundedCache[tuple[Any, ...], Prepared] = BoundedCache(
    PREPARED_SIZE, seconds=PREPARED_SECONDS, clock=time.monotonic
)


def prepared_for_link(
    *,
    version: tuple[Any, ...],
    owner_id: int,
    credentials: Callable[[], Sequence[Credential]],
) -> tuple[Prepared, HolderSigningKey]:
    """The link's unsigned presentation and the key to sign it with.

    `version`: everything the presentation's content depends on besides the holder (the
    link, and the pk and last change of each credential it shows); `credentials` reads them
    (with their originals) when this version has not been prepared yet.
    """
    key = holder_signing_key_of(user_id=owner_id)
    cache_key = (*version, key.did)
    prepared = prepared_presentations.get(cache_key)
    if prepared is None:
        shown = credentials()
        entries = read_entries(shown)
        unsigned = unsigned_presentation(holder=key.did, entries=entries)
        text = json.dumps(unsigned, cls=_ENCODER)
        prepared = Prepared(
            unsigned=unsigned,
            text=text,
            source=text.encode(),
            presentable=any(map(is_presentable, shown)),
            binds=any(e.sd_jwt is not None and e.sd_jwt.endswith("~") for e in entries),
        )
        prepared_presentations[cache_key] = prepared
    return prepared, key


def signed_body(
    prepared: Prepared,
    key: HolderSigningKey,
    *,
    challenge: str,
    domain: str,
    now: datetime,
    expires: datetime | None = None,
) -> str:
    """The presentation signed for this challenge, as the JSON text JsonResponse would write
    of it (the same text: the proof is the last member, after the prepared ones)."""
    cache = CanonCache(CANON_CACHE)
    # The prepared text stands for the document's content: its canonical form, computed once,
    # is found under it.
    cache.remember(prepared.unsigned, prepared.source)
    signed = sign_presentation(
        key=key,
        presentation=prepared.unsigned,
        now=now,
        challenge=challenge,
        domain=domain,
        expires=expires,
        cache=cache,
    )
    proof = json.dumps(signed["proof"], cls=_ENCODER)
    return f'{prepared.text[:-1]}, "proof": {proof}}}'


def signed_jwt(
    prepared: Prepared,
    key: HolderSigningKey,
    *,
    challenge: str,
    domain: str,
    now: datetime,
    expires: datetime | None = None,
) -> str:
    """The presentation as a JWT (as `presentation_jwt` makes it) for this challenge."""
    payload: dict[str, Any] = dict(prepared.unsigned)
    payload |= {"iss": key.did, "aud": domain, "nonce": challenge, "iat": int(now.timestamp())}
    if expires is not None:
        payload["exp"] = int(expires.timestamp())
    return sign_holder_jwt(key=key, payload=payload, typ="vp+jwt")
