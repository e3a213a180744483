"""The link inbox: whatever a learner pastes, opens or scans, said in one word.

Sources: OpenID for Verifiable Credential Issuance 1.0, section 4.1 "Credential Offer" (the
`openid-credential-offer://` scheme, `credential_offer` by value, `credential_offer_uri` by
reference, the same parameters on an https Credential Offer Endpoint); VCALM "Initiating
Interactions" (interaction URLs carrying `iuv=1`, the `interaction:` scheme); the Digital
Credentials Consortium's deep links (`dccrequest://request?issuer=...&vc_request_url=...` and
`org.dcconsortium://`, the https pages carrying the same parameters, and a `request` parameter
holding a CHAPI-style `{credentialRequestOrigin, protocols}` object); OpenID for Verifiable
Presentations 1.0 section 5 (`openid4vp://` and its parameters), which are presentation
requests and belong to presenting, not to receiving.

Classifying reads the text only: nothing is fetched here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.utils.translation import gettext

# A QR code holds at most 4,296 characters; an offer by value pasted as a link can be longer,
# but nothing an issuer sends needs more than this.
MAX_LINK_CHARS = 8192

OFFER_SCHEME = "openid-credential-offer"
PRESENTATION_SCHEMES = frozenset({"openid4vp", "openid", "haip", "eudi-openid4vp"})
DCC_SCHEMES = frozenset({"dccrequest", "org.dcconsortium"})
INTERACTION_PREFIX = "interaction:"
# Parameters that make an https URL an OpenID4VP authorization request.
_PRESENTATION_PARAMETERS = frozenset(
    {"request_uri", "dcql_query", "presentation_definition", "presentation_definition_uri"}
)


class LinkError(ValueError):
    """The text is not a link the wallet can act on; the message says why, for the learner."""


@dataclass(frozen=True)
class CredentialOffer:
    """An OpenID4VCI credential offer, by value (`offer`) or by reference (`offer_uri`)."""

    offer: dict[str, Any] | None = None
    offer_uri: str = ""
    request_origin: str = ""


@dataclass(frozen=True)
class Interaction:
    """A VCALM interaction URL: fetched as JSON, it names the protocols it speaks."""

    url: str
    request_origin: str = ""


@dataclass(frozen=True)
class Exchange:
    """A VC-API exchange URL handed over directly (a CHAPI-style `protocols.vcapi`)."""

    url: str
    request_origin: str = ""


@dataclass(frozen=True)
class LegacyRequest:
    """The DCC's credential request deep link: a DID authentication POSTed to
    `vc_request_url` answers with the credential (`challenge` given), or `vc_request_url` is
    an exchange to start (no challenge)."""

    vc_request_url: str
    issuer: str = ""
    challenge: str = ""
    auth_type: str = ""


@dataclass(frozen=True)
class PresentationRequest:
    """An OpenID4VP request: presenting's, passed on with its query unchanged."""

    query: str


@dataclass(frozen=True)
class Link:
    """What a text turned out to be (`kind`) and its parts (`target`)."""

    kind: str
    target: CredentialOffer | Interaction | Exchange | LegacyRequest | PresentationRequest
    text: str = field(repr=False, default="")


OFFER, INTERACTION, EXCHANGE, LEGACY, PRESENTATION = (
    "oid4vci",
    "interaction",
    "vcapi",
    "dcc",
    "oid4vp",
)


def classify(text: str) -> Link:
    """Say what `text` is, or raise LinkError with a sentence for the learner."""
    text = (text or "").strip()
    if not text:
        raise LinkError(gettext("Paste or scan a link from an issuer."))
    if len(text) > MAX_LINK_CHARS:
        raise LinkError(gettext("That link is too long to be an offer from an issuer."))
    if any(c.isspace() for c in text):
        raise LinkError(gettext("That is not a link: it contains spaces or line breaks."))
    if text.lower().startswith(INTERACTION_PREFIX):
        return Link(INTERACTION, Interaction(url=_web_url(text[len(INTERACTION_PREFIX) :])), text)
    try:
        parts = urlsplit(text)
    except ValueError:
        raise LinkError(gettext("That link does not parse.")) from None
    scheme = parts.scheme.lower()
    params = _parameters(parts.query)
    if scheme == OFFER_SCHEME:
        return Link(OFFER, _offer(params), text)
    if scheme in PRESENTATION_SCHEMES:
        return Link(PRESENTATION, PresentationRequest(query=parts.query), text)
    if scheme in DCC_SCHEMES:
        return _dcc(params, text)
    if scheme not in ("https", "http") or not parts.netloc:
        raise LinkError(gettext("That is not a link Satchel knows how to receive from."))
    return _web(text, params)


