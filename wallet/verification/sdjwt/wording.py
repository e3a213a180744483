"""Every check the SD-JWT verifier reports: its stable code and the sentence a person reads.

Codes are stored in reports and read back years later: change a sentence if it reads badly,
never a code. Sentences may name a value with `{placeholders}`; `detail` (technical, for
whoever debugs) is passed separately. Codes shared with the rest of the verifier
(`proof.signature_valid`, `validity.expired`, `status.revoked`, ...) keep that wording.
"""

from __future__ import annotations

from typing import Any

from ..report import Check, Verdict, failed, passed, skipped, warning

SENTENCES: dict[str, str] = {
    # --- the compact form and its parts
    "sdjwt.malformed": "This selectively disclosable credential (SD-JWT) cannot be read: {why}.",
    "sdjwt.typ_unsupported": (
        "This is a selectively disclosable token (SD-JWT), but not a verifiable credential "
        "this wallet knows (its type is '{typ}')."
    ),
    "sdjwt.hash_unsupported": (
        "The issuer hides claims with a hash function this wallet does not accept ('{alg}')."
    ),
    "sdjwt.disclosure_invalid": "One of the revealed claims is not in the required form: {why}.",
    "sdjwt.disclosure_repeated": "The same revealed claim is included twice.",
    "sdjwt.disclosure_unreferenced": (
        "A revealed claim does not belong to this credential: the issuer's signature does not "
        "cover it."
    ),
    "sdjwt.digest_repeated": (
        "The issuer's signed data lists the same hidden claim twice, which the standard forbids."
    ),
    "sdjwt.claim_name_reserved": (
        "A revealed claim uses the reserved name '{name}', which the standard forbids."
    ),
    "sdjwt.claim_overwrites": (
        "A revealed claim '{name}' would replace a claim the issuer signed in the open."
    ),
    "sdjwt.structure_invalid": "The issuer's signed data is not in the required form: {why}.",
    "sdjwt.too_deep": "The credential's claims are nested too deeply to be checked.",
    "sdjwt.too_many_disclosures": "The credential reveals more claims than this wallet checks.",
    "sdjwt.claims_disclosed": "{count} hidden claim(s) were revealed, and the issuer signed each.",
    "sdjwt.claims_undisclosed": "{count} claim(s) stay hidden: only their existence is known.",
    "sdjwt.vct_missing": "The credential does not say what type of credential it is (vct).",
    "sdjwt.legacy_type": (
        "The credential uses the older media type 'vc+sd-jwt'; it is read like 'dc+sd-jwt'."
    ),
    "sdjwt.claim_mismatch": "The token's '{claim}' contradicts the credential's {field}.",
    # --- the issuer's key (SD-JWT VC §3.5 Issuer Signature Mechanisms)
    "key.issuer_metadata_matches": (
        "The signing key is one the issuer publishes for its credentials."
    ),
    "key.issuer_metadata_unreachable": (
        "The issuer's list of signing keys ({url}) could not be fetched right now."
    ),
    "key.issuer_metadata_invalid": "The issuer's list of signing keys is not usable: {why}.",
    "key.issuer_metadata_mismatch": (
        "The list of signing keys at {url} belongs to '{found}', not to the issuer of this "
        "credential."
    ),
    "key.issuer_key_not_found": (
        "None of the keys the issuer publishes made this credential's signature."
    ),
    "key.x5c_unsupported": (
        "The issuer signed this credential with an X.509 certificate, and this wallet has no "
        "trusted certificate authorities to check such certificates against."
    ),
    "key.issuer_unresolvable": (
        "The credential does not name its issuer in a way this wallet can look up ({iss})."
    ),
    # --- the holder's key binding (SD-JWT §4.3, §7.3)
    "kb.valid": "The holder signed this presentation with the key the issuer bound it to.",
    "kb.missing": ("The presentation is not signed by its holder, but a signed one was requested."),
    "kb.not_requested": (
        "The holder's signature was checked, but not against a particular request."
    ),
    "kb.invalid": "The holder's signature on this presentation is not in the required form: {why}.",
    "kb.no_holder_key": (
        "The credential names no holder key, so the holder's signature cannot be checked."
    ),
    "kb.signature_invalid": (
        "The holder's signature does not match: the presentation was altered, or signed with "
        "another key than the one the issuer bound it to."
    ),
    "kb.sd_hash_mismatch": (
        "The holder's signature covers other revealed claims than the ones presented."
    ),
    "kb.iat_future": "The holder's signature is dated in the future.",
    "kb.stale": "This presentation was made too long ago; ask the holder for a fresh one.",
    "kb.unbound_in_presentation": (
        "The issuer did not bind this credential to its holder's key, so the holder's "
        "signature on the presentation around it is the only sign it is theirs."
    ),
    "kb.nonce_mismatch": "The presentation was not made for this request.",
    "kb.aud_mismatch": "The presentation was made for another verifier.",
    "kb.unexpected_at_import": (
        "This credential carries its holder's signature for a verifier, as a presentation does."
    ),
    # --- Token Status List (draft-ietf-oauth-status-list)
    "status.none": "This credential has no revocation or suspension status to check.",
    "status.clear": "The issuer has not revoked or suspended this credential.",
    "status.revoked": "The issuer has revoked this credential.",
    "status.suspended": "The issuer has suspended this credential.",
    "status.application_specific": (
        "The issuer gives this credential a status of its own ({value}), which this wallet "
        "cannot interpret."
    ),
    "status.unreachable": (
        "The issuer's status list could not be reached, so revocation cannot be ruled out."
    ),
    "status.malformed": "The credential's status reference is not in the required form: {why}.",
    "status.list_malformed": "The issuer's status list is not in the required form: {why}.",
    "status.list_untrusted": (
        "The issuer's status list is not properly signed, so the credential's status cannot "
        "be trusted."
    ),
    "status.list_expired": (
        "The issuer's status list is out of date, so the credential's status is unknown."
    ),
    "status.list_subject_mismatch": (
        "The status list fetched is not the one the credential points to."
    ),
    "status.list_too_large": "The status list is larger than this wallet accepts.",
    "status.index_out_of_range": (
        "The credential's place in the issuer's status list does not exist."
    ),
    "status.type_unknown": (
        "The issuer uses a kind of status check this wallet does not know, so it was not checked."
    ),
}


def sentence(code: str, **values: Any) -> str:
    text = SENTENCES[code]
    return text.format(**{k: str(v)[:200] for k, v in values.items()}) if values else text


def fail(name: str, code: str, implies: Verdict, detail: str = "", **values: Any) -> Check:
    return failed(name, code, sentence(code, **values), implies, detail)


def ok(name: str, code: str, detail: str = "", **values: Any) -> Check:
    return passed(name, code, sentence(code, **values), detail)


def warn(name: str, code: str, detail: str = "", **values: Any) -> Check:
    return warning(name, code, sentence(code, **values), detail)


def skip(name: str, code: str, detail: str = "", **values: Any) -> Check:
    return skipped(name, code, sentence(code, **values), detail)


class SdJwtError(Exception):
    """A finding that ends the SD-JWT's processing: one failed check."""

    def __init__(
        self,
        code: str,
        implies: Verdict,
        detail: str = "",
        *,
        name: str = "disclosures",
        **values: Any,
    ) -> None:
        super().__init__(sentence(code, **values))
        self.check = failed(name, code, sentence(code, **values), implies, detail)
