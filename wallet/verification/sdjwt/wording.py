"""Every check the SD-JWT verifier reports: its stable code and the sentence a person reads.

Codes are stored in reports and read back years later: change a sentence if it reads badly,
never a code. Sentences may name a value with `%(placeholders)s` (each becomes a `Message`,
translated where it is shown); `detail` (technical, for whoever debugs) is passed
separately. Codes shared with the rest of the verifier (`proof.signature_valid`,
`validity.expired`, `status.revoked`, ...) keep that wording.
"""

from __future__ import annotations

from typing import Any

from ..messages import N_, Message
from ..report import Check, Verdict, failed, passed, skipped, warning

SENTENCES: dict[str, str] = {
    # --- the compact form and its parts
    "sdjwt.malformed": N_(
        "This selectively disclosable credential (SD-JWT) cannot be read: %(why)s."
    ),
    "sdjwt.typ_unsupported": N_(
        "This is a selectively disclosable token (SD-JWT), but not a verifiable credential "
        "this wallet knows (its type is '%(typ)s')."
    ),
    "sdjwt.hash_unsupported": N_(
        "The issuer hides claims with a hash function this wallet does not accept ('%(alg)s')."
    ),
    "sdjwt.disclosure_invalid": N_(
        "One of the revealed claims is not in the required form: %(why)s."
    ),
    "sdjwt.disclosure_repeated": N_("The same revealed claim is included twice."),
    "sdjwt.disclosure_unreferenced": N_(
        "A revealed claim does not belong to this credential: the issuer's signature does not "
        "cover it."
    ),
    "sdjwt.digest_repeated": N_(
        "The issuer's signed data lists the same hidden claim twice, which the standard forbids."
    ),
    "sdjwt.claim_name_reserved": N_(
        "A revealed claim uses the reserved name '%(name)s', which the standard forbids."
    ),
    "sdjwt.claim_overwrites": N_(
        "A revealed claim '%(name)s' would replace a claim the issuer signed in the open."
    ),
    "sdjwt.structure_invalid": N_("The issuer's signed data is not in the required form: %(why)s."),
    "sdjwt.too_deep": N_("The credential's claims are nested too deeply to be checked."),
    "sdjwt.too_many_disclosures": N_("The credential reveals more claims than this wallet checks."),
    "sdjwt.claims_disclosed": N_(
        "%(count)s hidden claim(s) were revealed, and the issuer signed each."
    ),
    "sdjwt.claims_undisclosed": N_(
        "%(count)s claim(s) stay hidden: only their existence is known."
    ),
    "sdjwt.vct_missing": N_("The credential does not say what type of credential it is (vct)."),
    "sdjwt.legacy_type": N_(
        "The credential uses the older media type 'vc+sd-jwt'; it is read like 'dc+sd-jwt'."
    ),
    "sdjwt.claim_mismatch": N_("The token's '%(claim)s' contradicts the credential's %(field)s."),
    # --- the issuer's key (SD-JWT VC §3.5 Issuer Signature Mechanisms)
    "key.issuer_metadata_matches": N_(
        "The signing key is one the issuer publishes for its credentials."
    ),
    "key.issuer_metadata_unreachable": N_(
        "The issuer's list of signing keys (%(url)s) could not be fetched right now."
    ),
    "key.issuer_metadata_invalid": N_("The issuer's list of signing keys is not usable: %(why)s."),
    "key.issuer_metadata_mismatch": N_(
        "The list of signing keys at %(url)s belongs to '%(found)s', not to the issuer of this "
        "credential."
    ),
    "key.issuer_key_not_found": N_(
        "None of the keys the issuer publishes made this credential's signature."
    ),
    "key.x5c_unsupported": N_(
        "The issuer signed this credential with an X.509 certificate, and this wallet has no "
        "trusted certificate authorities to check such certificates against."
    ),
    "key.issuer_unresolvable": N_(
        "The credential does not name its issuer in a way this wallet can look up (%(iss)s)."
    ),
    # --- the holder's key binding (SD-JWT §4.3, §7.3)
    "kb.valid": N_("The holder signed this presentation with the key the issuer bound it to."),
    "kb.missing": N_(
        "The presentation is not signed by its holder, but a signed one was requested."
    ),
    "kb.not_requested": N_(
        "The holder's signature was checked, but not against a particular request."
    ),
    "kb.invalid": N_(
        "The holder's signature on this presentation is not in the required form: %(why)s."
    ),
    "kb.no_holder_key": N_(
        "The credential names no holder key, so the holder's signature cannot be checked."
    ),
    "kb.signature_invalid": N_(
        "The holder's signature does not match: the presentation was altered, or signed with "
        "another key than the one the issuer bound it to."
    ),
    "kb.sd_hash_mismatch": N_(
        "The holder's signature covers other revealed claims than the ones presented."
    ),
    "kb.iat_future": N_("The holder's signature is dated in the future."),
    "kb.stale": N_("This presentation was made too long ago; ask the holder for a fresh one."),
    "kb.unbound_in_presentation": N_(
        "The issuer did not bind this credential to its holder's key, so the holder's "
        "signature on the presentation around it is the only sign it is theirs."
    ),
    "kb.nonce_mismatch": N_("The presentation was not made for this request."),
    "kb.aud_mismatch": N_("The presentation was made for another verifier."),
    "kb.unexpected_at_import": N_(
        "This credential carries its holder's signature for a verifier, as a presentation does."
    ),
    # --- Token Status List (draft-ietf-oauth-status-list)
    "status.none": N_("This credential has no revocation or suspension status to check."),
    "status.clear": N_("The issuer has not revoked or suspended this credential."),
    "status.revoked": N_("The issuer has revoked this credential."),
    "status.suspended": N_("The issuer has suspended this credential."),
    "status.application_specific": N_(
        "The issuer gives this credential a status of its own (%(value)s), which this wallet "
        "cannot interpret."
    ),
    "status.unreachable": N_(
        "The issuer's status list could not be reached, so revocation cannot be ruled out."
    ),
    "status.malformed": N_(
        "The credential's status reference is not in the required form: %(why)s."
    ),
    "status.list_malformed": N_("The issuer's status list is not in the required form: %(why)s."),
    "status.list_untrusted": N_(
        "The issuer's status list is not properly signed, so the credential's status cannot "
        "be trusted."
    ),
    "status.list_expired": N_(
        "The issuer's status list is out of date, so the credential's status is unknown."
    ),
    "status.list_subject_mismatch": N_(
        "The status list fetched is not the one the credential points to."
    ),
    "status.list_too_large": N_("The status list is larger than this wallet accepts."),
    "status.index_out_of_range": N_(
        "The credential's place in the issuer's status list does not exist."
    ),
    "status.type_unknown": N_(
        "The issuer uses a kind of status check this wallet does not know, so it was not checked."
    ),
}


def sentence(code: str, **values: Any) -> str:
    """The code's sentence with its values (each cut to 200 characters; a nested sentence is
    kept whole, so that it can be translated in its turn)."""
    return Message(
        SENTENCES[code],
        **{k: v if isinstance(v, Message) else str(v)[:200] for k, v in values.items()},
    )


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
