"""Satchel as a consumer of another OB 3.0 / CLR 2.0 host, step by step as OB 3.0 section 7
describes it, every request through the one outbound door (`config.protocol_client`).

1. Discovery (7.1.1.1): GET `<base>/ims/ob/v3p0/discovery` (or `/ims/clr/v2p0/discovery`) and
   read `components.securitySchemes.OAuth2ACG`: the registration URL and the authorization
   code flow's authorization and token URLs.
2. Registration (7.1.1.2, RFC 7591): POST Satchel's metadata, get a client id and secret.
3. Authorization request (7.1.2.1): the learner's browser goes to the authorization URL with
   a PKCE S256 challenge (RFC 7636) and a state to match the answer.
4. Access token request (7.1.2.3): the code and the PKCE verifier, the client authenticated
   by HTTP Basic; refresh (7.2) the same way.
5. getCredentials (6.2.2), page after page by the `Link` header's `next` (6.4); credentials
   come as objects in `credential` and as VC-JWTs in `compactJwsString` (B.2.1; the example
   in 6.2.2 spells it `compactJwsStrings`, so both are read).
6. Revocation (RFC 7009) when the learner disconnects: the refresh token, then the access
   token, each posted with the client's HTTP Basic authentication. OB 3.0's discovery document
   has no field for the revocation endpoint, so the security scheme's `x-imssf-revocationUrl`
   extension is read (and `x-imssf-tokenRevocationUrl`, after OB 2.1's manifest field
   `tokenRevocationUrl`); a host that names none cannot be asked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from django.utils.translation import gettext, gettext_noop

from config.protocol_client import Answer, ProtocolClient, RemoteError
from obapi.apis import OFFLINE_ACCESS, ApiSpec
from wallet.wording import Said

JWT_MEDIA_TYPE = "application/vc+jwt"
JSON_MEDIA_TYPE = "application/json"
# Where a discovery document names its RFC 7009 endpoint (an extension: see step 6 above).
REVOCATION_URL_KEY = "x-imssf-revocationUrl"
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^";]+)"?')


class ConsumerError(Exception):
    """A step failed; the message is for the learner (the host's own text is never quoted)."""


class TokenRejected(ConsumerError):
    """The host does not (or no longer) accept the access token."""


@dataclass(frozen=True)
class HostService:
    name: str
    registration_url: str
    authorization_url: str
    token_url: str
    credentials_url: str
    scopes: frozenset[str]
    revocation_url: str = ""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: datetime | None
    scope: str


@dataclass(frozen=True)
class Item:
    data: bytes
    media_type: str


@dataclass(frozen=True)
class Page:
    items: list[Item]
    next_url: str | None
    total: int | None


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or url
    except ValueError:
        return url


def _call(step: str, url: str, send: Any) -> Answer:
    try:
        return send()
    except RemoteError as exc:
        if exc.refused:
            raise ConsumerError(
                gettext("Satchel does not contact that address (%(exc)s).") % {"exc": exc}
            ) from exc
        raise ConsumerError(
            Said("%(host)s could not be reached for %(step)s.", host=_host(url), step=Said(step))
        ) from exc


# --- 1. discovery ---------------------------------------------------------------------------


def discover(client: ProtocolClient, *, base_url: str, api: ApiSpec) -> HostService:
    url = base_url.rstrip("/") + api.base_path + "/discovery"
    answer = _call(gettext_noop("discovery"), url, lambda: client.get_json(url))
    if not answer.ok or not isinstance(answer.data, dict):
        raise ConsumerError(
            f"{_host(url)} does not offer the {api.title} API here "
            f"(its discovery document answered HTTP {answer.status})."
        )
    document = answer.data
    scheme = _object(_object(document.get("components")).get("securitySchemes")).get("OAuth2ACG")
    scheme = _object(scheme)
    flow = _object(_object(scheme.get("flows")).get("authorizationCode"))
    urls: dict[str, str] = {
        name: value if isinstance(value, str) else ""
        for name, value in (
            ("registration", scheme.get("x-imssf-registrationUrl")),
            ("authorization", flow.get("authorizationUrl")),
            ("token", flow.get("tokenUrl")),
        )
    }
    missing = [name for name, value in urls.items() if not _absolute(value)]
    if missing:
        raise ConsumerError(
            gettext(
                "%(host)s's discovery document does not give its %(join)s address, so "
                "Satchel cannot connect to it."
            )
            % {"host": _host(url), "join": ", ".join(missing)}
        )
    scopes = frozenset(k for k in _object(flow.get("scopes")) if isinstance(k, str))
    if api.credential_readonly not in scopes:
        raise ConsumerError(f"{_host(url)} does not offer to share credentials ({api.title}).")
    info = _object(document.get("info"))
    name = scheme.get("x-imssf-name") or info.get("title") or _host(url)
    servers = document.get("servers")
    server = _object(servers[0]).get("url") if isinstance(servers, list) and servers else None
    root = server if isinstance(server, str) and _absolute(server) else ""
    root = root or base_url.rstrip("/") + api.base_path
    revocation: str = next(
        (
            str(value)
            for value in (
                scheme.get(REVOCATION_URL_KEY),
                scheme.get("x-imssf-tokenRevocationUrl"),
                flow.get(REVOCATION_URL_KEY),
            )
            if _absolute(value)
        ),
        "",
    )
    return HostService(
        name=str(name)[:200],
        registration_url=urls["registration"],
        authorization_url=urls["authorization"],
        token_url=urls["token"],
        credentials_url=root.rstrip("/") + "/credentials",
        scopes=scopes,
        revocation_url=revocation,
    )


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _absolute(value: Any) -> bool:
    return (
        isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) < 2000
    )


