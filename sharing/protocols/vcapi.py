"""A verifier's VC-API (VCALM) presentation exchange: matching the learner's credentials to
what a `QueryByExample` asks for.

The exchange itself (interaction URL, presentation request, posting the presentation) is the
one client receiving and presenting share: `intake.protocols.vcapi`. Specification: W3C
VCALM, "Query By Example" (`credentialQuery.example` with its `@context` and `type`,
`acceptedIssuers`).
"""

from __future__ import annotations

from intake.protocols.vcapi import (
    ED25519_SIGNATURE_2020,
    EDDSA_RDFC_2022,
    Exchange,
    ExchangeError,
    Result,
    Wanted,
    presentation_suite,
    read_presentation_request,
    resolve_interaction_url,
    send_presentation,
    start_exchange,
)
from sharing.protocols.dcql import Candidate, expanded_types

__all__ = [
    "ED25519_SIGNATURE_2020",
    "EDDSA_RDFC_2022",
    "Exchange",
    "ExchangeError",
    "Result",
    "Wanted",
    "matches_example",
    "presentation_suite",
    "read_presentation_request",
    "resolve_interaction_url",
    "send_presentation",
    "start_exchange",
]


def _types(value: object) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [t for t in values if isinstance(t, str)]


def matches_example(wanted: Wanted, found: Candidate) -> bool:
    """QueryByExample: the credential has every type of the example (expanded over the
    example's own context when it gives one) and, if issuers are listed, one of them."""
    if wanted.types:
        if wanted.context:
            needed = expanded_types({"@context": wanted.context, "type": wanted.types})
        else:
            needed = frozenset(wanted.types)
        written = frozenset(_types(found.document.get("type")))
        if not (needed <= found.types or needed <= written):
            return False
    if wanted.issuers:
        issuer = found.document.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if issuer_id not in wanted.issuers:
            return False
    return True
