"""The holder's side of a W3C VC-API (VCALM) exchange, step by step: one client for receiving
(an issuer's exchange, the DCC's deep links) and presenting (a verifier's exchange).

Specification: W3C VCALM (Verifiable Credential API for Lifecycle Management), "Initiating
Interactions" (an interaction URL, fetched as JSON, names `protocols.vcapi`), "Exchanges"
(POST to the exchange URL; a `verifiablePresentationRequest` comes back; POST the
`verifiablePresentation`; what comes back may carry issued credentials in a
`verifiablePresentation`, a further request, or a `redirectUrl`), "Verifiable Presentation
Request" (`QueryByExample` with `credentialQuery.example`, `acceptedIssuers`,
`acceptedCryptosuites`, and `DIDAuthentication`). `query` and `credentialQuery` may each be
one object or a list. The Digital Credentials Consortium's legacy request (`vc_request_url`
with the link's `challenge`) takes a bare presentation and answers with the credential.

What real services expect (the DCC transaction service): `Accept: application/json` on the
interaction URL, JSON bodies with their content type, credentials inside
`verifiablePresentation` and, for older wallets, at the top level too.

Pure of Django: the caller passes the door (the outbound fetcher) and says who the other
party is ("issuer" or "verifier"), which the learner's sentences name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext

from wallet.verification.fetch import FetchError, FetchRefused

EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
ED25519_SIGNATURE_2020 = "Ed25519Signature2020"
HOLDER_SUITES = (EDDSA_RDFC_2022, ED25519_SIGNATURE_2020)
MAX_QUERIES = 20
MAX_ROUNDS = 5
# An issued presentation names a handful of credentials; more is not an exchange's answer.
MAX_CREDENTIALS = 50


class ExchangeError(ValueError):
    """The exchange cannot go on; the message is for the learner. `refused` marks an address
    the door would not contact, `unreachable` a party that could not be reached, and
    `status` the HTTP status of a refusal (0 when there was none)."""

    def __init__(
        self, message: str, *, refused: bool = False, unreachable: bool = False, status: int = 0
    ) -> None:
        super().__init__(message)
        self.refused = refused
        self.unreachable = unreachable
        self.status = status


@dataclass(frozen=True)
class Wanted:
    """One QueryByExample credential query."""

    label: str
    reason: str = ""
    types: list[str] = field(default_factory=list)
    context: Any = None
    issuers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Exchange:
    """A presentation request read from an exchange: what it asks and what binds the answer."""

    url: str
    origin: str
    challenge: str = ""
    domain: str = ""
    queries: list[Wanted] = field(default_factory=list)
    did_authentication: bool = False
    cryptosuites: list[str] = field(default_factory=list)
    request_origin: str = ""
    party: str = "verifier"

    @property
    def verifier_name(self) -> str:
        return self.request_origin or self.domain or self.origin

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Exchange:
        values = dict(data)
        values["queries"] = [Wanted(**w) for w in values.get("queries", [])]
        return cls(**values)


@dataclass(frozen=True)
class Result:
    """What the exchange answered a presentation with."""

    redirect_url: str = ""
    credentials: list[Any] = field(default_factory=list)
    next_request: dict[str, Any] | None = None


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _send(
    door: Any,
    method: str,
    url: str,
    payload: Any | None,
    *,
    party: str,
    headers: Mapping[str, str] | None = None,
) -> Any:
    sent = {"Accept": "application/json", **(headers or {})}
    body = None
    if payload is not None:
        sent["Content-Type"] = "application/json"
        body = json.dumps(payload, separators=(",", ":")).encode()
    try:
        result = door.send(method, url, headers=sent, body=body)
    except FetchRefused as exc:
        raise ExchangeError(
            gettext("Satchel will not contact that address: %(exc)s") % {"exc": exc}, refused=True
        ) from exc
    except FetchError as exc:
        raise ExchangeError(
            gettext("The %(party)s could not be reached.") % {"party": party}, unreachable=True
        ) from exc
    if not result.ok:
        raise ExchangeError(
            gettext("The %(party)s refused (it answered %(status)s).")
            % {"party": party, "status": result.status},
            status=result.status,
        )
    try:
        return json.loads(result.body) if result.body.strip() else {}
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ExchangeError(
            gettext("The %(party)s's answer is not JSON.") % {"party": party}
        ) from None


# --- Initiating Interactions ------------------------------------------------------------


def resolve_interaction_url(url: str, *, door: Any, party: str = "verifier") -> str:
    """Initiating Interactions: the interaction URL names the protocols it speaks."""
    answer = _send(door, "GET", url, None, party=party)
    protocols = answer.get("protocols") if isinstance(answer, dict) else None
    vcapi = protocols.get("vcapi") if isinstance(protocols, dict) else None
    if not isinstance(vcapi, str) or urlsplit(vcapi).scheme not in ("https", "http"):
        raise ExchangeError(gettext("The link does not offer a VC-API exchange."))
    return vcapi


# --- the Verifiable Presentation Request ----------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(value: Any) -> list[str]:
    return [t for t in _as_list(value) if isinstance(t, str)]


def _wanted(credential_query: Mapping[str, Any]) -> Wanted:
    example = credential_query.get("example")
    example = example if isinstance(example, dict) else {}
    types = _types(example.get("type"))
    issuers: list[str] = []
    for issuer in _as_list(credential_query.get("acceptedIssuers")):
        if isinstance(issuer, str):
            issuers.append(issuer)
        elif isinstance(issuer, dict):
            named = issuer.get("issuer") or issuer.get("id")
            if isinstance(named, str):
                issuers.append(named)
    reason = credential_query.get("reason")
    names = [t for t in types if t != "VerifiableCredential"] or types
    return Wanted(
        label=", ".join(names) or "Any credential",
        reason=reason.strip()[:500] if isinstance(reason, str) else "",
        types=types,
        context=example.get("@context"),
        issuers=issuers,
    )


def _suites(query: Mapping[str, Any]) -> list[str]:
    found = []
    for suite in _as_list(query.get("acceptedCryptosuites")):
        name = suite.get("cryptosuite") if isinstance(suite, dict) else suite
        if isinstance(name, str):
            found.append(name)
    return found


def read_presentation_request(
    answer: Any, *, url: str, request_origin: str = "", party: str = "verifier"
) -> Exchange:
    """Verifiable Presentation Request: its queries, challenge and domain. A domain naming
    another site than the exchange's is refused: the request may have been passed on."""
    request = answer.get("verifiablePresentationRequest") if isinstance(answer, dict) else None
    if not isinstance(request, dict):
        raise ExchangeError(
            gettext("The %(party)s did not ask for a presentation.") % {"party": party}
        )
    queries = _as_list(request.get("query"))
    if not queries or len(queries) > MAX_QUERIES:
        raise ExchangeError(
            gettext("The %(party)s's request asks for nothing Satchel can read.") % {"party": party}
        )
    wanted: list[Wanted] = []
    did_auth = False
    suites: list[str] = []
    for query in queries:
        if not isinstance(query, dict):
            continue
        kinds = _types(query.get("type"))
        if "DIDAuthentication" in kinds:
            did_auth = True
            suites += _suites(query)
        if "QueryByExample" in kinds:
            for credential_query in _as_list(query.get("credentialQuery")):
                if isinstance(credential_query, dict):
                    wanted.append(_wanted(credential_query))
                    suites += _suites(credential_query)
    if not wanted and not did_auth:
        raise ExchangeError(
            gettext("The %(party)s's request asks for nothing Satchel can answer.")
            % {"party": party}
        )
    challenge = request.get("challenge")
    domain = request.get("domain")
    domain = domain if isinstance(domain, str) else ""
    if domain and not _domain_is_the_exchange(domain, url):
        raise ExchangeError(
            gettext(
                "The request says it is for another site than the one asking: it may have been "
                "passed on. Nothing was sent."
            )
        )
    return Exchange(
        url=url,
        origin=origin_of(url),
        challenge=challenge if isinstance(challenge, str) else "",
        domain=domain,
        queries=wanted,
        did_authentication=did_auth,
        cryptosuites=suites,
        request_origin=request_origin,
        party=party,
    )


