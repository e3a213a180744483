"""What each verdict is called, and what it means: the one place that says it in words.

The label is short ("Revoked by the issuer"); the earner's explanation speaks to the person
whose credential it is (the record page), the employer's to someone deciding whether to rely
on it (the share page and the public verifier). The record, the share page, the emails, the
API (`verdict_label`) and the CLI all read these; a report carries its label too.

Keyed by the verdicts' values, so that this module needs nothing from the report's. Every
sentence is marked with `N_` and stays English here; wallet.wording gives them in the
reader's language.
"""

from __future__ import annotations

from .messages import N_

# A credential stored before any check finished has no verdict yet.
NOT_CHECKED_LABEL = N_("Not checked yet")
NOT_CHECKED_EXPLANATION = N_("This credential has not been checked yet.")

VERDICT_LABELS: dict[str, str] = {
    "verified": N_("Verified"),
    "verified_with_warnings": N_("Verified, with warnings"),
    "revoked": N_("Revoked by the issuer"),
    "suspended": N_("Suspended by the issuer"),
    "expired": N_("Expired"),
    "not_yet_valid": N_("Not yet valid"),
    "invalid_signature": N_("Signature does not verify"),
    "issuer_unreachable": N_("Issuer could not be reached"),
    "malformed": N_("Malformed"),
    "unsupported": N_("Unsupported"),
}

EARNER_EXPLANATIONS: dict[str, str] = {
    "verified": N_(
        "The issuer's signature checks out, nothing says it was withdrawn, and today is within "
        "its dates."
    ),
    "verified_with_warnings": N_(
        "The issuer's signature checks out, but something deserves a look: see the warnings "
        "in the checks."
    ),
    "revoked": N_(
        "The issuer has withdrawn this credential. It stays in your record as part of your "
        "history, but it no longer counts as valid."
    ),
    "suspended": N_(
        "The issuer has put this credential on hold. It may become valid again; check again "
        "later or ask the issuer."
    ),
    "expired": N_(
        "Its validity period has ended. It was genuine; it simply no longer counts as current."
    ),
    "not_yet_valid": N_("The issuer dated it to start counting later than today."),
    "invalid_signature": N_(
        "The signature does not match: the credential was changed after the issuer signed it, "
        "or it was signed with a key the issuer does not control. Do not rely on it."
    ),
    "issuer_unreachable": N_(
        "Something the check needs from the issuer (its key, its status list or its copy of "
        "the credential) could not be fetched. That says nothing bad about the credential: "
        "check again later."
    ),
    "malformed": N_(
        "The credential is damaged or incomplete, so it cannot be checked. The original is "
        "kept as it arrived."
    ),
    "unsupported": N_(
        "It uses a kind of signature or identifier Satchel cannot check yet. The original is "
        "kept, and a later check may verify it."
    ),
}

EMPLOYER_EXPLANATIONS: dict[str, str] = {
    "verified": N_(
        "The issuer's signature checks out, it has not been withdrawn, and it is within its dates."
    ),
    "verified_with_warnings": N_(
        "The issuer's signature checks out, but a check raised a warning worth reading."
    ),
    "revoked": N_("The issuer has withdrawn this credential."),
    "suspended": N_("The issuer has put this credential on hold."),
    "expired": N_("It was genuine, but its validity period has ended."),
    "not_yet_valid": N_("The issuer dated it to start counting later than today."),
    "invalid_signature": N_("The signature does not match: do not rely on this credential."),
    "issuer_unreachable": N_(
        "The issuer's key or status list could not be fetched just now; this says nothing bad "
        "about the credential."
    ),
    "malformed": N_("The credential is damaged or incomplete and cannot be checked."),
    "unsupported": N_("It uses a kind of signature this service cannot check yet."),
}


def verdict_label(verdict: str) -> str:
    """The verdict in a few words; a credential with none is not checked yet."""
    return VERDICT_LABELS.get(verdict, NOT_CHECKED_LABEL)


def verdict_phrase(verdict: str) -> str:
    """The label with its first letter in lower case, to sit inside a sentence."""
    label = verdict_label(verdict)
    return label[:1].lower() + label[1:]


def earner_explanation(verdict: str) -> str:
    return EARNER_EXPLANATIONS.get(verdict, NOT_CHECKED_EXPLANATION)


def employer_explanation(verdict: str) -> str:
    return EMPLOYER_EXPLANATIONS.get(verdict, NOT_CHECKED_EXPLANATION)
