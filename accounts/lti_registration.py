"""LTI Dynamic Registration 1.0: an LMS adds Satchel as an LTI 1.3 tool without anyone typing
client ids and key set addresses, and Satchel's operator confirms it.

1. Registration initiation (section 3.3): the platform opens Satchel's initiation URL
   (`/lti/register/`) with `openid_configuration` (where its OpenID configuration is) and,
   usually, a one-time `registration_token`.
2. `platform_configuration` (3.4, 3.5): Satchel fetches that configuration through the outbound
   door (with the token as a bearer token when there is one) and checks it: the `issuer` must
   have the configuration URL's origin (so one platform cannot speak for another), the
   authorization, registration and key set endpoints must be given, RS256 must be offered.
3. The operator (a staff account) reads what the platform is and what Satchel will register,
   and confirms; nothing is sent before that.
4. `register_tool` (3.6): Satchel posts its client registration, with the
   `https://purl.imsglobal.org/spec/lti-tool-configuration` claim (domain, target link,
   claims, the resource link and deep linking messages), to the platform's
   `registration_endpoint` with the bearer token, reads the `client_id` (and the
   `deployment_id` when the platform gives one) and keeps the platform as an `LtiPlatform`.
5. The last page tells the platform it is done: `postMessage({subject:
   'org.imsglobal.lti.close'})` to the window that opened it (static/js/lti-close.js).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.lti import DEEP_LINKING, RESOURCE_LINK, LtiError
from accounts.models import LtiPlatform
from config.protocol_client import Answer, ProtocolClient, RemoteError

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
# What Satchel reads of a launch (LTI 1.3 core 5.1.2, 5.3.6): who, and how to greet them.
CLAIMS = ["iss", "sub", "name", "email"]
MAX_URL_CHARS = 2000


class RegistrationError(LtiError):
    """The registration cannot go on; the sentence is for the operator."""


@dataclass(frozen=True)
class PlatformConfiguration:
    """What Satchel keeps of a platform's OpenID configuration between the two steps."""

    configuration_url: str
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    product: str
    version: str
    deep_linking: bool  # the platform offers LtiDeepLinkingRequest (or does not say)

    def as_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, data: Any) -> PlatformConfiguration:
        if not isinstance(data, dict):
            raise RegistrationError(_("There is no registration waiting to be confirmed."))
        try:
            return cls(**data)
        except TypeError as exc:
            raise RegistrationError(_("There is no registration waiting to be confirmed.")) from exc

    @property
    def name(self) -> str:
        host = urlsplit(self.issuer).hostname or self.issuer
        return f"{self.product} ({host})" if self.product else host


def _client() -> ProtocolClient:
    return ProtocolClient(party="LTI platform")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None


def _address(value: Any) -> str:
    if (
        isinstance(value, str)
        and value.startswith(("https://", "http://"))
        and len(value) <= MAX_URL_CHARS
    ):
        return value
    return ""


def _ask(send: Any, url: str) -> Answer:
    try:
        answer: Answer = send()
    except RemoteError as exc:
        host = urlsplit(url).hostname or url
        if exc.refused:
            raise RegistrationError(
                _("Satchel does not contact that address (%(host)s).") % {"host": host}
            ) from exc
        raise RegistrationError(_("%(host)s could not be reached.") % {"host": host}) from exc
    return answer


# --- 2. the platform's configuration ------------------------------------------------------------