def _domain_is_the_exchange(domain: str, url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if "://" in domain:
        return (urlsplit(domain).hostname or "").lower() == host
    return domain.lower().split(":", 1)[0] == host


def start_exchange(target: Any, *, door: Any, party: str = "verifier") -> Exchange:
    """From an interaction URL (or an exchange URL handed over directly), POST `{}` to the
    exchange and read the presentation request it answers with."""
    url = getattr(target, "url", "")
    request_origin = getattr(target, "request_origin", "")
    if type(target).__name__ == "Interaction":
        url = resolve_interaction_url(url, door=door, party=party)
    answer = _send(door, "POST", url, {}, party=party)
    return read_presentation_request(answer, url=url, request_origin=request_origin, party=party)


def presentation_suite(exchange: Exchange) -> str:
    """The suite to sign with: the one the request names when the holder key can make it,
    otherwise eddsa-rdfc-2022."""
    for suite in exchange.cryptosuites:
        if suite in HOLDER_SUITES:
            return suite
    return EDDSA_RDFC_2022


# --- answering ------------------------------------------------------------------------------


def credentials_in(answer: Any) -> list[Any]:
    """The credentials an exchange's answer carries: inside `verifiablePresentation` (as
    VCALM has it) or at the top level (as the DCC service also sends them, once more, for
    older wallets). Each credential counted once."""
    found: list[Any] = []
    if not isinstance(answer, dict):
        return found
    presentation = answer.get("verifiablePresentation")
    if isinstance(presentation, dict):
        found += _as_list(presentation.get("verifiableCredential"))
    if not found:
        found += _as_list(answer.get("verifiableCredential"))
    if not found and isinstance(answer.get("credentialSubject"), dict):
        found.append(answer)  # a bare credential (the legacy request's answer)
    unique: list[Any] = []
    for credential in found:
        if isinstance(credential, dict | str) and credential not in unique:
            unique.append(credential)
    if len(unique) > MAX_CREDENTIALS:
        raise ExchangeError(
            gettext("The answer carries more credentials than Satchel takes at once.")
        )
    return unique


def read_answer(answer: Any) -> Result:
    """What came back: issued credentials, a further request, a `redirectUrl`."""
    redirect = answer.get("redirectUrl") if isinstance(answer, dict) else None
    redirect_url = (
        redirect
        if isinstance(redirect, str) and urlsplit(redirect).scheme in ("https", "http")
        else ""
    )
    next_request = None
    if isinstance(answer, dict) and isinstance(answer.get("verifiablePresentationRequest"), dict):
        next_request = answer
    return Result(
        redirect_url=redirect_url, credentials=credentials_in(answer), next_request=next_request
    )


def send_presentation(exchange: Exchange, presentation: dict[str, Any], *, door: Any) -> Result:
    """Exchanges: POST the presentation; read what comes back."""
    answer = _send(
        door,
        "POST",
        exchange.url,
        {"verifiablePresentation": presentation},
        party=exchange.party,
    )
    return read_answer(answer)


def send_legacy_request(
    url: str, presentation: dict[str, Any], *, door: Any, bearer: str = ""
) -> list[Any]:
    """The DCC's legacy credential request: the bare DID authentication presentation POSTed
    to `vc_request_url` (with the link's challenge as a bearer token when `auth_type` is
    `bearer`); the answer is the credential, or a presentation of them."""
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else None
    answer = _send(door, "POST", url, presentation, party="issuer", headers=headers)
    return credentials_in(answer)
