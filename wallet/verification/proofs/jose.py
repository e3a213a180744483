"""Compact JWS on joserfc: decoding, signature checks with an allow-list, signing.

joserfc does the JOSE work (base64url, the JWS signing input, each algorithm's signature
and key checks); this module keeps the wallet's policy around it, with stable check codes:

- only the asymmetric algorithms in ALLOWED_ALGS: never `none`, never HMAC (a shared secret
  proves nothing about an issuer), refused with `proof.alg_refused` before any key is fetched;
- a key of another type or curve than the algorithm needs is refused (`key.type_mismatch`),
  never coerced;
- a `crit` header is refused (`proof.crit_unsupported`): this wallet understands no JWS
  extension, so it must not accept a token that says one is critical (RFC 7515 §4.1.11);
- sizes: joserfc's own caps (512-byte headers, 128 KB payloads) are raised to the
  verifier's input cap, which parsing has already applied.

Then the JWT-secured credentials themselves (VC-JOSE-COSE, VC 1.1 `vc`/`vp` claims, OB 3.0
VC-JWT): their key, its tie to the issuer (keys.binding), and their registered claims.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from joserfc import jws as joserfc_jws
from joserfc.errors import JoseError
from joserfc.jwa import JWSAlgModel
from joserfc.jwk import ECKey, OKPKey, RSAKey
from joserfc.util import urlsafe_b64decode

from .. import urls
from ..caching import BoundedCache
from ..errors import MalformedInput, UnsupportedInput, UnsupportedKeyType, VerificationInputError
from ..keys import (
    InvalidKey,
    KeyNotFound,
    KeyResolutionError,
    UnsupportedKey,
    VerificationMethod,
    key_from_jwk,
    resolve_verification_method,
)
from ..keys.binding import binding_check, embedded_key_check, key_failure
from ..keys.documents import fetch_document
from ..limits import Limits
from ..messages import N_, Message, message_of
from ..options import VerifyOptions
from ..report import Check, Verdict, failed, passed
from ..structure import node_id

# Never "none", never HMAC: a shared secret proves nothing about an issuer.
ALLOWED_ALGS = frozenset({"EdDSA", "Ed25519", "ES256", "ES384", "RS256", "PS256"})

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey
PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
JoseKey = ECKey | OKPKey | RSAKey


class _Registry(joserfc_jws.JWSRegistry):
    """The allow-list, without joserfc's deprecation warning for `EdDSA` (OB 3.0 and
    VC-JOSE-COSE issuers sign with it), and with size caps at the verifier's input cap."""

    def get_alg(self, name: str) -> JWSAlgModel:
        if name not in ALLOWED_ALGS or name not in self.algorithms:
            raise UnsupportedInput(
                Message(
                    "The token is signed with '%(value)s', which this wallet does not accept.",
                    value=name or "none",
                ),
                code="proof.alg_refused",
            )
        return self.algorithms[name]


_REGISTRY = _Registry(algorithms=sorted(ALLOWED_ALGS), strict_check_header=False)
_REGISTRY.max_header_length = _REGISTRY.max_payload_length = Limits().max_input_bytes
_REGISTRY.max_signature_length = 4096


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise MalformedInput(N_("The token is not valid base64url."), detail=str(exc)) from exc


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class CompactJws:
    header: dict[str, Any]
    payload: bytes
    # joserfc's view of the same token, for its signature check.
    signed: joserfc_jws.CompactSignature

    @property
    def alg(self) -> str:
        return str(self.header.get("alg", ""))

    def payload_json(self) -> Any:
        try:
            return json.loads(self.payload)
        except ValueError as exc:
            raise MalformedInput(N_("The token's payload is not JSON."), detail=str(exc)) from exc


