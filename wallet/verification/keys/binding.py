"""Is the signing key the issuer's? The check that turns "a valid signature" into "issued by".

The key's controller must be the issuer. When it is another identifier, the issuer may still
authorise the key: its DID or controller document can list it (by reference) under the
proof's relationship (CID 1.0). A DID always names its keys: one that lists none authorises
none. An issuer identifier that cannot name keys at all (urn:uuid), or whose URL publishes no
key list, leaves the tie unverified: a warning, never a pass.
"""

from __future__ import annotations

from typing import Any

from .. import urls
from ..errors import MalformedInput
from ..fetch import did_web_to_url
from ..limits import Limits
from ..messages import N_, Message, message_of
from ..report import Check, Verdict, failed, passed, warning
from .documents import VerificationMethod, authorised_ids, fetch_document
from .errors import KeyResolutionError, KeyUnreachable, UnsupportedKey
from .material import PublicKey, did_jwk_from_key, same_key
from .resolve import issuer_keys

# Identifiers that can name their keys: a DID (its document) or a URL (its controller document).
_BINDABLE_SCHEMES = ("did:", "https:", "http:")
# DIDs whose document is derived from the identifier: it lists no other key than its own.
_SELF_CERTIFYING = ("did:key:", "did:jwk:")


def bindable(identifier: str) -> bool:
    return identifier.startswith(_BINDABLE_SCHEMES)


def same_origin(a: str, b: str) -> bool:
    return urls.same_origin(a, b)


def controller_mismatch(vm_id: str, controller: str, issuer_id: str, detail: str = "") -> Check:
    return failed(
        "key",
        "key.controller_mismatch",
        Message(
            "The signing key belongs to %(value)s, not to the issuer %(issuer_id)s.",
            value=controller or "an unknown party",
            issuer_id=issuer_id,
        ),
        Verdict.INVALID_SIGNATURE,
        detail or vm_id,
    )


def _unverified(issuer_id: str, detail: str, why: str = "") -> Check:
    return warning(
        "key",
        "key.issuer_unverified",
        Message(
            "The issuer's identifier (%(issuer_id)s) %(why)s, so the signing key "
            "could not be tied to the issuer.",
            issuer_id=issuer_id,
            why=why or Message("cannot be looked up"),
        ),
        detail,
    )


def key_failure(exc: KeyResolutionError, vm_id: str, issuer_id: str | None) -> Check:
    """The check for a key that did not resolve.

    An unsupported key named under another identifier than a bindable issuer's is not the
    issuer's, whatever it is: a wrong key (INVALID_SIGNATURE), not an unsupported one.
    """
    owner = vm_id.partition("#")[0]
    if isinstance(exc, UnsupportedKey) and issuer_id and bindable(issuer_id) and owner != issuer_id:
        return controller_mismatch(vm_id, owner, issuer_id, detail=exc.message)
    return failed("key", exc.code, exc.message, exc.implies, f"{vm_id}: {exc.detail}".rstrip(": "))


def binding_check(
    method: VerificationMethod,
    issuer_id: str | None,
    *,
    options: Any = None,
    purpose: str = "assertionMethod",
) -> Check:
    """One "key" check: pass, a warning (tie unverifiable) or a failure (not the issuer's key).

    `options` (fetcher, limits) lets a key controlled by someone else be confirmed through the
    issuer's own document; without it such a key fails.
    """
    asserted = method.binding == "asserted"
    if issuer_id is None:
        if asserted:
            return warning(
                "key",
                "key.issuer_unverified",
                N_("The signing key's owner cannot be looked up."),
                method.id,
            )
        return passed(
            "key",
            "key.resolved",
            Message("The signing key was found (%(type)s).", type=method.type),
            method.id,
        )
    if method.binding == "hosted" and same_origin(method.id, issuer_id):
        return passed(
            "key",
            "key.controller_matches",
            N_("The signing key is published by the issuer's site."),
            method.id,
        )
    if method.controller == issuer_id:
        if asserted:
            return _unverified(issuer_id, f"key {method.id} is only named by its identifier")
        return passed(
            "key", "key.controller_matches", N_("The signing key belongs to the issuer."), method.id
        )
    if not bindable(issuer_id):
        return _unverified(issuer_id, f"key {method.id} is controlled by {method.controller}")
    if issuer_id.startswith(_SELF_CERTIFYING) or options is None:
        return controller_mismatch(method.id, method.controller, issuer_id)
    return _confirm_with_issuer(method, issuer_id, options=options, purpose=purpose)


