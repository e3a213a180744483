"""Verification method id -> public key, per CID 1.0 "Retrieve Verification Method".

did:key and did:jwk resolve offline; did:web and http(s) controller documents go through the
caller's fetcher. The 1EdTech `<controller URL>#z6Mk…` form resolves like any other id: the
controller document must list the key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

from .. import urls
from ..errors import MalformedInput, UnsupportedInput
from ..fetch import Fetcher, did_web_to_url
from ..limits import Limits
from ..messages import N_, Message, message_of
from ..multiformats import decode_multikey, multibase_decode
from .documents import (
    RELATIONSHIPS,
    VerificationMethod,
    authorised_ids,
    authorised_methods,
    fetch_document,
    is_controller_document,
    method_from_object,
    select_method,
    split_fragment,
)
from .errors import (
    InvalidKey,
    KeyNotFound,
    KeyResolutionError,
    KeyUnreachable,
    PurposeNotAllowed,
    UnsupportedKey,
)
from .material import key_from_codec, key_from_jwk

T = TypeVar("T")

# A did:key or did:jwk document authorises its one signing key for every relationship except
# key agreement.
SIGNING_RELATIONSHIPS = (
    "assertionMethod",
    "authentication",
    "capabilityInvocation",
    "capabilityDelegation",
)


def resolve_verification_method(
    vm_id: str, *, fetcher: Fetcher, purpose: str, limits: Limits | None = None
) -> VerificationMethod:
    """Resolve `vm_id` to a key authorised for `purpose`; raises KeyResolutionError kinds."""
    limits = limits or Limits()
    if not isinstance(vm_id, str) or ":" not in vm_id:
        raise InvalidKey(
            Message("The verification method '%(vm_id)s' is not a URL or DID.", vm_id=vm_id),
            code="key.invalid_id",
        )
    if purpose not in RELATIONSHIPS:
        raise PurposeNotAllowed(
            Message("'%(purpose)s' is not a verification relationship.", purpose=purpose)
        )
    base, fragment = split_fragment(vm_id)
    scheme = base.split(":", 1)[0].lower()
    if base.startswith("did:key:"):
        return _did_key(base, fragment, purpose)
    if base.startswith("did:jwk:"):
        return _did_jwk(base, fragment, purpose)
    if base.startswith("did:web:"):
        return _did_web(base, vm_id, purpose, fetcher=fetcher, limits=limits)
    if scheme == "did":
        method = base.split(":")[1] if base.count(":") >= 2 else ""
        raise UnsupportedKey(
            Message("The DID method 'did:%(method)s' is not supported.", method=method),
            code="key.unsupported_did_method",
        )
    if scheme in ("https", "http"):
        urls.require_web_url(base, field="address of the key")
        return _controller_url(base, vm_id, purpose, fetcher=fetcher, limits=limits)
    return _asserted_fragment_key(base, fragment, vm_id, purpose)


def issuer_keys(
    identifier: str, *, fetcher: Fetcher, purpose: str, limits: Limits | None = None
) -> list[VerificationMethod] | None:
    """Every key `identifier` authorises for `purpose`, for a key that names no method.

    did:key and did:jwk name their one key; a did:web document and an http(s) controller
    document list theirs (possibly none). None when the identifier publishes no key list: an
    http(s) URL that serves something else (an Open Badges profile), or a scheme that names
    no document (urn:uuid). Raises UnsupportedKey for a DID method this wallet cannot
    resolve, KeyUnreachable when the document cannot be fetched.
    """
    limits = limits or Limits()
    base = identifier.partition("#")[0]
    scheme = base.split(":", 1)[0].lower()
    if base.startswith(("did:key:", "did:jwk:")):
        return [resolve_verification_method(base, fetcher=fetcher, purpose=purpose, limits=limits)]
    if base.startswith("did:web:"):
        try:
            url = did_web_to_url(base)
        except ValueError as exc:
            raise InvalidKey(message_of(exc), code="did.invalid_did_web") from exc
        try:
            document = fetch_document(url, fetcher=fetcher, limits=limits)
        except KeyUnreachable:
            raise
        except KeyResolutionError:
            return []
        return authorised_methods(document, purpose=purpose) if document.get("id") == base else []
    if scheme == "did":
        method = base.split(":")[1] if base.count(":") >= 2 else ""
        raise UnsupportedKey(
            Message("The DID method 'did:%(method)s' is not supported.", method=method),
            code="key.unsupported_did_method",
        )
    if scheme in ("https", "http"):
        urls.require_web_url(base, field="issuer's id")
        try:
            document = fetch_document(base, fetcher=fetcher, limits=limits)
        except KeyUnreachable:
            raise
        except KeyResolutionError:
            return None
        if not is_controller_document(document) or document.get("id") != base:
            return None
        return authorised_methods(document, purpose=purpose)
    return None


def _wrap_decoding(call: Callable[[], T]) -> T:
    """Decoding errors of key material become key resolution errors with the same code."""
    try:
        return call()
    except UnsupportedInput as exc:
        raise UnsupportedKey(
            message_of(exc),
            code=exc.code,
            detail=exc.detail,
            key_type=getattr(exc, "key_type", None),
        ) from exc
    except MalformedInput as exc:
        raise InvalidKey(message_of(exc), code=exc.code, detail=exc.detail) from exc


def _check_signing_purpose(did: str, purpose: str) -> None:
    if purpose not in SIGNING_RELATIONSHIPS:
        raise PurposeNotAllowed(
            Message("The key of %(did)s may not be used for %(purpose)s.", did=did, purpose=purpose)
        )


def _did_key(did: str, fragment: str, purpose: str) -> VerificationMethod:
    identifier = did[len("did:key:") :]
    if not identifier.startswith("z"):
        raise InvalidKey(
            Message("%(did)s is not multibase base58-btc.", did=did), code="did.invalid_did_key"
        )
    key = _did_key_material(identifier)
    if fragment and fragment != identifier:
        raise KeyNotFound(Message("%(did)s has no key #%(fragment)s.", did=did, fragment=fragment))
    _check_signing_purpose(did, purpose)
    return VerificationMethod(
        id=f"{did}#{identifier}", controller=did, type="Multikey", public_key=key, binding="did"
    )


# Decoding a key (base58 or JSON, then a curve point check) is a pure function of the DID,
# and the same few issuers' DIDs come back with every credential and re-check. Failures are
# not cached: lru_cache re-raises them on every call.
@lru_cache(maxsize=512)
def _did_key_material(identifier: str) -> Any:
    return _wrap_decoding(lambda: key_from_codec(*decode_multikey(identifier)))


@lru_cache(maxsize=512)
def _did_jwk_material(did: str) -> tuple[Any, Any]:
    def decode() -> dict[str, Any]:
        jwk = json.loads(multibase_decode("u" + did[len("did:jwk:") :]))
        if not isinstance(jwk, dict):
            raise MalformedInput(
                N_("The did:jwk value is not a JSON object."), code="did.invalid_did_jwk"
            )
        return jwk

    try:
        jwk = _wrap_decoding(decode)
    except ValueError as exc:
        raise InvalidKey(
            Message("%(did)s does not hold a JSON JWK.", did=did), code="did.invalid_did_jwk"
        ) from exc
    return _wrap_decoding(lambda: key_from_jwk(jwk)), jwk.get("use")


def _did_jwk(did: str, fragment: str, purpose: str) -> VerificationMethod:
    key, use = _did_jwk_material(did)
    if fragment not in ("", "0"):
        raise KeyNotFound(
            Message("%(did)s has only the key #0, not #%(fragment)s.", did=did, fragment=fragment)
        )
    if use == "enc" or purpose == "keyAgreement":
        raise PurposeNotAllowed(
            Message(
                "The key of this did:jwk (use '%(use)s') may not be used for %(purpose)s.",
                use=use,
                purpose=purpose,
            )
        )
    return VerificationMethod(
        id=f"{did}#0", controller=did, type="JsonWebKey", public_key=key, binding="did"
    )


def _did_web(
    did: str, vm_id: str, purpose: str, *, fetcher: Fetcher, limits: Limits
) -> VerificationMethod:
    try:
        url = did_web_to_url(did)
    except ValueError as exc:
        raise InvalidKey(message_of(exc), code="did.invalid_did_web") from exc
    document = fetch_document(url, fetcher=fetcher, limits=limits)
    if document.get("id") != did:
        raise InvalidKey(
            Message(
                "The DID document at %(url)s belongs to %(get)s, not %(did)s.",
                url=url,
                get=document.get("id"),
                did=did,
            ),
            code="did.id_mismatch",
        )
    return select_method(document, vm_id=vm_id, purpose=purpose)


def _controller_url(
    url: str, vm_id: str, purpose: str, *, fetcher: Fetcher, limits: Limits
) -> VerificationMethod:
    document = fetch_document(url, fetcher=fetcher, limits=limits)
    if is_controller_document(document):
        if document.get("id") != url:
            raise InvalidKey(
                Message(
                    "The controller document at %(url)s names itself %(get)s.",
                    url=url,
                    get=document.get("id"),
                ),
                code="key.document_id_mismatch",
            )
        return select_method(document, vm_id=vm_id, purpose=purpose)
    return _lone_method(document, url, vm_id, purpose, fetcher=fetcher, limits=limits)


def _lone_method(
    obj: dict[str, Any], url: str, vm_id: str, purpose: str, *, fetcher: Fetcher, limits: Limits
) -> VerificationMethod:
    """A URL that serves one key object (Multikey, Ed25519VerificationKey2020, JsonWebKey).

    The object names its controller; a key served from the controller's own origin is taken
    at its word, any other must be listed by the controller's document, or anyone could
    publish a key "controlled by" a university.
    """
    if obj.get("id") not in (vm_id, url):
        raise InvalidKey(
            Message(
                "The key document at %(url)s describes %(get)s, not %(vm_id)s.",
                url=url,
                get=obj.get("id"),
                vm_id=vm_id,
            ),
            code="key.document_id_mismatch",
        )
    controller = obj.get("controller")
    if not isinstance(controller, str) or not controller:
        raise InvalidKey(
            Message("The key at %(url)s does not name its controller.", url=url),
            code="key.no_controller",
        )
    if not urls.same_origin(url, controller):
        if not urls.is_web_url(controller):
            raise KeyNotFound(
                Message(
                    "The key at %(url)s claims the controller %(controller)s, which does not "
                    "confirm it.",
                    url=url,
                    controller=controller,
                ),
                code="key.controller_unconfirmed",
            )
        document = fetch_document(controller, fetcher=fetcher, limits=limits)
        if document.get("id") != controller or vm_id not in authorised_ids(document, purpose):
            raise KeyNotFound(
                Message(
                    "The key at %(url)s claims the controller %(controller)s, whose document "
                    "does not list it for %(purpose)s.",
                    url=url,
                    controller=controller,
                    purpose=purpose,
                ),
                code="key.controller_unconfirmed",
            )
    return method_from_object(obj, vm_id=vm_id, controller=controller, binding="document")


def _asserted_fragment_key(
    base: str, fragment: str, vm_id: str, purpose: str
) -> VerificationMethod:
    """`urn:uuid:…#z6Mk…`: the controller cannot be looked up, the fragment is the key."""
    if not fragment.startswith("z"):
        scheme = base.split(":", 1)[0]
        raise UnsupportedKey(
            Message("Keys named by '%(scheme)s:' identifiers cannot be looked up.", scheme=scheme),
            code="key.unsupported_scheme",
        )
    key = _wrap_decoding(lambda: key_from_codec(*decode_multikey(fragment)))
    _check_signing_purpose(base, purpose)
    return VerificationMethod(
        id=vm_id, controller=base, type="Multikey", public_key=key, binding="asserted"
    )
