"""What a caller passes to the verifier: the clock, the fetcher, who the earner is, the caps,
and the CPU time one verification may take."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .budget import Budget
from .fetch import Fetcher, NullFetcher
from .limits import Limits


@dataclass(frozen=True)
class VerifyOptions:
    now: datetime
    fetcher: Fetcher = field(default_factory=NullFetcher)
    # The earner's verified identifiers (emails, DIDs); empty means "skip the recipient check".
    recipient_identifiers: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    # For presentations: what the verifier expects the holder's proof to be bound to.
    challenge: str | None = None
    domain: str | None = None
    # How old a holder's signature over a requested presentation (an SD-JWT's KB-JWT) may be.
    key_binding_max_age: timedelta = timedelta(minutes=5)
    # Set by the pipeline for the credentials inside a presentation: the presentation's own
    # proof (checked against `challenge` and `domain`, dated by itself) answers the request,
    # so an SD-JWT in it needs a KB-JWT only when its issuer bound it to a key (`cnf`), bound
    # to the same challenge and domain, and not younger than `key_binding_max_age`.
    inside_presentation: bool = False
    # Canonical N-Quads and term-check verdicts by content hash, shared across verifications
    # (see canon.CanonCache).
    canon_cache: MutableMapping[str, str] | None = None
    # CPU time for one verification (None: unbounded); past it the verdict is malformed.
    budget: Budget | None = None
    # JSON Schemas fetched by URL (schemas outside the vendored set), shared across
    # verifications; None: such schemas are not fetched, and not checked.
    schema_cache: MutableMapping[str, str] | None = None

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("VerifyOptions.now must be timezone-aware")
