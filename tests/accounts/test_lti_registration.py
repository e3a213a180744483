"""LTI Dynamic Registration against a stub platform on loopback: the platform opens Satchel's
initiation URL, Satchel reads the platform's OpenID configuration through the outbound door
and checks it, the operator confirms, Satchel registers itself with its tool configuration
(bearer registration token) and keeps the platform, then tells the platform's window to close.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from accounts import lti
from accounts.lti_registration import TOOL_CONFIGURATION
from accounts.models import LtiPlatform, User
from config.env import normalise_origin
from tests.accounts.conftest import make_user
from tests.support.stub_server import QuietHandler, serving

pytestmark = pytest.mark.django_db

ORIGIN = "https://satchel.example"
TOKEN = "one-time-registration-token"
CONFIG_PATH = "/.well-known/openid-configuration"


@dataclass
class StubPlatform:
    """An LMS's side of Dynamic Registration: its OpenID configuration (only for the right
    bearer token) and a registration endpoint that records what Satchel sent."""

    origin: str = ""
    issuer: str = ""  # defaults to the origin
    messages_supported: list[str] = field(
        default_factory=lambda: ["LtiResourceLinkRequest", "LtiDeepLinkingRequest"]
    )
    registration_status: int = 200
    deployment_id: str | None = "deployment-1"
    configuration_asked: list[str] = field(default_factory=list)  # Authorization headers
    registrations: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def configuration_url(self) -> str:
        return self.origin + CONFIG_PATH

    def configuration(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer or self.origin,
            "authorization_endpoint": f"{self.origin}/auth",
            "token_endpoint": f"{self.origin}/token",
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "jwks_uri": f"{self.origin}/jwks",
            "registration_endpoint": f"{self.origin}/register",
            "scopes_supported": ["openid"],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public", "pairwise"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "claims_supported": ["sub", "iss", "name", "email"],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "ExampleLMS",
                "version": "2.4",
                "messages_supported": [{"type": t} for t in self.messages_supported],
            },
        }


def _handler(stub: StubPlatform) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path != CONFIG_PATH:
                self._answer(404, {})
                return
            authorization = self.headers.get("Authorization", "")
            stub.configuration_asked.append(authorization)
            if authorization != f"Bearer {TOKEN}":
                self._answer(401, {"error": "invalid_token"})
                return
            self._answer(200, stub.configuration())

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            stub.registrations.append((self.headers.get("Authorization", ""), body))
            if self.path != "/register" or stub.registration_status != 200:
                self._answer(stub.registration_status, {"error": "invalid_client_metadata"})
                return
            answer = {**body, "client_id": "satchel-client-9"}
            if stub.deployment_id:
                answer[TOOL_CONFIGURATION] = {
                    **body[TOOL_CONFIGURATION],
                    "deployment_id": stub.deployment_id,
                }
            self._answer(200, answer)

    return Handler


@pytest.fixture
def platform(settings) -> Iterator[StubPlatform]:
    settings.SATCHEL_PUBLIC_ORIGIN = ORIGIN
    stub = StubPlatform()
    with serving(_handler(stub)) as origin:
        stub.origin = origin
        settings.SATCHEL_OUTBOUND_ALLOW = (normalise_origin(origin),)
        yield stub


@pytest.fixture
def operator(client: Client) -> Client:
    staff = User.objects.create_user(email="operator@satchel.example", password="x" * 16)
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    return client


def _initiate(client: Client, platform: StubPlatform, **changes: str):
    params = {"openid_configuration": platform.configuration_url, "registration_token": TOKEN}
    params.update(changes)
    return client.get("/lti/register/", params)


def test_the_operator_confirms_and_satchel_registers_itself(operator, platform) -> None:
    page = _initiate(operator, platform)

    assert page.status_code == 200
    html = page.content.decode()
    assert platform.origin in html and "ExampleLMS" in html
    # Nothing is sent to the platform before the operator confirms.
    assert platform.configuration_asked == [f"Bearer {TOKEN}"]
    assert platform.registrations == []

    done = operator.post("/lti/register/", {"decision": "register"})

    assert done.status_code == 200
    ((authorization, sent),) = platform.registrations
    assert authorization == f"Bearer {TOKEN}"
    assert sent["initiate_login_uri"] == f"{ORIGIN}/lti/login/"
    assert sent["redirect_uris"] == [f"{ORIGIN}/lti/launch/"]
    assert sent["jwks_uri"] == f"{ORIGIN}/lti/jwks/"
    assert sent["response_types"] == ["id_token"]
    assert sent["token_endpoint_auth_method"] == "private_key_jwt"
    tool = sent[TOOL_CONFIGURATION]
    assert tool["domain"] == "satchel.example"
    assert tool["target_link_uri"] == f"{ORIGIN}/"
    assert set(tool["claims"]) >= {"iss", "sub"}
    assert [m["type"] for m in tool["messages"]] == [
        "LtiResourceLinkRequest",
        "LtiDeepLinkingRequest",
    ]
    kept = LtiPlatform.objects.get()
    assert kept.issuer == platform.origin
    assert kept.client_id == "satchel-client-9"
    assert kept.auth_login_url == f"{platform.origin}/auth"
    assert kept.auth_token_url == f"{platform.origin}/token"
    assert kept.jwks_url == f"{platform.origin}/jwks"
    assert kept.deployment_ids == ["deployment-1"]
    # The last page tells the platform's window to close.
    assert "js/lti-close.js" in done.content.decode()


def test_the_close_script_posts_the_close_message_to_the_platform() -> None:
    script = (Path(django_settings.BASE_DIR) / "static" / "js" / "lti-close.js").read_text()

    assert 'postMessage({ subject: "org.imsglobal.lti.close" }, "*")' in script
    assert "window.opener" in script and "window.parent" in script


def test_a_registered_platform_can_start_a_launch(operator, platform) -> None:
    _initiate(operator, platform)
    operator.post("/lti/register/", {"decision": "register"})

    answer = lti.login_initiation(
        params={
            "iss": platform.origin,
            "login_hint": "hint",
            "target_link_uri": f"{ORIGIN}/",
            "client_id": "satchel-client-9",
            "lti_deployment_id": "deployment-1",
        },
        redirect_uri=f"{ORIGIN}/lti/launch/",
        now=timezone.now(),
    )

    assert answer.url.startswith(f"{platform.origin}/auth?")
    assert parse_qs(urlsplit(answer.url).query)["client_id"] == ["satchel-client-9"]


def test_an_issuer_on_another_site_than_its_configuration_is_refused(operator, platform) -> None:
    platform.issuer = "https://other-lms.example"

    page = _initiate(operator, platform)

    assert page.status_code == 400
    assert "issuer on another site" in page.content.decode()
    assert operator.post("/lti/register/", {"decision": "register"}).status_code == 400
    assert platform.registrations == []
    assert not LtiPlatform.objects.exists()


def test_a_platform_without_deep_linking_gets_the_resource_link_only(operator, platform) -> None:
    platform.messages_supported = ["LtiResourceLinkRequest"]
    _initiate(operator, platform)
    operator.post("/lti/register/", {"decision": "register"})

    ((_, sent),) = platform.registrations
    assert [m["type"] for m in sent[TOOL_CONFIGURATION]["messages"]] == ["LtiResourceLinkRequest"]


def test_cancelling_registers_nothing(operator, platform) -> None:
    _initiate(operator, platform)

    page = operator.post("/lti/register/", {"decision": "cancel"})

    assert "cancelled" in page.content.decode()
    assert platform.registrations == []
    assert not LtiPlatform.objects.exists()


def test_a_platform_that_refuses_the_registration_is_not_kept(operator, platform) -> None:
    platform.registration_status = 400
    _initiate(operator, platform)

    page = operator.post("/lti/register/", {"decision": "register"})

    assert page.status_code == 502
    assert "invalid_client_metadata" in page.content.decode()
    assert not LtiPlatform.objects.exists()


def test_a_missing_deployment_id_is_said(operator, platform) -> None:
    platform.deployment_id = None
    _initiate(operator, platform)

    page = operator.post("/lti/register/", {"decision": "register"})

    assert LtiPlatform.objects.get().deployment_ids == []
    assert "did not say which deployment" in page.content.decode()


def test_only_staff_may_register(client, platform) -> None:
    client.force_login(make_user("learner@example.net"))

    page = _initiate(client, platform)

    assert page.status_code == 403
    assert platform.configuration_asked == []


def test_signed_out_the_operator_is_asked_to_sign_in_first(client, platform) -> None:
    page = _initiate(client, platform)

    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    assert platform.configuration_asked == []


def test_the_configuration_comes_through_the_outbound_door(operator, platform, settings) -> None:
    settings.SATCHEL_OUTBOUND_ALLOW = ()

    page = _initiate(operator, platform)

    assert page.status_code == 400
    assert "does not contact" in page.content.decode()
    assert platform.configuration_asked == []


def test_a_wrong_registration_token_stops_at_the_configuration(operator, platform) -> None:
    page = _initiate(operator, platform, registration_token="forged")

    assert page.status_code == 400
    assert "HTTP 401" in page.content.decode()
    assert platform.registrations == []
