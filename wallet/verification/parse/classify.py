"""Which kind of document a parsed credential is, for routing it through the pipeline."""

from __future__ import annotations

from typing import Any

OB2_CONTEXT_MARKERS = ("w3id.org/openbadges/", "openbadgespec.org")
OB2_ASSERTION_TYPES = frozenset(
    {"Assertion", "obi:Assertion", "https://w3id.org/openbadges#Assertion"}
)
OB3_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})


def classify(document: dict[str, Any]) -> str:
    """One of "vp", "clr2", "endorsement", "ob3", "vc", "ob2", "unknown".

    VC types decide first, most specific first; only a document with no VC type is looked
    at as an OB 2.0 (or 1.x) assertion, by its context, its type, or its shape.
    """
    types = _types(document.get("type"))
    if "VerifiablePresentation" in types:
        return "vp"
    if "ClrCredential" in types:
        return "clr2"
    if "EndorsementCredential" in types:
        return "endorsement"
    if types & OB3_TYPES:
        return "ob3"
    if "VerifiableCredential" in types:
        return "vc"
    if _is_ob2_assertion(document, types):
        return "ob2"
    return "unknown"


def credential_from_jwt_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The credential a JWT carries: the VC 1.1 `vc` (or `vp`) claim, else the whole payload.

    VC-JOSE-COSE (VC 2.0) and OB 3.0 put the credential at the top level of the payload;
    VC 1.1 wrapped it in `vc`, or `vp` for a presentation.
    """
    for claim in ("vc", "vp"):
        wrapped = payload.get(claim)
        if isinstance(wrapped, dict):
            return wrapped
    return payload


def _types(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, list):
        return frozenset(item for item in value if isinstance(item, str))
    return frozenset()


def _is_ob2_assertion(document: dict[str, Any], types: frozenset[str]) -> bool:
    if types & OB2_ASSERTION_TYPES:
        return True
    if types:
        # An OB 2.0 BadgeClass or Issuer shares the context but is not something to verify.
        return False
    if any(marker in context for context in _contexts(document) for marker in OB2_CONTEXT_MARKERS):
        return True
    # OB 1.x assertions have no context and call `verification` `verify`.
    has_check = "verification" in document or "verify" in document
    return "badge" in document and "recipient" in document and has_check


def _contexts(document: dict[str, Any]) -> list[str]:
    context = document.get("@context")
    if isinstance(context, str):
        return [context]
    if isinstance(context, list):
        return [item for item in context if isinstance(item, str)]
    return []