def wanted_scopes(service: HostService, api: ApiSpec) -> str:
    """credential.readonly, and offline_access when offered (for the daily sync)."""
    scopes = [api.credential_readonly]
    if OFFLINE_ACCESS in service.scopes:
        scopes.append(OFFLINE_ACCESS)
    return " ".join(scopes)


# --- 2. registration ------------------------------------------------------------------------


def register(
    client: ProtocolClient,
    service: HostService,
    *,
    redirect_uri: str,
    scope: str,
    client_uri: str,
) -> tuple[str, str]:
    metadata: dict[str, Any] = {
        "client_name": "Satchel",
        "redirect_uris": [redirect_uri],
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": scope,
    }
    if client_uri.startswith("https://"):  # a development Satchel on http has no such page
        metadata["client_uri"] = client_uri
    url = service.registration_url
    answer = _call(gettext_noop("registration"), url, lambda: client.post_json(url, metadata))
    data = answer.data if isinstance(answer.data, dict) else {}
    client_id, secret = data.get("client_id"), data.get("client_secret")
    if answer.status not in (200, 201) or not isinstance(client_id, str) or not client_id:
        reason = f" ({answer.error})" if answer.error else f" (HTTP {answer.status})"
        raise ConsumerError(f"{service.name} did not register Satchel{reason}.")
    return client_id, secret if isinstance(secret, str) else ""


# --- 3. authorization request -------------------------------------------------------------


