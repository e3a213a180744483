"""RFC 7591 registration as OB 3.0 section 7.1.1.2 profiles it: no initial access token, a
client id and secret back (201), and clear RFC 7591 errors for what cannot be registered."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from oauth2_provider.models import Application

from obapi.models import RegisteredTool

from .conftest import ALL_SCOPES, REDIRECT_URI, metadata


def register(body: Any) -> Any:
    return Client().post("/oauth/register/", body, content_type="application/json")


def test_it_registers_a_tool_without_an_initial_access_token(db: None) -> None:
    answer = register(metadata())

    assert answer.status_code == 201
    body = answer.json()
    assert body["client_id"] and body["client_secret"]
    assert body["client_secret_expires_at"] == 0
    assert body["client_id_issued_at"] > 0
    assert body["redirect_uris"] == [REDIRECT_URI]
    assert body["grant_types"] == ["authorization_code", "refresh_token"]
    assert body["response_types"] == ["code"]
    assert body["scope"] == ALL_SCOPES
    assert body["client_name"] == "Example Badge Platform"
    assert body["client_uri"] == "https://tool.example/"


def test_the_secret_is_kept_only_hashed(db: None) -> None:
    body = register(metadata()).json()

    application = Application.objects.get(client_id=body["client_id"])
    assert application.client_secret != body["client_secret"]
    assert RegisteredTool.objects.get(application=application).scope == ALL_SCOPES


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"redirect_uris": []}, "invalid_redirect_uri"),
        ({"redirect_uris": ["http://tool.example/callback"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["https://tool.example/cb#fragment"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["/relative"]}, "invalid_redirect_uri"),
        ({"grant_types": ["client_credentials"]}, "invalid_client_metadata"),
        ({"grant_types": ["authorization_code", "implicit"]}, "invalid_client_metadata"),
        ({"response_types": ["token"]}, "invalid_client_metadata"),
        ({"token_endpoint_auth_method": "none"}, "invalid_client_metadata"),
        ({"scope": "https://example.org/scope/everything"}, "invalid_client_metadata"),
        ({"scope": None}, "invalid_client_metadata"),
        ({"client_name": None}, "invalid_client_metadata"),
        ({"logo_uri": "javascript:alert(1)"}, "invalid_client_metadata"),
        ({"client_name": ["not", "text"]}, "invalid_client_metadata"),
    ],
)
def test_it_refuses_what_cannot_be_registered_and_keeps_nothing(
    db: None, changes: dict[str, Any], error: str
) -> None:
    answer = register(metadata(**changes))

    assert answer.status_code == 400
    assert answer.json()["error"] == error
    assert answer.json()["error_description"]
    assert not Application.objects.exists()


@pytest.mark.parametrize("body", ["not json", "[]", "null"])
def test_it_refuses_a_body_that_is_not_a_json_object(db: None, body: str) -> None:
    answer = Client().post("/oauth/register/", body, content_type="application/json")

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_client_metadata"


def test_plain_http_is_refused_unless_the_deployment_allows_it(db: None) -> None:
    answer = register(metadata(redirect_uris=["http://127.0.0.1:8123/callback"]))

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_redirect_uri"


def test_where_allowed_plain_http_may_go_to_the_loopback_address_only(db: None, settings) -> None:
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],
    }

    assert register(metadata(redirect_uris=["http://127.0.0.1:8123/cb"])).status_code == 201
    assert register(metadata(redirect_uris=["http://tool.example/cb"])).status_code == 400


def test_it_limits_registrations_per_client(db: None, settings) -> None:
    statuses = [register(metadata()).status_code for _ in range(31)]

    assert statuses[:30] == [201] * 30
    assert statuses[30] == 429