def classify_query(query: str) -> Link:
    """What the query of a link to this wallet's own `/receive` page hands over."""
    params = _parameters(query)
    if "link" in params:
        return classify(params["link"])
    return _web("", params, own_page=True)


def _web(text: str, params: dict[str, str], *, own_page: bool = False) -> Link:
    if "credential_offer" in params or "credential_offer_uri" in params:
        return Link(OFFER, _offer(params), text)
    if "vc_request_url" in params or "request" in params:
        return _dcc(params, text)
    if _PRESENTATION_PARAMETERS & params.keys() or params.get("response_type") == "vp_token":
        query = text.partition("?")[2] if text else _requery(params)
        return Link(PRESENTATION, PresentationRequest(query=query), text)
    if not own_page and params.get("iuv") == "1":
        return Link(INTERACTION, Interaction(url=_web_url(text)), text)
    raise LinkError(
        gettext(
            "That link is not an offer or exchange Satchel knows. If it is the address of a "
            "credential itself, import it from the Import page."
        )
    )


def _offer(params: dict[str, str]) -> CredentialOffer:
    by_value, by_reference = params.get("credential_offer"), params.get("credential_offer_uri")
    if by_value and by_reference:
        raise LinkError(
            gettext("The offer is both by value and by reference; issuers send one or other.")
        )
    if by_reference:
        return CredentialOffer(offer_uri=_web_url(by_reference))
    if not by_value:
        raise LinkError(gettext("The offer link carries no offer."))
    try:
        offer = json.loads(by_value)
    except (ValueError, RecursionError):
        raise LinkError(gettext("The offer in the link is not valid JSON.")) from None
    if not isinstance(offer, dict):
        raise LinkError(gettext("The offer in the link is not a JSON object."))
    return CredentialOffer(offer=offer)


def _dcc(params: dict[str, str], text: str) -> Link:
    if "request" in params and "vc_request_url" not in params:
        return _chapi_request(params["request"], text)
    url = params.get("vc_request_url", "")
    if not url:
        raise LinkError(
            gettext("The request link names no address to receive the credential from.")
        )
    request = LegacyRequest(
        vc_request_url=_web_url(url),
        issuer=params.get("issuer", ""),
        challenge=params.get("challenge", ""),
        auth_type=params.get("auth_type", ""),
    )
    return Link(LEGACY, request, text)


def _chapi_request(raw: str, text: str) -> Link:
    try:
        request = json.loads(raw)
    except (ValueError, RecursionError):
        raise LinkError(gettext("The request in the link is not valid JSON.")) from None
    protocols = request.get("protocols") if isinstance(request, dict) else None
    if not isinstance(protocols, dict):
        raise LinkError(gettext("The request in the link names no protocol to receive with."))
    origin = request.get("credentialRequestOrigin")
    origin = origin if isinstance(origin, str) else ""
    vcapi = protocols.get("vcapi")
    if isinstance(vcapi, str) and vcapi:
        return Link(EXCHANGE, Exchange(url=_web_url(vcapi), request_origin=origin), text)
    offer = protocols.get("OID4VCI")
    if isinstance(offer, str) and offer:
        inner = classify(offer)
        if isinstance(inner.target, CredentialOffer):
            target = CredentialOffer(
                offer=inner.target.offer, offer_uri=inner.target.offer_uri, request_origin=origin
            )
            return Link(OFFER, target, text)
    raise LinkError(gettext("The request in the link names no protocol Satchel speaks."))


def _parameters(query: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=False, max_num_fields=50)
    except ValueError:
        raise LinkError(gettext("That link has too many parameters.")) from None
    params: dict[str, str] = {}
    for key, value in pairs:
        if key in params:
            raise LinkError(gettext("The link repeats its “%(key)s” parameter.") % {"key": key})
        params[key] = value
    return params


def _requery(params: dict[str, str]) -> str:
    return urlencode(params)


def _web_url(url: str) -> str:
    """A URL the wallet may be asked to contact: http(s), a host, nothing else checked here
    (the outbound door decides what may be contacted)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        raise LinkError(gettext("An address in the link does not parse.")) from None
    if parts.scheme.lower() not in ("https", "http") or not parts.hostname:
        raise LinkError(gettext("An address in the link is not a web address."))
    return url