def pkce_pair() -> tuple[str, str]:
    """RFC 7636 section 4.1-4.2: a random verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_request_url(
    service: HostService,
    *,
    client_id: str,
    redirect_uri: str,
    scope: str,
    state: str,
    code_challenge: str,
) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
    )
    separator = "&" if "?" in service.authorization_url else "?"
    return service.authorization_url + separator + query


# --- 4. tokens ------------------------------------------------------------------------------


def _basic(client_id: str, secret: str) -> dict[str, str]:
    pair = f"{client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}


def exchange_code(
    client: ProtocolClient,
    *,
    token_url: str,
    client_id: str,
    client_secret: str,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    now: datetime,
) -> Tokens:
    fields = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    return _token_request(client, token_url, fields, _basic(client_id, client_secret), now)


def refresh(
    client: ProtocolClient,
    *,
    token_url: str,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    now: datetime,
) -> Tokens:
    fields = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    tokens = _token_request(client, token_url, fields, _basic(client_id, client_secret), now)
    if not tokens.refresh_token:  # 7.2.2: a new refresh token is optional
        return Tokens(tokens.access_token, refresh_token, tokens.expires_at, tokens.scope)
    return tokens


def _token_request(
    client: ProtocolClient,
    url: str,
    fields: dict[str, str],
    headers: dict[str, str],
    now: datetime,
) -> Tokens:
    answer = _call(
        gettext_noop("a token"), url, lambda: client.post_form(url, fields, headers=headers)
    )
    data = answer.data if isinstance(answer.data, dict) else {}
    access = data.get("access_token")
    if not answer.ok or not isinstance(access, str) or not access:
        if answer.error in ("invalid_grant", "invalid_client"):
            raise TokenRejected(
                Said("The platform no longer accepts Satchel's access: reconnect it.")
            )
        reason = answer.error or f"HTTP {answer.status}"
        raise ConsumerError(
            Said(
                "%(host)s did not give Satchel an access token (%(reason)s).",
                host=_host(url),
                reason=reason,
            )
        )
    if str(data.get("token_type", "")).lower() != "bearer":
        raise ConsumerError(
            Said("%(host)s gave a token of a kind Satchel cannot use.", host=_host(url))
        )
    expires_in = data.get("expires_in")
    expires_at = (
        now + timedelta(seconds=int(expires_in))
        if isinstance(expires_in, int) and expires_in > 0
        else None
    )
    refresh_token = data.get("refresh_token")
    return Tokens(
        access,
        refresh_token if isinstance(refresh_token, str) else "",
        expires_at,
        str(data.get("scope", fields.get("scope", ""))),
    )


# --- 5. getCredentials ----------------------------------------------------------------------


def credentials_page(client: ProtocolClient, *, url: str, access_token: str, first: str) -> Page:
    """One page of getCredentials. `first` is the first page's URL: a `next` link elsewhere
    than its origin is not followed (the access token would go with it)."""
    headers = {"Authorization": f"Bearer {access_token}"}
    answer = _call(gettext_noop("credentials"), url, lambda: client.get_json(url, headers=headers))
    if answer.status == 401:
        raise TokenRejected(Said("The platform did not accept Satchel's access token."))
    if answer.status == 403:
        raise ConsumerError(Said("The platform refused to share credentials with Satchel (403)."))
    if not answer.ok or not isinstance(answer.data, dict):
        raise ConsumerError(
            Said(
                "%(host)s answered HTTP %(status)s when asked for credentials.",
                host=_host(url),
                status=answer.status,
            )
        )
    items = [
        Item(_json_bytes(document), JSON_MEDIA_TYPE)
        for document in _as_list(answer.data.get("credential"))
        if isinstance(document, dict)
    ]
    for key in ("compactJwsString", "compactJwsStrings"):
        items += [
            Item(token.strip().encode("ascii", "replace"), JWT_MEDIA_TYPE)
            for token in _as_list(answer.data.get(key))
            if isinstance(token, str) and token.strip()
        ]
    total_header = answer.headers.get("x-total-count", "")
    total = int(total_header) if total_header.isdigit() else None
    return Page(items, _next_link(answer.headers.get("link", ""), url, first), total)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _json_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def _next_link(header: str, current: str, first: str) -> str | None:
    for target, rel in _LINK.findall(header):
        if "next" in rel.split():
            resolved = urljoin(current, target.strip())
            if _origin(resolved) != _origin(first):
                raise ConsumerError(
                    Said(
                        "%(host)s sent Satchel to another site for its next page; "
                        "Satchel stopped there.",
                        host=_host(first),
                    )
                )
            return resolved
    return None


def same_origin(url: str, other: str) -> bool:
    try:
        return _origin(url) == _origin(other)
    except ValueError:
        return False


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port


# --- 6. revocation --------------------------------------------------------------------------


def revoke(
    client: ProtocolClient,
    *,
    revocation_url: str,
    client_id: str,
    client_secret: str,
    token: str,
    token_type_hint: str,
) -> None:
    """RFC 7009 section 2.1: ask the host to end `token`. Done is HTTP 200 (2.2: also for a
    token it no longer knows); anything else raises ConsumerError."""
    fields = {"token": token, "token_type_hint": token_type_hint}
    url = revocation_url
    answer = _call(
        "revocation",
        url,
        lambda: client.post_form(url, fields, headers=_basic(client_id, client_secret)),
    )
    if answer.status != 200:
        reason = answer.error or f"HTTP {answer.status}"
        raise ConsumerError(f"{_host(url)} did not confirm the revocation ({reason}).")
