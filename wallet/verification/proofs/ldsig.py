"""Linked Data Signatures with a detached JWS: RsaSignature2018 and JsonWebSignature2020.

Older suites still in circulation. Both sign the same bytes as a Data Integrity proof,
SHA-256(canonical proof options) || SHA-256(canonical document), but carry the signature as a
compact JWS with a detached, unencoded payload (RFC 7797: header `{"alg", "b64": false,
"crit": ["b64"]}`, signing input `base64url(header) + "." + those bytes`) in the proof's `jws`.

RsaSignature2018 (jsonld-signatures) signs with PS256 only. JsonWebSignature2020 (W3C CCG)
names the algorithm by the key: EdDSA for Ed25519, ES256 for P-256, ES384 for P-384, PS256
for RSA. A JWS whose algorithm does not fit the key, or the suite, cannot be the key's
signature: the verifier calls that an invalid signature, as for every other suite.

The JWS itself is checked by joserfc.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import warnings
from collections.abc import MutableMapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OKPKey, RSAKey

from .. import canon
from ..errors import MalformedInput, UnsupportedInput
from ..messages import N_, Message
from .jose import jose_key

RSA_SIGNATURE_2018 = "RsaSignature2018"
JSON_WEB_SIGNATURE_2020 = "JsonWebSignature2020"
# jsonld-signatures, which defined RsaSignature2018, reads proofs in this context.
SECURITY_V2 = "https://w3id.org/security/v2"
# At most this many characters of `jws` are read: the header is small, the signature at most
# an RSA-8192 one.
MAX_JWS_CHARS = 4096


class JwsProofError(MalformedInput):
    code = "proof.invalid_jws"


def _b64url_json(segment: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        header = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise JwsProofError(N_("The proof's JWS header cannot be read.")) from exc
    if not isinstance(header, dict):
        raise JwsProofError(N_("The proof's JWS header is not a JSON object."))
    return header


def jws_header(proof: dict[str, Any]) -> dict[str, Any]:
    """The protected header of the proof's detached JWS; raises JwsProofError when it is not a
    detached, unencoded-payload JWS."""
    value = proof.get("jws")
    if not isinstance(value, str) or len(value) > MAX_JWS_CHARS or value.count(".") != 2:
        raise JwsProofError(N_("The proof carries no detached JWS."))
    header_segment, payload_segment, _ = value.split(".")
    if payload_segment:
        raise JwsProofError(N_("The proof's JWS is not detached: it carries its own payload."))
    header = _b64url_json(header_segment)
    if header.get("b64") is not False or header.get("crit") != ["b64"]:
        raise JwsProofError(N_("The proof's JWS does not sign the credential's bytes unencoded."))
    if not isinstance(header.get("alg"), str):
        raise JwsProofError(N_("The proof's JWS names no algorithm."))
    return header


def algorithms_for(suite: str, key: Any) -> frozenset[str]:
    """The JWS algorithms `key` may have signed a `suite` proof with (empty: none)."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return frozenset({"PS256"})
    if suite == RSA_SIGNATURE_2018:
        return frozenset()
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return frozenset({"EdDSA"})
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return frozenset({{"secp256r1": "ES256", "secp384r1": "ES384"}.get(key.curve.name, "")})
    return frozenset()


def signed_bytes(
    document: dict[str, Any],
    proof: dict[str, Any],
    *,
    cache: MutableMapping[str, str] | None = None,
) -> list[bytes]:
    """The bytes the JWS signs, for each context the proof options may have been read in.

    jsonld-signatures reads proof options in the security v2 context, later libraries in the
    document's own; the two give the same RDF whenever the document's context defines the
    proof's terms as security v2 does, so the second canonical form is only tried when the
    first differs.
    """
    options = {k: v for k, v in proof.items() if k not in ("jws", "signatureValue", "proofValue")}
    document_hash = _sha256(canon.canonize_without_proof(document, cache=cache))
    found: list[bytes] = []
    seen: set[str] = set()
    for context in (document.get("@context"), SECURITY_V2):
        if context is None:
            continue
        try:
            text = canon.canonize({**options, "@context": context})
        except MalformedInput:
            continue
        if text not in seen:
            seen.add(text)
            found.append(_sha256(text) + document_hash)
    if not found:
        raise JwsProofError(N_("The proof's options could not be put in canonical form."))
    return found


def _sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _jose_key(key: Any) -> OKPKey | ECKey | RSAKey:
    """joserfc's key for a cryptography key (public or private)."""
    try:
        return jose_key(key)
    except UnsupportedInput as exc:
        raise JwsProofError(
            Message("A %(name)s cannot check a JWS.", name=type(key).__name__)
        ) from exc


def verify(
    document: dict[str, Any],
    proof: dict[str, Any],
    key: Any,
    *,
    cache: MutableMapping[str, str] | None = None,
) -> bool:
    """Whether the proof's detached JWS is `key`'s signature over the document and the proof
    options. Call `jws_header` and `algorithms_for` first: this assumes the algorithm fits."""
    header = jws_header(proof)
    token = proof["jws"]
    public = _jose_key(key)
    for payload in signed_bytes(document, proof, cache=cache):
        try:
            with warnings.catch_warnings():
                # joserfc marks "EdDSA" deprecated (RFC 9864); the suite names it so.
                warnings.simplefilter("ignore")
                jws.deserialize_compact(token, public, algorithms=[header["alg"]], payload=payload)
        except JoseError:
            continue
        except ValueError:
            continue
        return True
    return False


def sign(
    document: dict[str, Any],
    *,
    private_key: Any,
    suite: str,
    verification_method: str,
    purpose: str,
    created: str,
) -> dict[str, Any]:
    """`document` with one RsaSignature2018 or JsonWebSignature2020 proof (for tests and
    fixtures; Satchel issues Data Integrity proofs)."""
    algorithms = algorithms_for(suite, private_key)
    if not algorithms:
        raise ValueError(f"{suite} cannot be signed with {type(private_key).__name__}")
    proof: dict[str, Any] = {
        "type": suite,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": purpose,
    }
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    payload = signed_bytes(unsecured, proof)[0]
    secret = _jose_key(private_key)
    alg = next(iter(algorithms))
    header = _b64url(json.dumps({"alg": alg, "b64": False, "crit": ["b64"]}).encode())
    # joserfc's serializers want an unencoded payload to be text; these bytes are binary,
    # so the algorithm signs the RFC 7797 signing input directly.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = jws.JWSRegistry(algorithms=[alg]).get_alg(alg)
        signature = model.sign(header.encode() + b"." + payload, secret)
    return {**unsecured, "proof": {**proof, "jws": f"{header}..{_b64url(signature)}"}}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
