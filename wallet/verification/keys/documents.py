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
from ..messages import N_, Message, message_of
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
            Message("The key document at %(url)s could not be fetched.", url=url), detail=str(exc)
        ) from exc
    if result.status >= 500 or result.status in (408, 429):
        raise KeyUnreachable(
            Message(
                "The key document at %(url)s is unavailable (HTTP %(status)s).",
                url=url,
                status=result.status,
            )
        )
    if not result.ok:
        raise KeyNotFound(
            Message(
                "The key document at %(url)s does not exist (HTTP %(status)s).",
                url=url,
                status=result.status,
            )
        )
    if len(result.body) > limits.max_fetch_bytes:
        raise InvalidKey(
            Message("The key document at %(url)s is too large.", url=url),
            code="key.document_too_large",
        )
    try:
        document = json.loads(result.body)
    except (ValueError, RecursionError) as exc:
        raise InvalidKey(
            Message("The key document at %(url)s is not JSON.", url=url),
            code="key.invalid_document",
            detail=str(exc),
        ) from exc
    if not isinstance(document, dict):
        raise InvalidKey(
            Message("The key document at %(url)s is not a JSON object.", url=url),
            code="key.invalid_document",
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
        raise PurposeNotAllowed(
            Message("'%(purpose)s' is not a verification relationship.", purpose=purpose)
        )
    base = str(document.get("id", ""))
    allowed = authorised_ids(document, purpose)
    if "#" not in vm_id and vm_id == base:
        if len(allowed) != 1:
            raise KeyNotFound(
                Message(
                    "%(vm_id)s does not name one key; its document lists %(count)s.",
                    vm_id=vm_id,
                    count=len(allowed),
                )
            )
        vm_id = allowed[0]
    method = next((m for m in _all_methods(document) if absolute(m.get("id"), base) == vm_id), None)
    if method is None:
        raise KeyNotFound(
            Message("The document of %(base)s has no key %(vm_id)s.", base=base, vm_id=vm_id)
        )
    if vm_id not in allowed:
        raise PurposeNotAllowed(
            Message(
                "The key %(vm_id)s is not authorised for %(purpose)s by its controller's document.",
                vm_id=vm_id,
                purpose=purpose,
            ),
            detail=f"{purpose}: {allowed}",
        )
    controller = method.get("controller", base)
    if controller != base:
        raise KeyNotFound(
            Message(
                "The key %(vm_id)s names %(controller)s as controller, not the "
                "document's owner %(base)s.",
                vm_id=vm_id,
                controller=controller,
                base=base,
            ),
            code="key.controller_mismatch",
        )
    return method_from_object(method, vm_id=vm_id, controller=base, binding=binding)


def method_from_object(
    obj: dict[str, Any], *, vm_id: str, controller: str, binding: str
) -> VerificationMethod:
    vm_type = obj.get("type")
    if not isinstance(vm_type, str):
        raise InvalidKey(
            Message("The key %(vm_id)s does not state its type.", vm_id=vm_id),
            code="key.invalid_material",
        )
    try:
        if vm_type in MULTIBASE_TYPES and "publicKeyMultibase" in obj:
            key = key_from_multikey(obj["publicKeyMultibase"])
            if vm_type == "Ed25519VerificationKey2020" and not key_is_ed25519(key):
                raise InvalidKey(N_("An Ed25519VerificationKey2020 must hold an Ed25519 key."))
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
                Message(
                    "The %(vm_type)s %(vm_id)s carries no key material.",
                    vm_type=vm_type,
                    vm_id=vm_id,
                ),
                code="key.invalid_material",
            )
        else:
            raise UnsupportedKey(
                Message("The key type '%(vm_type)s' is not supported.", vm_type=vm_type),
                code="key.unsupported_type",
            )
    except UnsupportedInput as exc:
        raise UnsupportedKey(
            message_of(exc),
            code=exc.code,
            detail=exc.detail,
            key_type=getattr(exc, "key_type", None),
        ) from exc
    except MalformedInput as exc:
        raise InvalidKey(message_of(exc), code=exc.code, detail=exc.detail) from exc
    return VerificationMethod(
        id=vm_id, controller=controller, type=str(vm_type), public_key=key, binding=binding
    )


def key_is_ed25519(key: PublicKey) -> bool:
    return isinstance(key, ed25519.Ed25519PublicKey)
