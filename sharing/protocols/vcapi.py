"""A verifier's VC-API (VCALM) presentation exchange, the holder's side, step by step.

Specification: W3C VCALM (Verifiable Credential API for Lifecycle Management), "Initiating
Interactions" (an interaction URL, fetched as JSON, names `protocols.vcapi`), "Exchanges"
(POST to the exchange URL; a `verifiablePresentationRequest` comes back; POST the
`verifiablePresentation`; a `redirectUrl` may follow), "Verifiable Presentation Request"
(`QueryByExample` with `credentialQuery.example`, `acceptedIssuers`, `acceptedCryptosuites`,
and `DIDAuthentication`). `query` and `credentialQuery` may each be one object or a list.

Pure of Django: the caller passes the door (the outbound fetcher).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sharing.protocols.dcql import Candidate, expanded_types
from wallet.verification.fetch import FetchError, FetchRefused

EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
ED25519_SIGNATURE_2020 = "Ed25519Signature2020"
MAX_QUERIES = 20


class ExchangeError(ValueError):
    """The exchange cannot go on; the message is for the learner."""


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
    url: str
    origin: str
    challenge: str = ""
    domain: str = ""
    queries: list[Wanted] = field(default_factory=list)
    did_authentication: bool = False
    cryptosuites: list[str] = field(default_factory=list)
    request_origin: str = ""

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
    redirect_url: str = ""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _send(door: Any, method: str, url: str, payload: Any | None) -> Any:
    headers = {"Accept": "application/json"}
    body = None
    if payload is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(payload, separators=(",", ":")).encode()
    try:
        result = door.send(method, url, headers=headers, body=body)
    except FetchRefused as exc:
        raise ExchangeError(f"Satchel will not contact that address: {exc}") from exc
    except FetchError as exc:
        raise ExchangeError("The verifier could not be reached.") from exc
    if not result.ok:
        raise ExchangeError(f"The verifier refused (it answered {result.status}).")
    try:
        return json.loads(result.body) if result.body.strip() else {}
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ExchangeError("The verifier's answer is not JSON.") from None


def resolve_interaction_url(url: str, *, door: Any) -> str:
    """Initiating Interactions: the interaction URL names the protocols it speaks."""
    answer = _send(door, "GET", url, None)
    protocols = answer.get("protocols") if isinstance(answer, dict) else None
    vcapi = protocols.get("vcapi") if isinstance(protocols, dict) else None
    if not isinstance(vcapi, str) or urlsplit(vcapi).scheme not in ("https", "http"):
        raise ExchangeError("The link does not offer a VC-API exchange.")
    return vcapi


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


def read_presentation_request(answer: Any, *, url: str, request_origin: str = "") -> Exchange:
    """Verifiable Presentation Request: its queries, challenge and domain."""
    request = answer.get("verifiablePresentationRequest") if isinstance(answer, dict) else None
    if not isinstance(request, dict):
        raise ExchangeError("The verifier did not ask for a presentation.")
    queries = _as_list(request.get("query"))
    if not queries or len(queries) > MAX_QUERIES:
        raise ExchangeError("The verifier's request asks for nothing Satchel can read.")
    wanted: list[Wanted] = []
    did_auth = False
    suites: list[str] = []
    for query in queries:
        if not isinstance(query, dict):
            continue
        kinds = _types(query.get("type"))
        if "DIDAuthentication" in kinds:
            did_auth = True
        if "QueryByExample" in kinds:
            for credential_query in _as_list(query.get("credentialQuery")):
                if isinstance(credential_query, dict):
                    wanted.append(_wanted(credential_query))
                    for suite in _as_list(credential_query.get("acceptedCryptosuites")):
                        name = suite.get("cryptosuite") if isinstance(suite, dict) else suite
                        if isinstance(name, str):
                            suites.append(name)
    if not wanted and not did_auth:
        raise ExchangeError("The verifier's request asks for nothing Satchel can answer.")
    challenge = request.get("challenge")
    domain = request.get("domain")
    origin = _origin(url)
    domain = domain if isinstance(domain, str) else ""
    if domain and not _domain_is_the_exchange(domain, url):
        raise ExchangeError(
            "The request says it is for another site than the one asking: it may have been "
            "passed on. Nothing was sent."
        )
    return Exchange(
        url=url,
        origin=origin,
        challenge=challenge if isinstance(challenge, str) else "",
        domain=domain,
        queries=wanted,
        did_authentication=did_auth,
        cryptosuites=suites,
        request_origin=request_origin,
    )


def _domain_is_the_exchange(domain: str, url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if "://" in domain:
        return (urlsplit(domain).hostname or "").lower() == host
    return domain.lower().split(":", 1)[0] == host


def start_exchange(target: Any, *, door: Any) -> Exchange:
    """From an interaction URL (or an exchange URL handed over directly), POST `{}` to the
    exchange and read the presentation request it answers with."""
    url = getattr(target, "url", "")
    request_origin = getattr(target, "request_origin", "")
    if type(target).__name__ == "Interaction":
        url = resolve_interaction_url(url, door=door)
    answer = _send(door, "POST", url, {})
    return read_presentation_request(answer, url=url, request_origin=request_origin)


def matches_example(wanted: Wanted, found: Candidate) -> bool:
    """QueryByExample: the credential has every type of the example (expanded over the
    example's own context when it gives one) and, if issuers are listed, one of them."""
    if wanted.types:
        if wanted.context:
            needed = expanded_types({"@context": wanted.context, "type": wanted.types})
        else:
            needed = frozenset(wanted.types)
        written = frozenset(_types(found.document.get("type")))
        if not (needed <= found.types or needed <= written):
            return False
    if wanted.issuers:
        issuer = found.document.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if issuer_id not in wanted.issuers:
            return False
    return True


def presentation_suite(exchange: Exchange) -> str:
    """The suite to sign with: the verifier's, when it names one the holder key can make."""
    for suite in exchange.cryptosuites:
        if suite in (EDDSA_RDFC_2022, ED25519_SIGNATURE_2020):
            return suite
    return EDDSA_RDFC_2022


def send_presentation(exchange: Exchange, presentation: dict[str, Any], *, door: Any) -> Result:
    """Exchanges: POST the presentation; a `redirectUrl` is where the learner goes next."""
    answer = _send(door, "POST", exchange.url, {"verifiablePresentation": presentation})
    redirect = answer.get("redirectUrl") if isinstance(answer, dict) else None
    if isinstance(redirect, str) and urlsplit(redirect).scheme in ("https", "http"):
        return Result(redirect_url=redirect)
    return Result()