def platform_configuration(
    *, configuration_url: str, registration_token: str
) -> PlatformConfiguration:
    """Fetch and check the platform's OpenID configuration (Dynamic Registration 3.4, 3.5)."""
    if not _address(configuration_url):
        raise RegistrationError(_("The platform did not give the address of its configuration."))
    answer = _ask(
        lambda: _client().get_json(configuration_url, headers=_bearer(registration_token)),
        configuration_url,
    )
    if not answer.ok or not isinstance(answer.data, dict):
        raise RegistrationError(
            _("The platform's configuration could not be read (HTTP %(status)s).")
            % {"status": answer.status}
        )
    data = answer.data
    issuer = _address(data.get("issuer"))
    if not issuer or _origin(issuer) != _origin(configuration_url):
        raise RegistrationError(
            _(
                "The platform's configuration names an issuer on another site than the "
                "configuration itself: it is not registered."
            )
        )
    endpoints = {
        name: _address(data.get(name))
        for name in ("authorization_endpoint", "registration_endpoint", "jwks_uri")
    }
    missing = [name for name, value in endpoints.items() if not value]
    if missing:
        raise RegistrationError(
            _("The platform's configuration does not give its %(missing)s.")
            % {"missing": ", ".join(missing)}
        )
    algorithms = data.get("id_token_signing_alg_values_supported")
    if isinstance(algorithms, list) and "RS256" not in algorithms:
        raise RegistrationError(_("The platform does not sign launches with RS256."))
    lti = data.get(PLATFORM_CONFIGURATION)
    lti = lti if isinstance(lti, dict) else {}
    offered = lti.get("messages_supported")
    types = (
        {m.get("type") for m in offered if isinstance(m, dict)}
        if isinstance(offered, list)
        else None
    )
    return PlatformConfiguration(
        configuration_url=configuration_url,
        issuer=issuer,
        authorization_endpoint=endpoints["authorization_endpoint"],
        token_endpoint=_address(data.get("token_endpoint")),
        jwks_uri=endpoints["jwks_uri"],
        registration_endpoint=endpoints["registration_endpoint"],
        product=str(lti.get("product_family_code") or "")[:100],
        version=str(lti.get("version") or "")[:50],
        deep_linking=types is None or DEEP_LINKING in types,
    )


# --- 4. the tool's registration -------------------------------------------------------------


def tool_configuration(*, deep_linking: bool) -> dict[str, Any]:
    """Satchel's client registration (Dynamic Registration 3.6.1, 3.6.2)."""
    origin = settings.SATCHEL_PUBLIC_ORIGIN
    record = f"{origin}/"
    messages: list[dict[str, Any]] = [
        {"type": RESOURCE_LINK, "target_link_uri": record, "label": "My credentials"}
    ]
    if deep_linking:
        messages.append(
            {"type": DEEP_LINKING, "target_link_uri": record, "label": "Add Satchel to a course"}
        )
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": origin + reverse("lti:login"),
        "redirect_uris": [origin + reverse("lti:launch")],
        "client_name": "Satchel",
        "jwks_uri": origin + reverse("lti:jwks"),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": "",
        TOOL_CONFIGURATION: {
            "domain": urlsplit(origin).netloc,
            "description": "The learner's own credential wallet.",
            "target_link_uri": record,
            "claims": CLAIMS,
            "messages": messages,
        },
    }


def register_tool(*, configuration: PlatformConfiguration, registration_token: str) -> LtiPlatform:
    """Post Satchel's registration to the platform and keep the platform (3.6)."""
    url = configuration.registration_endpoint
    payload = tool_configuration(deep_linking=configuration.deep_linking)
    answer = _ask(
        lambda: _client().post_json(url, payload, headers=_bearer(registration_token)), url
    )
    data = answer.data if isinstance(answer.data, dict) else {}
    client_id = data.get("client_id")
    if answer.status not in (200, 201) or not isinstance(client_id, str) or not client_id:
        reason = answer.error or f"HTTP {answer.status}"
        raise RegistrationError(
            _("The platform did not register Satchel (%(reason)s).") % {"reason": reason}
        )
    echoed = data.get(TOOL_CONFIGURATION)
    deployment = echoed.get("deployment_id") if isinstance(echoed, dict) else None
    try:
        with transaction.atomic():
            return LtiPlatform.objects.create(
                name=configuration.name[:200],
                issuer=configuration.issuer,
                client_id=client_id[:200],
                auth_login_url=configuration.authorization_endpoint,
                auth_token_url=configuration.token_endpoint,
                jwks_url=configuration.jwks_uri,
                deployment_ids=[deployment] if isinstance(deployment, str) and deployment else [],
            )
    except IntegrityError as exc:
        raise RegistrationError(
            _("This platform already registered Satchel under the same client id.")
        ) from exc
