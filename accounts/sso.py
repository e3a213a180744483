"""Single sign-on with a school's OpenID Connect provider: what Satchel adds to allauth's flow.

allauth runs the protocol (discovery, PKCE, state, token, ID token). Around it, Satchel needs:
the origin of the provider's sign-in page, so the "Continue" form may be answered by a
redirect there (Chromium checks CSP form-action against that redirect); a failure page
instead of a 500 when the provider cannot be reached; and the provider's refusals in the log.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import re
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import requests
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

# The provider's discovery document rarely changes; reading it once per few minutes keeps
# anonymous visits to the sign-in page from turning into requests to the school.
ORIGIN_CACHE_SECONDS = 300
# Enough of an error answer to diagnose it ({"error": "invalid_client", ...}), not a page.
LOGGED_BODY_CHARS = 1000
# Fields that carry credentials in OAuth answers: never written to the log.
_SECRET_FIELDS = {
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "code",
    "code_verifier",
}
# What a provider that is down, or that serves a broken discovery document, makes allauth's
# views raise: the learner gets the failure page, the operator the log line.
PROVIDER_FAILURES: tuple[type[Exception], ...] = (
    requests.RequestException,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
)
_HOSTNAME = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")


def origin_of(url: object) -> str | None:
    """The origin of an http(s) URL, rebuilt from its parsed parts (so nothing else from the
    URL can reach a header), or None when it is not a plain http(s) URL."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme not in {"https", "http"} or not host:
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not _HOSTNAME.fullmatch(host):
            return None
    else:
        host = f"[{address}]" if address.version == 6 else str(address)
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def authorization_origin(*, request: HttpRequest, provider_id: str) -> str | None:
    """The origin of the provider's authorization endpoint, from its discovery document.

    Raises one of PROVIDER_FAILURES when the document cannot be read or is not one.
    """
    adapter = OpenIDConnectOAuth2Adapter(request, provider_id)
    server_url = adapter.get_provider().server_url
    key = "sso:authorization-origin:" + hashlib.sha256(server_url.encode()).hexdigest()
    origin = cache.get(key)
    if origin is None:
        document = adapter.openid_config
        if not isinstance(document, dict) or not all(
            isinstance(document.get(name), str)
            for name in ("authorization_endpoint", "token_endpoint")
        ):
            raise ValueError(f"{server_url}: the discovery document names no OAuth endpoints")
        origin = origin_of(document["authorization_endpoint"]) or ""
        cache.set(key, origin, ORIGIN_CACHE_SECONDS)
    return origin or None


def provider_unreachable_response(
    *, request: HttpRequest, provider_id: str, exception: Exception
) -> HttpResponse:
    """allauth's failure page, saying the school's sign-in service could not be reached."""
    provider = get_adapter(request).get_provider(request, provider_id)
    response = render_authentication_error(
        request, provider, exception=exception, extra_context={"provider_unreachable": True}
    )
    if response.status_code == HTTPStatus.UNAUTHORIZED:
        response.status_code = HTTPStatus.BAD_GATEWAY
    return response


def redacted(text: str, *, secrets: Iterable[str]) -> str:
    """Text from a provider, fit for the log: credentials blanked, length capped."""
    try:
        data = json.loads(text)
    except ValueError:
        pass
    else:
        if isinstance(data, dict):
            text = json.dumps(
                {k: ("[redacted]" if k in _SECRET_FIELDS else v) for k, v in data.items()}
            )
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    if len(text) > LOGGED_BODY_CHARS:
        text = text[:LOGGED_BODY_CHARS] + f"... ({len(text)} characters)"
    return text


def describe_answer(
    *, method: str, url: str, status: int, body: bytes, secrets: Iterable[str]
) -> str:
    """One log line for a provider's answer: where (without the query), status, body."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port is not None:
        netloc += f":{parts.port}"
    text = redacted(body.decode("utf-8", errors="replace"), secrets=secrets)
    return f"{method} {parts.scheme}://{netloc}{parts.path} answered {status}: {text}"


def _configured_secrets() -> list[str]:
    return [app.secret for app in get_adapter().list_apps(None) if app.secret]


def log_refused_answer(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """A requests response hook: a provider's error answer goes to the log, so an operator
    sees why sign-in failed ("invalid_client": the client secret is wrong) and not only
    that it did."""
    if response.status_code < 400:
        return
    logger.warning(
        "school sign-in: the provider refused: %s",
        describe_answer(
            method=response.request.method or "GET",
            url=response.url,
            status=response.status_code,
            body=response.content,
            secrets=_configured_secrets(),
        ),
    )


def log_authentication_error(*, provider: Any, error: object, exception: object) -> None:
    detail = ""
    if exception is not None:
        detail = ": " + redacted(
            f"{type(exception).__name__}: {exception}", secrets=_configured_secrets()
        )
    logger.warning(
        "school sign-in with %s failed (%s)%s", getattr(provider, "name", provider), error, detail
    )
