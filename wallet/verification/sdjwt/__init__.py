"""SD-JWT VCs: verifying them (RFC 9901 SD-JWT, SD-JWT VC), and presenting them as a holder.

An SD-JWT VC is `<issuer JWT>~<Disclosure>~...~<Disclosure>~[<KB-JWT>]`: the issuer signs a
JWT whose selectively disclosable claims appear only as digests; each Disclosure (base64url
JSON `[salt, name, value]`, or `[salt, value]` for an array element) reveals one of them;
presenting it, the holder keeps the Disclosures of the claims they choose and may append a
Key Binding JWT signed with the key the issuer bound the credential to (`cnf`). Media types:
`application/dc+sd-jwt`, and the older `vc+sd-jwt` that eduBadges (SURF) and other
OpenID4VCI issuers still send; both are the JWT header's `typ`.

How the app uses it (all pure functions: no Django, no sockets, no clock of their own):

Importing (a file, pasted text, an OpenID4VCI credential response) goes through the usual
entry points, `verify_bytes` / `verify_document`, which recognise the compact form, the JWS
JSON serialization (RFC 9901 §8) and JSON wrappers such as `{"credential": "<sd-jwt>"}` or
`{"credentials": [{"credential": ...}]}`. The Report then has

- `format` "sd-jwt-vc" (or, for a W3C credential secured as an SD-JWT, its kind: "ob3",
  "vc", ...), `container` "sd-jwt", `jwt` the exact SD-JWT string (keep it: presenting
  needs the issuer's Disclosures);
- `credential`: the Processed SD-JWT Payload, i.e. the claims to show: what the issuer
  signed in the open plus what the Disclosures revealed (no `_sd`, no digests);
- `extras["sd_jwt"]`: `{"typ", "disclosed": [claim paths], "undisclosed": n,
  "key_binding": bool}`; `undisclosed` counts the claims still hidden (and the issuer's
  decoys, which cannot be told apart): show it as a count, there is nothing else to show;
- checks with stable codes (their sentences are in sdjwt.wording): the issuer's key
  (`key.*`), signature (`proof.signature_valid`), Disclosures (`sdjwt.*`), the holder's
  signature (`kb.*`), validity (`validity.*`) and status (`status.*`).

Verifying a presentation made for a request: pass `VerifyOptions(challenge=<nonce>,
domain=<audience>)`; the KB-JWT is then required, must carry that nonce and audience, be
signed by the `cnf` key, cover exactly the string presented (`sd_hash`), and be at most
`key_binding_max_age` old by the caller's clock.

Sharing with chosen claims (the share flow), from the stored SD-JWT string:

    claims = disclosable_claims(stored)              # [DisclosableClaim(path, value, parent)]
    shown = present(stored, disclose=[("given_name",), ("address", "locality")])
    token = bind(shown, private_key=holder_key, audience=verifier_id, nonce=nonce,
                 issued_at=now)                      # when the verifier asks for key binding

A claim path is a tuple of member names and array indices (SD-JWT VC §9.1), as `disclosed`
and `disclosable_claims` give them. `present` adds the Disclosures of the claims a chosen
one sits in, and of everything inside it.

Lower layers, for other uses: `compact.split` / `from_json_serialization`,
`disclosures.process` (RFC 9901 §7.1 step 3 on any payload), `keybinding`,
`issuer.verify_issuer_signature`, `statuslist.check_status`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .disclosures import ClaimPath
    from .holder import DisclosableClaim, bind, disclosable_claims, present
    from .verify import SdJwtVerification, verify_sd_jwt

_LAZY = {
    "ClaimPath": "disclosures",
    "DisclosableClaim": "holder",
    "bind": "holder",
    "disclosable_claims": "holder",
    "present": "holder",
    "SdJwtVerification": "verify",
    "verify_sd_jwt": "verify",
}


def __getattr__(name: str) -> Any:
    # Parsing imports `compact` to recognise SD-JWTs; it must not pull in the verifier.
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ClaimPath",
    "DisclosableClaim",
    "SdJwtVerification",
    "bind",
    "disclosable_claims",
    "present",
    "verify_sd_jwt",
]
