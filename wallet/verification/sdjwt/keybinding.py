"""Key Binding: the holder's signature over a presentation (RFC 9901 §4.3, §7.3).

The issuer binds the credential to the holder's key in `cnf` (a `jwk`, RFC 7800 §3.2, or a
`kid` naming a DID URL); presenting it, the holder appends a KB-JWT (`typ` `kb+jwt`) signed
with that key, over `iat`, `aud`, `nonce` and `sd_hash`, the hash of the exact SD-JWT string
presented (issuer JWT and the chosen Disclosures).

Whether Key Binding is required is the verifier's policy, never whether one was sent
(§7.3 step 1): here it is required when the caller expects a particular request, that is
when `VerifyOptions.challenge` (the nonce) or `domain` (the audience) is set; then `iat`
must also be recent (`VerifyOptions.key_binding_max_age`). A KB-JWT sent without such a
request is still checked (signature, `sd_hash`, a date not in the future).

Inside a holder-signed presentation (`VerifyOptions.inside_presentation`, an enveloped
SD-JWT in a W3C VP) the presentation's proof answers the request: a KB-JWT is required only
of an SD-JWT bound to a key (one with no `cnf` cannot have one, which is said as a warning),
must carry the same nonce and audience, and is as old as the presentation it sits in.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from ..errors import MalformedInput, UnsupportedInput, VerificationInputError
from ..keys import KeyResolutionError, VerificationMethod, key_from_jwk, resolve_verification_method
from ..messages import Message
from ..options import VerifyOptions
from ..proofs import jose
from ..report import Check, Verdict
from .compact import SdJwt, b64url_digest
from .wording import SdJwtError, fail, ok, skip, warn

KB_TYP = "kb+jwt"
# Clocks differ: a KB-JWT dated this far ahead of the verifier's clock is still accepted.
CLOCK_SKEW = timedelta(seconds=60)


def check_key_binding(
    sd_jwt: SdJwt, claims: dict[str, Any], *, hash_name: str, options: VerifyOptions
) -> list[Check]:
    """The `proof` checks of the holder's KB-JWT (none when neither sent nor required)."""
    required = options.challenge is not None or options.domain is not None
    if sd_jwt.kb_jwt is None:
        if required and options.inside_presentation and not isinstance(claims.get("cnf"), dict):
            return [warn("proof", "kb.unbound_in_presentation")]
        if required:
            return [fail("proof", "kb.missing", Verdict.INVALID_SIGNATURE)]
        return []
    try:
        return _check(sd_jwt, sd_jwt.kb_jwt, claims, hash_name, options, required)
    except SdJwtError as exc:
        return [exc.check]


def _check(
    sd_jwt: SdJwt,
    token: str,
    claims: dict[str, Any],
    hash_name: str,
    options: VerifyOptions,
    required: bool,
) -> list[Check]:
    try:
        jws = jose.decode_compact(token)
        payload = jws.payload_json()
    except VerificationInputError as exc:
        raise _invalid(Message("it cannot be decoded"), str(exc)) from exc
    if _media(jws.header.get("typ")) != KB_TYP:
        raise _invalid(Message("it is not typed 'kb+jwt'"), repr(jws.header.get("typ")))
    problem = jose.header_problem(jws)
    if problem is not None:
        return [problem]
    if not isinstance(payload, dict):
        raise _invalid(Message("its payload is not a JSON object"))
    issued = payload.get("iat")
    if isinstance(issued, bool) or not isinstance(issued, int | float):
        raise _invalid(Message("it has no creation time (iat)"))
    for claim in ("aud", "nonce", "sd_hash"):
        if not isinstance(payload.get(claim), str):
            raise _invalid(Message("it has no text '%(claim)s'", claim=claim))
    method = holder_key(claims.get("cnf"), options)
    _signature(jws, method)
    if payload["sd_hash"] != b64url_digest(sd_jwt.without_key_binding, hash_name):
        raise SdJwtError("kb.sd_hash_mismatch", Verdict.INVALID_SIGNATURE, name="proof")
    now = options.now.timestamp()
    if issued > now + CLOCK_SKEW.total_seconds():
        raise SdJwtError(
            "kb.iat_future", Verdict.INVALID_SIGNATURE, f"iat {issued} > {now}", name="proof"
        )
    stale = now - issued > options.key_binding_max_age.total_seconds()
    if required and stale and not options.inside_presentation:
        raise SdJwtError(
            "kb.stale",
            Verdict.EXPIRED,
            f"iat {issued} is more than {options.key_binding_max_age} before {now}",
            name="proof",
        )
    for claim, expected, code in (
        ("nonce", options.challenge, "kb.nonce_mismatch"),
        ("aud", options.domain, "kb.aud_mismatch"),
    ):
        if expected is not None and payload[claim] != expected:
            raise SdJwtError(
                code,
                Verdict.INVALID_SIGNATURE,
                f"{claim} {payload[claim]!r} != expected {expected!r}",
                name="proof",
            )
    checks = [ok("proof", "kb.valid", method.id)]
    if not required:
        checks.append(skip("proof", "kb.not_requested", f"aud {payload['aud']!r}"))
    return checks