def decode_compact(token: str) -> CompactJws:
    """Split and decode a compact JWS without verifying it."""
    text = token.strip()
    if text.count(".") != 2:
        raise MalformedInput(N_("This is not a compact JWS (expected three dot-separated parts)."))
    try:
        signed = joserfc_jws.extract_compact(text.encode(), registry=_REGISTRY)
    except (JoseError, ValueError, UnicodeError, RecursionError) as exc:
        raise MalformedInput(
            N_("The token's header or payload cannot be decoded."), detail=repr(exc)
        ) from exc
    if not isinstance(signed.protected, dict):
        raise MalformedInput(N_("The token's header is not a JSON object."))
    payload = signed.payload
    if "b64" in signed.protected:
        # joserfc read an RFC 7797 unencoded payload; this wallet takes no JWS extension, so
        # the token is read as a plain JWS and its `crit` refused (header_problem).
        payload = b64url_decode(signed.segments["payload"].decode())
    return CompactJws(header=signed.protected, payload=payload, signed=signed)


def jose_key(key: Any) -> JoseKey:
    """A `cryptography` key (public or private) as a joserfc key; another type is refused."""
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return OKPKey.import_key(key)
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return ECKey.import_key(key)
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return RSAKey.import_key(key)
    raise UnsupportedInput(
        Message("A %(name)s cannot verify a JWS.", name=type(key).__name__),
        code="key.type_mismatch",
    )


# The key each accepted algorithm verifies with: (key class, curve name or None).
_ALG_KEY_TYPES: dict[str, tuple[type, str | None]] = {
    "EdDSA": (ed25519.Ed25519PublicKey, None),
    "Ed25519": (ed25519.Ed25519PublicKey, None),
    "ES256": (ec.EllipticCurvePublicKey, "secp256r1"),
    "ES384": (ec.EllipticCurvePublicKey, "secp384r1"),
    "RS256": (rsa.RSAPublicKey, None),
    "PS256": (rsa.RSAPublicKey, None),
}


def verify_compact_jws(jws: CompactJws, key: Any) -> bool:
    """True when the signature verifies with `key` under the header's algorithm.

    Raises UnsupportedInput for algorithms outside ALLOWED_ALGS (`proof.alg_refused`) and for
    a key that does not fit the algorithm (`key.type_mismatch`): refused, never coerced.
    """
    algorithm = _REGISTRY.get_alg(jws.alg)
    kind, curve = _ALG_KEY_TYPES[jws.alg]
    wrong_curve = isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name != curve
    if not isinstance(key, kind) or wrong_curve:
        raise UnsupportedInput(
            Message("The key type does not match %(alg)s.", alg=jws.alg),
            code="key.type_mismatch",
            detail=type(key).__name__,
        )
    segments = jws.signed.segments
    try:
        signature = urlsafe_b64decode(segments["signature"])
    except ValueError:
        return False
    # joserfc's validate_compact less its header registry pass and its JWK `use`/`alg` checks
    # (header_problem has refused `crit`; a key built from a document has no such members).
    signing_input = segments["header"] + b"." + segments["payload"]
    return bool(algorithm.verify(signing_input, signature, _public_jose_key(key)))


# joserfc keys of the public keys verified with lately. Resolved keys recur (did:key and
# did:jwk material is cached by keys.resolve), and a joserfc key computes its JWK form on
# first use; `cryptography` keys are not hashable, so entries are found by identity and
# hold the key itself, which keeps its id from being reused while the entry lives.
_JOSE_KEYS: BoundedCache[int, tuple[Any, JoseKey]] = BoundedCache(256)


def _public_jose_key(key: Any) -> JoseKey:
    cached = _JOSE_KEYS.get(id(key))
    if cached is not None and cached[0] is key:
        return cached[1]
    converted = jose_key(key)
    _JOSE_KEYS[id(key)] = (key, converted)
    return converted


def sign_compact(header: dict[str, Any], payload: bytes, *, private_key: PrivateKey) -> str:
    """A compact JWS of `payload` under `header` (which names the algorithm)."""
    return joserfc_jws.serialize_compact(header, payload, jose_key(private_key), registry=_REGISTRY)


# --------------------------------------------------------------------------- JWT credentials

# VC 1.1 "JWT decoding": registered claims that stand in for credential properties.
_TIME_CLAIMS = (
    ("nbf", ("validFrom", "issuanceDate"), "issuanceDate"),
    ("exp", ("validUntil", "expirationDate"), "expirationDate"),
)


