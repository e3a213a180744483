"""How the app calls the verifier: its fetcher, the earner's identities, shared caches, and
the verification of a stored original."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, MutableMapping
from datetime import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from accounts.models import User
from accounts.selectors import holder_dids
from config.outbound import make_fetcher
from wallet.models import Credential
from wallet.verification import Budget, Limits, Report, VerifyOptions, verify_bytes
from wallet.verification.fetch import Fetcher


def make_limits() -> Limits:
    cap = settings.SATCHEL_MAX_UPLOAD_BYTES
    return Limits(max_input_bytes=cap, max_svg_bytes=cap, max_fetch_bytes=cap)


def make_budget() -> Budget:
    """The CPU time one verification may take, counted on the verifying thread's own clock
    (other threads of the same worker do not use it up)."""
    return Budget(seconds=settings.SATCHEL_VERIFY_CPU_SECONDS, clock=time.thread_time)


# A credential's schemas (`credentialSchema`) that are not vendored are fetched through the
# outbound door the first time a credential names them and kept this long in the shared
# cache; schemas are published once and seldom change.
SCHEMA_CACHE_SECONDS = 24 * 3600


class SchemaCache(MutableMapping[str, str]):
    """The JSON Schemas fetched for credentials, by URL, in the shared cache.

    Passing one to the verifier is what lets it fetch a schema it does not keep a copy of
    (`wallet.verification.schemas.schema_text`); without one such schemas are not checked.
    It only remembers: iterating lists nothing, and a lost entry is fetched again.
    """

    @staticmethod
    def _key(url: str) -> str:
        return "schema:" + hashlib.sha256(url.encode()).hexdigest()

    def __getitem__(self, url: str) -> str:
        value = cache.get(self._key(url))
        if not isinstance(value, str):
            raise KeyError(url)
        return value

    def __setitem__(self, url: str, text: str) -> None:
        cache.set(self._key(url), text, SCHEMA_CACHE_SECONDS)

    def __delitem__(self, url: str) -> None:
        cache.delete(self._key(url))

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def recipient_identifiers(*, owner: User) -> tuple[str, ...]:
    """The owner's verified emails and every DID they have held."""
    emails = EmailAddress.objects.filter(user=owner, verified=True).values_list("email", flat=True)
    return (*sorted(emails), *holder_dids(user=owner))


def make_verify_options(
    *,
    owner: User,
    now: datetime | None = None,
    fetcher: Fetcher | None = None,
    canon_cache: MutableMapping[str, str] | None = None,
) -> VerifyOptions:
    """Options for verifying `owner`'s credentials at `now`.

    Pass `fetcher` and `canon_cache` to share them across many verifications (a re-check
    batch); otherwise each call gets a fresh guarded fetcher and cache.
    """
    return VerifyOptions(
        now=now or timezone.now(),
        fetcher=fetcher if fetcher is not None else make_fetcher(),
        recipient_identifiers=recipient_identifiers(owner=owner),
        limits=make_limits(),
        canon_cache=canon_cache if canon_cache is not None else {},
        schema_cache=SchemaCache(),
        budget=make_budget(),
    )


def verify_original(
    *, credential: Credential, now: datetime | None = None, options: VerifyOptions | None = None
) -> Report:
    """Verify the credential's original bytes, exactly as received."""
    options = options or make_verify_options(owner=credential.owner, now=now)
    return verify_bytes(
        bytes(credential.original), options=options, media_type=credential.media_type or None
    )
