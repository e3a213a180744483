"""Verifying an SD-JWT VC: RFC 9901 §7.1 and §7.3 with the rules of SD-JWT VC §3.

In order: the compact form; the issuer JWT's `typ` (`dc+sd-jwt`, or the older `vc+sd-jwt`);
its `_sd_alg`; the issuer's key and signature (sdjwt.issuer); the Disclosures
(sdjwt.disclosures); the holder's KB-JWT (sdjwt.keybinding); then, on the processed payload,
`vct`, the validity window (`nbf`, `exp`) and `status` (sdjwt.statuslist).

Some issuers (the `vc+sd-jwt` media type of VC-JOSE-COSE drafts) secure a W3C credential
(`@context`, `type`, `credentialSubject`) this way instead of an SD-JWT VC with `vct`: for
those, `vcdm` is set and the JWT claims are left out of `credential`, which the pipeline
then checks like any other W3C credential (structure, contexts, credentialStatus, validity).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..checks import check_validity
from ..errors import VerificationInputError
from ..messages import Message, message_of
from ..options import VerifyOptions
from ..parse.classify import classify
from ..proofs import jose
from ..report import Check, Verdict, failed
from ..structure import node_id
from .compact import DEFAULT_HASH, HASHES, SdJwt, split
from .disclosures import ClaimPath, DisclosedClaim, process
from .issuer import verify_issuer_signature
from .keybinding import check_key_binding
from .statuslist import check_status
from .wording import SdJwtError, fail, ok, skip

SD_JWT_VC_TYPES = ("dc+sd-jwt", "vc+sd-jwt")
# Claims of the JWT itself, not of a W3C credential it secures.
JWT_CLAIMS = frozenset(
    {"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "cnf", "vct", "vct#integrity", "status"}
)
_VCDM_KINDS = ("ob3", "clr2", "endorsement", "vc")


@dataclass
class SdJwtVerification:
    """What `verify_sd_jwt` found.

    `format` is "sd-jwt-vc", or for a W3C credential secured as an SD-JWT its kind ("ob3",
    "clr2", "endorsement", "vc"; `vcdm` is then True), or "sd-jwt" for an SD-JWT of another
    type. `claims` is the Processed SD-JWT Payload (what the issuer signed and the holder
    revealed; for `vcdm`, the credential without the JWT's own claims), None when nothing
    could be read. `disclosed` says where each revealed claim went; `undisclosed` counts
    the digests nothing revealed (hidden claims and the issuer's decoys alike).
    """

    format: str = "sd-jwt"
    checks: list[Check] = field(default_factory=list)
    claims: dict[str, Any] | None = None
    sd_jwt: SdJwt | None = None
    disclosed: tuple[DisclosedClaim, ...] = ()
    undisclosed: int = 0
    vcdm: bool = False
    header: dict[str, Any] = field(default_factory=dict)

    @property
    def disclosed_paths(self) -> list[ClaimPath]:
        return [claim.path for claim in self.disclosed]

    def extras(self) -> dict[str, Any]:
        """JSON for Report.extras["sd_jwt"]: what the app shows beside the claims."""
        return {
            "typ": self.header.get("typ"),
            "disclosed": [list(path) for path in self.disclosed_paths],
            "undisclosed": self.undisclosed,
            "key_binding": self.sd_jwt is not None and self.sd_jwt.kb_jwt is not None,
        }


def verify_sd_jwt(text: str, *, options: VerifyOptions) -> SdJwtVerification:
    """Verify an SD-JWT VC (issued, or presented with chosen Disclosures and a KB-JWT)."""
    result = SdJwtVerification()
    try:
        _verify(text, options, result)
    except SdJwtError as exc:
        result.checks.append(exc.check)
    return result


def _verify(text: str, options: VerifyOptions, result: SdJwtVerification) -> None:
    sd_jwt = result.sd_jwt = split(text)
    try:
        jws = jose.decode_compact(sd_jwt.issuer_jwt)
        payload = jws.payload_json()
    except VerificationInputError as exc:
        raise SdJwtError(
            "sdjwt.malformed", Verdict.MALFORMED, str(exc), name="parse", why=message_of(exc)
        ) from exc
    if not isinstance(payload, dict):
        raise SdJwtError(
            "sdjwt.malformed",
            Verdict.MALFORMED,
            name="parse",
            why=Message("its payload is not an object"),
        )
    result.header = jws.header
    typ = jws.header.get("typ")
    media = typ.lower().removeprefix("application/") if isinstance(typ, str) else ""
    if media not in SD_JWT_VC_TYPES:
        raise SdJwtError(
            "sdjwt.typ_unsupported", Verdict.UNSUPPORTED, repr(typ), name="structure", typ=typ
        )
    result.format = "sd-jwt-vc"
    hash_name = payload.get("_sd_alg", DEFAULT_HASH)
    if hash_name not in HASHES:
        raise SdJwtError(
            "sdjwt.hash_unsupported", Verdict.UNSUPPORTED, name="structure", alg=hash_name
        )
    if media == "vc+sd-jwt":
        result.checks.append(ok("structure", "sdjwt.legacy_type"))
    issuer = payload.get("iss", node_id(payload.get("issuer")))
    result.checks.extend(verify_issuer_signature(jws, issuer, options=options))
    processed = process(payload, sd_jwt.disclosures, hash_name=hash_name, limits=options.limits)
    result.disclosed, result.undisclosed = processed.disclosed, processed.undisclosed
    claims = processed.claims
    if processed.disclosed:
        result.checks.append(
            ok("disclosures", "sdjwt.claims_disclosed", count=len(processed.disclosed))
        )
    if processed.undisclosed:
        result.checks.append(
            skip("disclosures", "sdjwt.claims_undisclosed", count=processed.undisclosed)
        )
    result.checks.extend(check_key_binding(sd_jwt, claims, hash_name=hash_name, options=options))
    if "vct" not in claims and classify(claims) in _VCDM_KINDS:
        _w3c_credential(claims, result)
        return
    result.claims = claims
    if not isinstance(claims.get("vct"), str):
        result.checks.append(fail("structure", "sdjwt.vct_missing", Verdict.MALFORMED))
    result.checks.extend(_validity(claims, options))
    result.checks.extend(check_status(claims.get("status"), issuer=issuer, options=options))


def _w3c_credential(claims: dict[str, Any], result: SdJwtVerification) -> None:
    result.vcdm = True
    credential = {k: v for k, v in claims.items() if k not in JWT_CLAIMS}
    result.claims = credential
    result.format = classify(credential)
    stated, named = claims.get("iss"), node_id(credential.get("issuer"))
    if stated is not None and named is not None and stated != named:
        result.checks.append(
            fail(
                "proof",
                "sdjwt.claim_mismatch",
                Verdict.MALFORMED,
                f"iss={stated!r}, issuer={named!r}",
                claim="iss",
                field="issuer",
            )
        )


def _validity(claims: dict[str, Any], options: VerifyOptions) -> list[Check]:
    window: dict[str, Any] = {}
    for claim, name in (("nbf", "validFrom"), ("exp", "validUntil")):
        value = claims.get(claim)
        if value is None:
            continue
        moment = _epoch(value)
        if moment is None:
            return [
                failed(
                    "validity",
                    "validity.unparseable",
                    Message("The date in '%(claim)s' cannot be read.", claim=claim),
                    Verdict.MALFORMED,
                    repr(value)[:100],
                )
            ]
        window[name] = moment
    return check_validity(window, now=options.now)


def _epoch(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return None