def sign_jwt(
    payload: dict[str, Any], *, private_key: PrivateKey, kid: str, typ: str = "vc+jwt"
) -> str:
    """A compact JWS over `payload`: EdDSA (Ed25519), ES256/ES384 (P-256/P-384) or RS256."""
    header = {"alg": alg_for(private_key), "kid": kid, "typ": typ}
    body = json.dumps(payload, separators=(",", ":")).encode()
    return sign_compact(header, body, private_key=private_key)


def alg_for(private_key: Any) -> str:
    """The JWS algorithm a private key signs with."""
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return "EdDSA"
    if isinstance(private_key, rsa.RSAPrivateKey):
        return "RS256"
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        algs = {"secp256r1": "ES256", "secp384r1": "ES384"}
        if private_key.curve.name in algs:
            return algs[private_key.curve.name]
    raise TypeError(f"cannot sign a JWT with {type(private_key).__name__}")


def verify_jwt_credential(
    token: str, *, options: VerifyOptions
) -> tuple[dict[str, Any] | None, list[Check]]:
    """Verify a JWT-secured credential (VC-JOSE-COSE, VC 1.1 `vc` claim, OB 3.0 VC-JWT).

    Returns the credential (a copy, with VC 1.1 claims decoded into it) and the checks: the
    token's algorithm, the key and its tie to the issuer, the signature, and the agreement of
    the registered claims with the credential.
    """
    try:
        jws = decode_compact(token)
        payload = jws.payload_json()
    except VerificationInputError as exc:
        return None, [failed("parse", exc.code, message_of(exc), Verdict.MALFORMED, exc.detail)]
    except (AttributeError, RecursionError, TypeError, ValueError) as exc:
        return None, [
            failed(
                "parse",
                "jwt.invalid",
                N_("This is not a readable token."),
                Verdict.MALFORMED,
                repr(exc),
            )
        ]
    if not isinstance(payload, dict):
        return None, [
            failed(
                "parse",
                "jwt.payload_invalid",
                N_("The token's payload is not a JSON object."),
                Verdict.MALFORMED,
            )
        ]
    return verify_decoded_credential(jws, payload, options=options)


def verify_decoded_credential(
    jws: CompactJws, payload: dict[str, Any], *, options: VerifyOptions
) -> tuple[dict[str, Any], list[Check]]:
    """`verify_jwt_credential` for a token the caller has already decoded."""
    credential, issuer_id, claim_checks = _decode_credential(payload)
    problem = header_problem(jws)
    if problem is not None:
        return credential, [problem]
    key_checks, method = token_key(jws, issuer_id, options)
    if method is None:
        return credential, key_checks + claim_checks
    return credential, [*key_checks, signature_check(jws, method), *claim_checks]


def header_problem(jws: CompactJws) -> Check | None:
    """The check that refuses a token before any key is fetched, or None."""
    if jws.alg not in ALLOWED_ALGS:
        return failed(
            "proof",
            "proof.alg_refused",
            Message(
                "The token is signed with '%(value)s', which this wallet does not accept.",
                value=jws.alg or "none",
            ),
            Verdict.UNSUPPORTED,
            "accepted: " + ", ".join(sorted(ALLOWED_ALGS)),
        )
    if "crit" in jws.header:
        return failed(
            "proof",
            "proof.crit_unsupported",
            N_("The token requires header extensions this wallet does not understand."),
            Verdict.UNSUPPORTED,
            repr(jws.header["crit"]),
        )
    return None