def _issuer_document_url(issuer_id: str) -> str | None:
    if issuer_id.startswith("did:web:"):
        try:
            return did_web_to_url(issuer_id)
        except ValueError:
            return None
    return issuer_id if urls.is_web_url(issuer_id) else None


def _confirm_with_issuer(
    method: VerificationMethod, issuer_id: str, *, options: Any, purpose: str
) -> Check:
    url = _issuer_document_url(issuer_id)
    if url is None:
        return controller_mismatch(method.id, method.controller, issuer_id)
    limits = getattr(options, "limits", None) or Limits()
    try:
        document = fetch_document(url, fetcher=options.fetcher, limits=limits)
    except KeyUnreachable as exc:
        return failed(
            "key",
            "key.issuer_unreachable",
            Message(
                "The issuer's document (%(url)s) could not be fetched to confirm the signing key.",
                url=url,
            ),
            Verdict.ISSUER_UNREACHABLE,
            exc.detail,
        )
    except KeyResolutionError as exc:
        if issuer_id.startswith("did:"):
            # A DID names its keys in its document; one without a document names none.
            return controller_mismatch(method.id, method.controller, issuer_id, exc.message)
        return _unverified(
            issuer_id, f"{url}: {exc.message}", Message("publishes no list of its keys")
        )
    if document.get("id") != issuer_id or purpose not in document:
        if issuer_id.startswith("did:"):
            detail = f"the DID document at {url} lists no {purpose} keys"
            return controller_mismatch(method.id, method.controller, issuer_id, detail)
        return _unverified(
            issuer_id, f"{url} lists no {purpose} keys", Message("publishes no list of its keys")
        )
    if method.id in authorised_ids(document, purpose):
        return passed(
            "key",
            "key.authorised_by_issuer",
            N_("The issuer's document lists the signing key as its own."),
            f"{method.id} in {purpose} of {issuer_id}",
        )
    return controller_mismatch(
        method.id,
        method.controller,
        issuer_id,
        detail=f"{purpose} of {issuer_id} does not list {method.id}",
    )


def embedded_key_check(
    key: PublicKey, issuer_id: str | None, *, options: Any, purpose: str = "assertionMethod"
) -> tuple[Check, VerificationMethod | None]:
    """A key carried in the signed object itself (a JWS header `jwk`) proves only that someone
    holds it.

    When the issuer's identifier can name keys (a DID, a controller document), the key must
    be one the issuer authorises for `purpose`, or anyone could sign in the issuer's name.
    Only where the identifier names no keys at all may the key stand in, and the tie is then a
    warning. Returns the check and the method to verify the signature with (None: do not).
    """
    if issuer_id and bindable(issuer_id):
        limits = getattr(options, "limits", None) or Limits()
        try:
            listed = issuer_keys(issuer_id, fetcher=options.fetcher, purpose=purpose, limits=limits)
        except UnsupportedKey as exc:
            if exc.key_type is None:
                return failed("key", exc.code, exc.message, exc.implies, issuer_id), None
            listed = []  # the issuer's own key is of a type no accepted key can be
        except KeyResolutionError as exc:
            detail = f"{issuer_id}: {exc.detail}".rstrip(": ")
            return failed("key", exc.code, exc.message, exc.implies, detail), None
        except MalformedInput as exc:
            return failed("key", exc.code, message_of(exc), Verdict.MALFORMED, exc.detail), None
        if listed is not None:
            match = next((m for m in listed if same_key(key, m.public_key)), None)
            if match is None:
                return failed(
                    "key",
                    "key.jwk_not_issuers",
                    Message(
                        "The token carries its own key, which is not one of the issuer's keys "
                        "(%(issuer_id)s): anyone could have signed it.",
                        issuer_id=issuer_id,
                    ),
                    Verdict.INVALID_SIGNATURE,
                    f"{len(listed)} {purpose} key(s) listed by {issuer_id}",
                ), None
            return passed(
                "key",
                "key.controller_matches",
                N_("The signing key belongs to the issuer."),
                match.id,
            ), match
    method = VerificationMethod(
        id=did_jwk_from_key(key),
        controller="",
        type="JsonWebKey",
        public_key=key,
        binding="embedded",
    )
    return warning(
        "key",
        "key.unbound_jwk",
        N_(
            "The signature is valid for the key carried in the token, "
            "but nothing ties that key to the issuer."
        ),
        f"issuer {issuer_id!r}; embedded key {method.id}",
    ), method