def holder_key(cnf: Any, options: VerifyOptions) -> VerificationMethod:
    """The key the issuer bound the credential to: `cnf.jwk`, or `cnf.kid` (a DID URL)."""
    if isinstance(cnf, dict) and "jwk" in cnf:
        try:
            key = key_from_jwk(cnf["jwk"])
        except VerificationInputError as exc:
            raise _invalid(
                Message("the holder key in the credential is not usable: %(exc)s", exc=exc)
            ) from exc
        return VerificationMethod(
            id="cnf.jwk", controller="", type="JsonWebKey", public_key=key, binding="cnf"
        )
    if isinstance(cnf, dict) and isinstance(cnf.get("kid"), str):
        try:
            return resolve_verification_method(
                cnf["kid"], fetcher=options.fetcher, purpose="authentication", limits=options.limits
            )
        except KeyResolutionError as exc:
            raise SdJwtError(
                "kb.no_holder_key", exc.implies, f"{cnf['kid']}: {exc}", name="key"
            ) from exc
    raise SdJwtError("kb.no_holder_key", Verdict.INVALID_SIGNATURE, repr(cnf)[:200], name="key")


def _signature(jws: jose.CompactJws, method: VerificationMethod) -> None:
    try:
        valid = jose.verify_compact_jws(jws, method.public_key)
    except (MalformedInput, UnsupportedInput) as exc:
        raise SdJwtError(
            "kb.signature_invalid", Verdict.INVALID_SIGNATURE, f"{exc.code}: {exc}", name="proof"
        ) from exc
    if not valid:
        raise SdJwtError("kb.signature_invalid", Verdict.INVALID_SIGNATURE, method.id, name="proof")


def make_key_binding_jwt(
    sd_jwt: str,
    *,
    private_key: jose.PrivateKey,
    audience: str,
    nonce: str,
    issued_at: datetime,
    hash_name: str,
) -> str:
    """A KB-JWT over `sd_jwt` (which ends with '~'), signed by the holder's `private_key`."""
    header = {"alg": jose.alg_for(private_key), "typ": KB_TYP}
    payload = {
        "iat": int(issued_at.timestamp()),
        "aud": audience,
        "nonce": nonce,
        "sd_hash": b64url_digest(sd_jwt, hash_name),
    }
    body = json.dumps(payload, separators=(",", ":")).encode()
    return jose.sign_compact(header, body, private_key=private_key)


def _media(typ: Any) -> str:
    return typ.lower().removeprefix("application/") if isinstance(typ, str) else ""


def _invalid(why: str, detail: str = "") -> SdJwtError:
    return SdJwtError("kb.invalid", Verdict.MALFORMED, detail, name="proof", why=why)