def _epoch_to_xsd(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        moment = datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _decode_credential(payload: dict[str, Any]) -> tuple[dict[str, Any], str | None, list[Check]]:
    """The credential inside the payload, its issuer, and checks of the registered claims.

    A claim that contradicts the credential fails as MALFORMED: both values are signed, so
    this is not forgery, but a document that says two things cannot be shown as one of them.
    """
    if isinstance(payload.get("vp"), dict):
        presentation = dict(payload["vp"])
        holder = presentation.get("holder")
        holder_id = holder.get("id") if isinstance(holder, dict) else holder
        checks = _claim_agrees("iss", payload.get("iss"), "holder", holder_id)
        return presentation, _text(payload.get("iss")) or _text(holder_id), checks
    wrapped = isinstance(payload.get("vc"), dict)
    credential = dict(payload["vc"]) if wrapped else dict(payload)
    issuer_id = node_id(credential.get("issuer"))
    checks = _claim_agrees("iss", payload.get("iss"), "issuer", issuer_id)
    checks += _claim_agrees("jti", payload.get("jti"), "id", credential.get("id"))
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict):
        checks += _claim_agrees(
            "sub", payload.get("sub"), "credentialSubject.id", subject.get("id")
        )
    if wrapped:
        _copy_claims(payload, credential)
    for claim, fields, target in _TIME_CLAIMS:
        when = _epoch_to_xsd(payload.get(claim))
        if when and not any(f in credential for f in fields):
            credential[target] = when
    return credential, issuer_id or _text(payload.get("iss")), checks


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _copy_claims(payload: dict[str, Any], credential: dict[str, Any]) -> None:
    """VC 1.1 decoding: `iss`, `jti`, `sub` fill properties the `vc` claim left out."""
    if "issuer" not in credential and isinstance(payload.get("iss"), str):
        credential["issuer"] = payload["iss"]
    if "id" not in credential and isinstance(payload.get("jti"), str):
        credential["id"] = payload["jti"]
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict) and "id" not in subject and isinstance(payload.get("sub"), str):
        credential["credentialSubject"] = {**subject, "id": payload["sub"]}


def _claim_agrees(claim: str, value: Any, field_name: str, expected: Any) -> list[Check]:
    if value is None or expected is None or value == expected:
        return []
    return [
        failed(
            "proof",
            "proof.claim_mismatch",
            Message(
                "The token's '%(claim)s' (%(value)s) contradicts the credential's %(field_name)s.",
                claim=claim,
                value=repr(value),
                field_name=field_name,
            ),
            Verdict.MALFORMED,
            f"{claim}={value!r}, {field_name}={expected!r}",
        )
    ]


def token_key(
    jws: CompactJws, issuer_id: str | None, options: VerifyOptions
) -> tuple[list[Check], Any]:
    """Find the signing key from `kid` (DID URL or https URL), `jwk`, or a did:key/jwk issuer."""

    kid = jws.header.get("kid")
    jwk = jws.header.get("jwk")
    try:
        if isinstance(kid, str) and kid:
            method = _method_from_kid(kid, issuer_id, options)
        elif jwk is not None:
            return _embedded_jwk(jwk, jws.alg, issuer_id, options)
        elif issuer_id and issuer_id.startswith(("did:key:", "did:jwk:")):
            method = _resolve(issuer_id, options)
        else:
            return [
                failed(
                    "key",
                    "key.missing",
                    N_("The token does not say which key signed it."),
                    Verdict.INVALID_SIGNATURE,
                )
            ], None
    except UnsupportedKey as exc:
        if exc.key_type is None:
            return [key_failure(exc, str(kid or issuer_id), issuer_id)], None
        return [_key_type_mismatch(jws.alg, exc.key_type, str(kid or issuer_id))], None
    except KeyResolutionError as exc:
        return [key_failure(exc, str(kid or issuer_id), issuer_id)], None
    except MalformedInput as exc:  # a kid or issuer address that is not a URL
        return [failed("key", exc.code, message_of(exc), Verdict.MALFORMED, exc.detail)], None
    return [binding_check(method, issuer_id, options=options)], method


# The key each accepted algorithm needs: a key of any other type cannot have made the token.
_ALG_KEYS = {
    "EdDSA": "an Ed25519 key",
    "Ed25519": "an Ed25519 key",
    "ES256": "a P-256 key",
    "ES384": "a P-384 key",
    "RS256": "an RSA key",
    "PS256": "an RSA key",
}


