"""The holder's signatures: the one place the learner's holder key signs anything.

A presentation gets a Data Integrity proof with purpose `authentication` (a share, an answer
to a verifier, a DIDAuthentication, an OpenID4VCI `di_vp` key proof); a JWT gets an EdDSA
signature whose `kid` is the holder's DID URL (a JWT presentation, an OpenID4VCI `jwt` key
proof), or, for an issuer of SD-JWT VCs that takes only ES256, an ES256 signature by the
P-256 companion key; an SD-JWT presented gets a Key Binding JWT signed by the key (Ed25519
or P-256) its issuer bound it to.
Callers say what to sign and for whom (challenge, domain, audience); the key never leaves
this module.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from datetime import datetime
from typing import Any

from accounts.models import User
from accounts.services import (
    HolderBindingKey,
    HolderSigningKey,
    holder_binding_keys,
    holder_key_create,
    holder_p256_key,
    holder_signing_key,
)
from wallet.verification.errors import VerificationInputError
from wallet.verification.keys import jwk_from_key, key_from_jwk, same_key
from wallet.verification.proofs.dataintegrity import sign
from wallet.verification.proofs.jose import alg_for, sign_compact
from wallet.verification.sdjwt import bind
from wallet.verification.sdjwt.holder import processed_claims

EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
ED25519_SIGNATURE_2020 = "Ed25519Signature2020"
# The suites the holder key (Ed25519) can sign a presentation with, preferred first.
PRESENTATION_SUITES = (EDDSA_RDFC_2022, ED25519_SIGNATURE_2020)

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"

# The JWS algorithms the holder keys sign with: the Ed25519 key, and its P-256 companion.
EDDSA, ES256 = "EdDSA", "ES256"
DID_KEY, DID_JWK = "did:key", "did:jwk"


def holder_did(*, user: User) -> str:
    """The DID credentials issued to the learner now are bound to (what asks for it is about
    to sign, or to have something bound to the key: the key is made if there is none)."""
    return holder_key_create(user=user).did


def holder_verification_method(*, user: User) -> str:
    """The DID URL naming the holder key (`did:key:z…#z…`)."""
    return holder_signing_key(user=user).verification_method


def presentation_context(cryptosuite: str = EDDSA_RDFC_2022) -> list[str]:
    """The `@context` of a presentation signed with `cryptosuite`: VC 2.0 for Data Integrity
    proofs; VC 1.1 with the suite's own context for the legacy Ed25519Signature2020, whose
    terms the VC 2.0 context does not define."""
    if cryptosuite == ED25519_SIGNATURE_2020:
        return [VC_V1, ED25519_2020_CONTEXT]
    return [VC_V2]


def sign_presentation(
    *,
    user: User | None = None,
    presentation: dict[str, Any],
    now: datetime,
    challenge: str | None = None,
    domain: str | None = None,
    cryptosuite: str = EDDSA_RDFC_2022,
    expires: datetime | None = None,
    cache: MutableMapping[str, str] | None = None,
    key: HolderSigningKey | None = None,
) -> dict[str, Any]:
    """`presentation` with the holder's proof (purpose `authentication`) added.

    Signed with the `user`'s current key, or with `key` when the caller already holds it
    (`accounts.services.holder_signing_key_of`). The presentation's `holder`, when it names
    one, must be the holder's DID: a proof by one key for a presentation claiming another
    holder would not verify, and saying so here beats an issuer's puzzled refusal. Raises
    ValueError for a suite the key cannot sign.
    """
    if cryptosuite not in PRESENTATION_SUITES:
        raise ValueError(f"the holder key cannot sign with {cryptosuite}")
    key = _key(user, key)
    if presentation.get("holder", key.did) != key.did:
        raise ValueError("the presentation names another holder")
    return sign(
        presentation,
        private_key=key.private_key,
        verification_method=key.verification_method,
        purpose="authentication",
        created=now,
        challenge=challenge,
        domain=domain,
        cryptosuite=cryptosuite,
        expires=expires,
        cache=cache,
    )


def _key(user: User | None, key: HolderSigningKey | None) -> HolderSigningKey:
    if key is not None:
        return key
    if user is None:
        raise TypeError("sign with a user's key or a key in hand")
    return holder_signing_key(user=user)


def sign_holder_jwt(
    *,
    user: User | None = None,
    payload: dict[str, Any],
    typ: str,
    with_jwk: bool = False,
    alg: str = EDDSA,
    did_method: str = DID_KEY,
    key: HolderSigningKey | None = None,
) -> str:
    """A compact JWS over `payload`, `typ` as given, signed EdDSA by the Ed25519 holder key
    (the `user`'s current one, or the `key` in hand) or, `alg` ES256, by its P-256 companion.
    It names the key by `kid` (its DID URL, did:key unless `did_method` is did:jwk), or,
    `with_jwk`, carries the public key itself in `jwk` (what an issuer binds an SD-JWT VC to,
    RFC 7800 `cnf.jwk`; OpenID4VCI 1.0 Appendix F.1 allows exactly one of the two). Raises
    ValueError for an algorithm no holder key signs with."""
    if key is not None:
        signer = HolderBindingKey(**vars(key))
    elif user is not None:
        signer = _jws_key(user=user, alg=alg)
    else:
        raise TypeError("sign with a user's key or a key in hand")
    if with_jwk:
        header: dict[str, Any] = {"jwk": jwk_from_key(signer.private_key.public_key())}
    elif did_method == DID_JWK:
        header = {"kid": f"{signer.did_jwk}#0"}
    else:
        header = {"kid": signer.verification_method}
    header = {"alg": alg_for(signer.private_key), "typ": typ, **header}
    body = json.dumps(payload, separators=(",", ":")).encode()
    return sign_compact(header, body, private_key=signer.private_key)


def holder_jws_did(*, user: User, alg: str = EDDSA, did_method: str = DID_KEY) -> str:
    """The DID of the key `sign_holder_jwt` signs with for `alg` (what an issuer that binds
    to DIDs will bind the credential to)."""
    key = _jws_key(user=user, alg=alg)
    return key.did_jwk if did_method == DID_JWK else key.did


def _jws_key(*, user: User, alg: str) -> HolderBindingKey:
    if alg == ES256:
        return holder_p256_key(user=user)
    if alg == EDDSA:
        return HolderBindingKey(**vars(holder_signing_key(user=user)))
    raise ValueError(f"no holder key signs with {alg}")


def bound_to_holder(*, user: User, sd_jwt: str) -> bool:
    """Whether the issuer bound the SD-JWT (`cnf`) to one of the learner's keys, current or
    retired: only then can the learner present it with a Key Binding JWT."""
    try:
        cnf = processed_claims(sd_jwt).get("cnf")
    except ValueError:
        return False
    return any(_bound_to(cnf, key) for key in holder_binding_keys(user=user))


def sign_key_binding(
    *, user: User, presentation: str, audience: str, nonce: str, issued_at: datetime
) -> str:
    """RFC 9901 §4.3: `presentation` (an SD-JWT with the Disclosures the learner chose, ending
    in '~') with a Key Binding JWT for `audience` and `nonce`, signed by whichever of the
    learner's keys, Ed25519 (EdDSA) or P-256 (ES256), current or retired, the issuer bound
    the credential to in `cnf`.

    Raises ValueError when the credential is bound to no key of the learner's (or to none).
    """
    cnf = processed_claims(presentation).get("cnf")
    for key in holder_binding_keys(user=user):
        if _bound_to(cnf, key):
            return bind(
                presentation,
                private_key=key.private_key,
                audience=audience,
                nonce=nonce,
                issued_at=issued_at,
            )
    raise ValueError("The credential is not bound to a key this wallet holds for you.")


def _bound_to(cnf: Any, key: HolderBindingKey) -> bool:
    if not isinstance(cnf, dict):
        return False
    if isinstance(cnf.get("jwk"), dict):
        try:
            return same_key(key_from_jwk(cnf["jwk"]), key.private_key.public_key())
        except VerificationInputError:
            return False
    kid = cnf.get("kid")
    return isinstance(kid, str) and kid.split("#", 1)[0] in (key.did, key.did_jwk)
