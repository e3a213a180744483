"""Verification methods inside DID and controller documents (CID 1.0 data model)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from .. import urls
from ..errors import MalformedInput, UnsupportedInput
from ..fetch import Fetcher, FetchError
from ..limits import Limits
from .errors import (
    InvalidKey,
    KeyNotFound,
    KeyResolutionError,
    KeyUnreachable,
    PurposeNotAllowed,
    UnsupportedKey,
)
from .material import PublicKey, key_from_base58, key_from_jwk, key_from_multikey, key_from_pem

RELATIONSHIPS = (
    "assertionMethod",
    "authentication",
    "capabilityInvocation",
    "capabilityDelegation",
    "keyAgreement",
)

MULTIBASE_TYPES = frozenset({"Multikey", "Ed25519VerificationKey2020"})
JWK_TYPES = frozenset({"JsonWebKey", "JsonWebKey2020"})
BASE58_TYPES = frozenset({"Ed25519VerificationKey2018"})
# RsaSignature2018's keys: a PEM (jsonld-signatures) or a JWK.
PEM_TYPES = frozenset({"RsaVerificationKey2018"})


@dataclass(frozen=True)
class VerificationMethod:
    """A resolved key. `binding` says what vouches that `controller` controls it:

    "did": the identifier is the key (did:key, did:jwk);
    "document": the controller's own document lists it;
    "asserted": only the VM id names the controller, whose document cannot be looked up
    (the 1EdTech `urn:uuid:…#z6Mk…` form): the signature proves nothing about who signed.
    """

    id: str
    controller: str
    type: str
    public_key: PublicKey
    binding: str = "document"


def split_fragment(vm_id: str) -> tuple[str, str]:
    base, _, fragment = vm_id.partition("#")
    return base, fragment


def absolute(ref: Any, base: str) -> str | None:
    if not isinstance(ref, str):
        return None
    return base + ref if ref.startswith("#") else ref


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def fetch_document(url: str, *, fetcher: Fetcher, limits: Limits) -> dict[str, Any]:
    """GET a JSON document; transport failures are 'unreachable', bad answers are not."""
    urls.require_web_url(url, field=f"address of a key document ({url[:200]})")
    try:
        result = fetcher.fetch(url, accept="application/did+json, application/json")
    except FetchError as exc:
        raise KeyUnreachable(
            f"The key document at {url} could not be fetched.", detail=str(exc)
        ) from exc
    if result.status >= 500 or result.status in (408, 429):
        raise KeyUnreachable(f"The key document at {url} is unavailable (HTTP {result.status}).")
    if not result.ok:
        raise KeyNotFound(f"The key document at {url} does not exist (HTTP {result.status}).")
    if len(result.body) > limits.max_fetch_bytes:
        raise InvalidKey(f"The key document at {url} is too large.", code="key.document_too_large")
    try:
        document = json.loads(result.body)
    except (ValueError, RecursionError) as exc:
        raise InvalidKey(
            f"The key document at {url} is not JSON.", code="key.invalid_document", detail=str(exc)
        ) from exc
    if not isinstance(document, dict):
        raise InvalidKey(
            f"The key document at {url} is not a JSON object.", code="key.invalid_document"
        )
    return document


def is_controller_document(document: dict[str, Any]) -> bool:
    if "publicKeyMultibase" in document or "publicKeyJwk" in document:
        return False
    return "verificationMethod" in document or any(r in document for r in RELATIONSHIPS)


def _all_methods(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = [m for m in as_list(document.get("verificationMethod")) if isinstance(m, dict)]
    for relationship in RELATIONSHIPS:
        found += [m for m in as_list(document.get(relationship)) if isinstance(m, dict)]
    return found


def authorised_ids(document: dict[str, Any], purpose: str) -> list[str]:
    base = str(document.get("id", ""))
    entries = as_list(document.get(purpose))
    ids = [
        absolute(e if isinstance(e, str) else e.get("id"), base)
        for e in entries
        if isinstance(e, (str, dict))
    ]
    return [i for i in ids if i]


def authorised_methods(
    document: dict[str, Any], *, purpose: str, limit: int = 64
) -> list[VerificationMethod]:
    """The keys `document` describes and authorises for `purpose` (at most `limit`).

    A listed key that is described elsewhere, controlled by another party or unreadable is
    left out: it cannot be one of this document's own keys.
    """
    base = str(document.get("id", ""))
    described = {absolute(m.get("id"), base): m for m in _all_methods(document)}
    found = []
    for vm_id in authorised_ids(document, purpose)[:limit]:
        obj = described.get(vm_id)
        if obj is None or obj.get("controller", base) != base:
            continue
        try:
            found.append(method_from_object(obj, vm_id=vm_id, controller=base, binding="document"))
        except KeyResolutionError:
            continue
    return found


def select_method(
    document: dict[str, Any], *, vm_id: str, purpose: str, binding: str = "document"
) -> VerificationMethod:
    """Find `vm_id` in a controller/DID document and check it may be used for `purpose`.

    A `vm_id` without fragment names the document itself: accepted only when exactly one
    method is authorised for the purpose.
    """
    if purpose not in RELATIONSHIPS:
        raise PurposeNotAllowed(f"'{purpose}' is not a verification relationship.")
    base = str(document.get("id", ""))
    allowed = authorised_ids(document, purpose)
    if "#" not in vm_id and vm_id == base:
        if len(allowed) != 1:
            raise KeyNotFound(f"{vm_id} does not name one key; its document lists {len(allowed)}.")
        vm_id = allowed[0]
    method = next((m for m in _all_methods(document) if absolute(m.get("id"), base) == vm_id), None)
    if method is None:
        raise KeyNotFound(f"The document of {base} has no key {vm_id}.")
    if vm_id not in allowed:
        raise PurposeNotAllowed(
            f"The key {vm_id} is not authorised for {purpose} by its controller's document.",
            detail=f"{purpose}: {allowed}",
        )
    controller = method.get("controller", base)
    if controller != base:
        raise KeyNotFound(
            f"The key {vm_id} names {controller} as controller, not the document's owner {base}.",
            code="key.controller_mismatch",
        )
    return method_from_object(method, vm_id=vm_id, controller=base, binding=binding)


def method_from_object(
    obj: dict[str, Any], *, vm_id: str, controller: str, binding: str
) -> VerificationMethod:
    vm_type = obj.get("type")
    if not isinstance(vm_type, str):
        raise InvalidKey(f"The key {vm_id} does not state its type.", code="key.invalid_material")
    try:
        if vm_type in MULTIBASE_TYPES and "publicKeyMultibase" in obj:
            key = key_from_multikey(obj["publicKeyMultibase"])
            if vm_type == "Ed25519VerificationKey2020" and not key_is_ed25519(key):
                raise InvalidKey("An Ed25519VerificationKey2020 must hold an Ed25519 key.")
        elif vm_type in JWK_TYPES and "publicKeyJwk" in obj:
            key = key_from_jwk(obj["publicKeyJwk"])
        elif vm_type in BASE58_TYPES and "publicKeyBase58" in obj:
            key = key_from_base58(obj["publicKeyBase58"])
        elif vm_type in PEM_TYPES and "publicKeyPem" in obj:
            key = key_from_pem(obj["publicKeyPem"])
        elif vm_type in PEM_TYPES and "publicKeyJwk" in obj:
            key = key_from_jwk(obj["publicKeyJwk"])
        elif vm_type in MULTIBASE_TYPES | JWK_TYPES | BASE58_TYPES | PEM_TYPES:
            raise InvalidKey(
                f"The {vm_type} {vm_id} carries no key material.", code="key.invalid_material"
            )
        else:
            raise UnsupportedKey(
                f"The key type '{vm_type}' is not supported.", code="key.unsupported_type"
            )
    except UnsupportedInput as exc:
        raise UnsupportedKey(
            str(exc), code=exc.code, detail=exc.detail, key_type=getattr(exc, "key_type", None)
        ) from exc
    except MalformedInput as exc:
        raise InvalidKey(str(exc), code=exc.code, detail=exc.detail) from exc
    return VerificationMethod(
        id=vm_id, controller=controller, type=str(vm_type), public_key=key, binding=binding
    )


def key_is_ed25519(key: PublicKey) -> bool:
    return isinstance(key, ed25519.Ed25519PublicKey)