def _key_type_mismatch(alg: str, key_type: str, where: str) -> Check:
    return failed(
        "key",
        "key.type_mismatch",
        Message(
            "The token is signed with %(alg)s, which only %(get)s can make; its key "
            "is %(key_type)s.",
            alg=alg,
            get=_ALG_KEYS.get(alg, "another key"),
            key_type=key_type,
        ),
        Verdict.INVALID_SIGNATURE,
        where,
    )


def _resolve(vm_id: str, options: Any) -> Any:
    return resolve_verification_method(
        vm_id, fetcher=options.fetcher, purpose="assertionMethod", limits=options.limits
    )


def _method_from_kid(kid: str, issuer_id: str | None, options: Any) -> Any:
    # A bare or fragment-only kid names a key in the issuer's own DID or controller document
    # (1EdTech validator behaviour for DIDs; the same reading for an https issuer).
    if ":" not in kid and issuer_id and issuer_id.startswith(("did:", "https:", "http:")):
        kid = f"{issuer_id.partition('#')[0]}#{kid.lstrip('#')}"
    if kid.startswith(("https:", "http:")):
        urls.require_web_url(kid, field="token's key id (kid)")
        hosted = _hosted_jwk(kid, options)
        if hosted is not None:
            return hosted
    return _resolve(kid, options)


def _hosted_jwk(kid: str, options: Any) -> Any:
    """A kid URL that serves a bare JWK (or a JWK Set): its controller is the URL's owner."""

    document = fetch_document(kid.partition("#")[0], fetcher=options.fetcher, limits=options.limits)
    if "keys" in document and isinstance(document["keys"], list):
        fragment = kid.partition("#")[2]
        candidates = [k for k in document["keys"] if isinstance(k, dict)]
        if fragment:
            candidates = [k for k in candidates if k.get("kid") == fragment]
        if len(candidates) != 1:
            raise KeyNotFound(
                Message("The key set at %(kid)s does not name one key for this token.", kid=kid)
            )
        document = candidates[0]
    if "kty" not in document:
        return None
    try:
        key = key_from_jwk(document)
    except VerificationInputError as exc:
        raise InvalidKey(message_of(exc), code=exc.code) from exc
    return VerificationMethod(
        id=kid, controller=_origin(kid), type="JsonWebKey", public_key=key, binding="hosted"
    )


def _origin(url: str) -> str:
    scheme, netloc = urls.origin(url) or ("", "")
    return f"{scheme}://{netloc}"


def _embedded_jwk(
    jwk: Any, jws_alg: str, issuer_id: str | None, options: VerifyOptions
) -> tuple[list[Check], Any]:
    try:
        key = key_from_jwk(jwk)
    except UnsupportedKeyType as exc:
        return [_key_type_mismatch(jws_alg, exc.key_type, "header jwk")], None
    except VerificationInputError as exc:
        implies = (
            Verdict.UNSUPPORTED if isinstance(exc, UnsupportedInput) else Verdict.INVALID_SIGNATURE
        )
        return [failed("key", exc.code, message_of(exc), implies, exc.detail)], None
    check, method = embedded_key_check(key, issuer_id, options=options)
    return [check], method


def signature_check(jws: CompactJws, method: Any) -> Check:
    """`proof.signature_valid`, or the failure that says why the signature does not count."""
    try:
        valid = verify_compact_jws(jws, method.public_key)
    except MalformedInput as exc:
        return failed("proof", exc.code, message_of(exc), Verdict.MALFORMED, exc.detail)
    except UnsupportedInput as exc:
        implies = (
            Verdict.UNSUPPORTED if exc.code == "proof.alg_refused" else Verdict.INVALID_SIGNATURE
        )
        return failed(
            "proof", exc.code, message_of(exc), implies, f"alg {jws.alg}, key {method.id}"
        )
    if valid:
        return passed(
            "proof",
            "proof.signature_valid",
            Message("The token's %(alg)s signature is valid.", alg=jws.alg),
            method.id,
        )
    return failed(
        "proof",
        "proof.signature_invalid",
        N_("The token's signature does not match: it was altered, or signed with another key."),
        Verdict.INVALID_SIGNATURE,
        method.id,
    )
