"""RFC 7591 dynamic client registration, as Open Badges 3.0 section 7.1.1 profiles it.

A tool POSTs its metadata to the `x-imssf-registrationUrl` of the discovery document, with no
initial access token (7.1.1.2), and gets a `client_id` and `client_secret` back (201). What it
may ask for is checked here: the authorization code grant (with refresh tokens) only, the
`code` response type, a client secret sent by HTTP Basic (7.1.2.3 requires it) or in the form,
redirect URIs over HTTPS (plain HTTP only where the deployment allows it, and then only to
the tool's own machine, RFC 8252 section 7.3),
and scopes from the specifications' list (6.2.1). The scopes it registers are the most any
learner can later grant it (`obapi.validator`).

django-oauth-toolkit keeps the application (its secret hashed); the metadata the tool gave
about itself is kept beside it (`RegisteredTool`) and shown to learners as the tool's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings

from obapi.apis import KNOWN_SCOPES
from obapi.models import RegisteredTool

SUPPORTED_GRANTS = frozenset({"authorization_code", "refresh_token"})
SUPPORTED_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
MAX_REDIRECT_URIS = 10
MAX_URL = 2000
_TEXT_FIELDS = {"client_name": 200, "software_id": 255, "software_version": 255}
_URL_FIELDS = ("client_uri", "logo_uri", "tos_uri", "policy_uri")


class RegistrationError(Exception):
    """RFC 7591 section 3.2.2: an `error` code and a description the tool's developer reads."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class Registered:
    tool: RegisteredTool
    client_secret: str  # shown once, in the registration response; kept only hashed


def tool_register(*, metadata: Any, now: datetime) -> Registered:
    """Register a tool from its RFC 7591 metadata, or raise RegistrationError."""
    if not isinstance(metadata, dict):
        raise RegistrationError(
            "invalid_client_metadata", gettext("The body must be a JSON object.")
        )
    redirect_uris = _redirect_uris(metadata.get("redirect_uris"))
    _check_grants(metadata)
    auth_method = metadata.get("token_endpoint_auth_method", "client_secret_basic")
    if auth_method not in SUPPORTED_AUTH_METHODS:
        raise RegistrationError(
            "invalid_client_metadata",
            "token_endpoint_auth_method must be one of: " + ", ".join(SUPPORTED_AUTH_METHODS),
        )
    scopes = _scopes(metadata.get("scope"))
    texts = {name: _text(metadata, name, cap) for name, cap in _TEXT_FIELDS.items()}
    if not texts["client_name"]:
        raise RegistrationError("invalid_client_metadata", "client_name is required.")
    urls = {name: _https_url(metadata, name) for name in _URL_FIELDS}
    contacts = _contacts(metadata.get("contacts"))

    application_model = get_application_model()
    application = application_model(
        name=texts["client_name"],
        client_type=application_model.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application_model.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(redirect_uris),
        registration_source=application_model.RegistrationSource.DCR,
        skip_authorization=False,
    )
    secret = application.client_secret  # generated on creation; hashed when saved
    with transaction.atomic():
        application.save()
        tool = RegisteredTool.objects.create(
            application=application,
            software_id=texts["software_id"],
            software_version=texts["software_version"],
            contacts=contacts,
            scope=" ".join(scopes),
            registered_at=now,
            **urls,
        )
    return Registered(tool, secret)


def registration_response(registered: Registered, *, metadata: dict[str, Any]) -> dict[str, Any]:
    """RFC 7591 section 3.2.1: the client information, with the metadata as registered."""
    tool = registered.tool
    application = tool.application
    answer: dict[str, Any] = {
        "client_id": application.client_id,
        "client_secret": registered.client_secret,
        "client_id_issued_at": int(tool.registered_at.timestamp()),
        "client_secret_expires_at": 0,  # never (section 3.2.1)
        "client_name": application.name,
        "redirect_uris": application.redirect_uris.split(),
        "token_endpoint_auth_method": metadata.get(
            "token_endpoint_auth_method", "client_secret_basic"
        ),
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": tool.scope,
    }
    for name in (*_URL_FIELDS, "software_id", "software_version"):
        if getattr(tool, name):
            answer[name] = getattr(tool, name)
    if tool.contacts:
        answer["contacts"] = tool.contacts
    return answer


def _redirect_uris(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise RegistrationError("invalid_redirect_uri", "redirect_uris must be a non-empty array.")
    if len(value) > MAX_REDIRECT_URIS:
        raise RegistrationError(
            "invalid_redirect_uri",
            gettext("At most %(max_redirect_uris)s redirect URIs can be registered.")
            % {"max_redirect_uris": MAX_REDIRECT_URIS},
        )
    for uri in value:
        if not isinstance(uri, str) or not _acceptable_redirect(uri):
            raise RegistrationError(
                "invalid_redirect_uri",
                gettext(
                    "Not an acceptable redirect URI: %(uri)s (HTTPS, or HTTP to the loopback "
                    "address; absolute; no fragment)."
                )
                % {"uri": repr(str(uri)[:200])},
            )
    return list(dict.fromkeys(value))


def _acceptable_redirect(uri: str) -> bool:
    if len(uri) > MAX_URL or any(c.isspace() for c in uri):
        return False
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 -- raises on a bad port
    except ValueError:
        return False
    if parts.fragment or not parts.hostname or parts.username or parts.password:
        return False
    if parts.scheme == "https":
        return True
    return (
        parts.scheme == "http"
        and "http" in oauth2_settings.ALLOWED_REDIRECT_URI_SCHEMES
        and parts.hostname in LOOPBACK_HOSTS
    )


def _check_grants(metadata: dict[str, Any]) -> None:
    grants = metadata.get("grant_types", ["authorization_code"])
    if (
        not isinstance(grants, list)
        or "authorization_code" not in grants
        or not set(grants) <= SUPPORTED_GRANTS
    ):
        raise RegistrationError(
            "invalid_client_metadata",
            "grant_types must be authorization_code, optionally with refresh_token.",
        )
    responses = metadata.get("response_types", ["code"])
    if responses != ["code"]:
        raise RegistrationError("invalid_client_metadata", 'response_types must be ["code"].')


def _scopes(value: Any) -> list[str]:
    if not isinstance(value, str) or not value.split():
        raise RegistrationError(
            "invalid_client_metadata", "scope must name the scopes the tool will ask for."
        )
    asked = list(dict.fromkeys(value.split()))
    unknown = [s for s in asked if s not in KNOWN_SCOPES]
    if unknown:
        raise RegistrationError(
            "invalid_client_metadata", "Unknown scope: " + " ".join(s[:200] for s in unknown)
        )
    return asked


def _text(metadata: dict[str, Any], name: str, cap: int) -> str:
    value = metadata.get(name, "")
    if not isinstance(value, str) or len(value) > cap:
        raise RegistrationError(
            "invalid_client_metadata", f"{name} must be a string of at most {cap} characters."
        )
    return value.strip()


def _https_url(metadata: dict[str, Any], name: str) -> str:
    value = metadata.get(name, "")
    if value == "":
        return ""
    if not isinstance(value, str) or len(value) > MAX_URL or not value.startswith("https://"):
        raise RegistrationError("invalid_client_metadata", f"{name} must be an https:// URL.")
    return value


def _contacts(value: Any) -> list[str]:
    if value is None:
        return []
    if (
        not isinstance(value, list)
        or len(value) > 10
        or not all(isinstance(c, str) and len(c) <= 254 for c in value)
    ):
        raise RegistrationError("invalid_client_metadata", "contacts must be a list of strings.")
    return value
