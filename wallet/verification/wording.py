"""What each verdict is called, and what it means: the one place that says it in words.

The label is short ("Revoked by the issuer"); the earner's explanation speaks to the person
whose credential it is (the record page), the employer's to someone deciding whether to rely
on it (the share page and the public verifier). The record, the share page, the emails, the
API (`verdict_label`) and the CLI all read these; a report carries its label too.

Keyed by the verdicts' values, so that this module needs nothing from the report's.
"""

from __future__ import annotations

# A credential stored before any check finished has no verdict yet.
NOT_CHECKED_LABEL = "Not checked yet"
NOT_CHECKED_EXPLANATION = "This credential has not been checked yet."

VERDICT_LABELS: dict[str, str] = {
    "verified": "Verified",
    "verified_with_warnings": "Verified, with warnings",
    "revoked": "Revoked by the issuer",
    "suspended": "Suspended by the issuer",
    "expired": "Expired",
    "not_yet_valid": "Not yet valid",
    "invalid_signature": "Signature does not verify",
    "issuer_unreachable": "Issuer could not be reached",
    "malformed": "Malformed",
    "unsupported": "Unsupported",
}

EARNER_EXPLANATIONS: dict[str, str] = {
    "verified": (
        "The issuer's signature checks out, nothing says it was withdrawn, and today is within "
        "its dates."
    ),
    "verified_with_warnings": (
        "The issuer's signature checks out, but something deserves a look: see the warnings "
        "in the checks."
    ),
    "revoked": (
        "The issuer has withdrawn this credential. It stays in your record as part of your "
        "history, but it no longer counts as valid."
    ),
    "suspended": (
        "The issuer has put this credential on hold. It may become valid again; check again "
        "later or ask the issuer."
    ),
    "expired": (
        "Its validity period has ended. It was genuine; it simply no longer counts as current."
    ),
    "not_yet_valid": "The issuer dated it to start counting later than today.",
    "invalid_signature": (
        "The signature does not match: the credential was changed after the issuer signed it, "
        "or it was signed with a key the issuer does not control. Do not rely on it."
    ),
    "issuer_unreachable": (
        "Something the check needs from the issuer (its key, its status list or its copy of "
        "the credential) could not be fetched. That says nothing bad about the credential: "
        "check again later."
    ),
    "malformed": (
        "The credential is damaged or incomplete, so it cannot be checked. The original is "
        "kept as it arrived."
    ),
    "unsupported": (
        "It uses a kind of signature or identifier Satchel cannot check yet. The original is "
        "kept, and a later check may verify it."
    ),
}

EMPLOYER_EXPLANATIONS: dict[str, str] = {
    "verified": (
        "The issuer's signature checks out, it has not been withdrawn, and it is within its dates."
    ),
    "verified_with_warnings": (
        "The issuer's signature checks out, but a check raised a warning worth reading."
    ),
    "revoked": "The issuer has withdrawn this credential.",
    "suspended": "The issuer has put this credential on hold.",
    "expired": "It was genuine, but its validity period has ended.",
    "not_yet_valid": "The issuer dated it to start counting later than today.",
    "invalid_signature": "The signature does not match: do not rely on this credential.",
    "issuer_unreachable": (
        "The issuer's key or status list could not be fetched just now; this says nothing bad "
        "about the credential."
    ),
    "malformed": "The credential is damaged or incomplete and cannot be checked.",
    "unsupported": "It uses a kind of signature this service cannot check yet.",
}


def verdict_label(verdict: str) -> str:
    """The verdict in a few words; a credential with none is not checked yet."""
    return VERDICT_LABELS.get(verdict, NOT_CHECKED_LABEL)


def earner_explanation(verdict: str) -> str:
    return EARNER_EXPLANATIONS.get(verdict, NOT_CHECKED_EXPLANATION)


def employer_explanation(verdict: str) -> str:
    return EMPLOYER_EXPLANATIONS.get(verdict, NOT_CHECKED_EXPLANATION)
