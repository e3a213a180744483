"""The host's cast: the learner (the test issuer's earner), a stranger, a tool registered by
RFC 7591 registration, and `connect`, which walks the authorization code grant with PKCE as a
tool would, through the learner's consent page, and returns the token response."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client

from obapi.apis import CLR, OB, OFFLINE_ACCESS
from tests.support.api_schemas import SchemaCheckedApi
from tests.support.issuer import NOW
from tests.wallet.conftest import issuer, make_credential, owner, stranger

__all__ = ["issuer", "make_credential", "owner", "stranger"]

REDIRECT_URI = "https://tool.example/callback"
ALL_SCOPES = " ".join([*OB.scopes, *CLR.scopes, OFFLINE_ACCESS])


@pytest.fixture(autouse=True)
def _schema_checked(settings) -> Iterator[list[tuple[str, str, int, str]]]:
    """Every answer of the host API in these tests is validated against 1EdTech's JSON
    Schemas (tests/support/api_schemas.py); one that breaks them fails the test."""
    settings.MIDDLEWARE = ["tests.support.api_schemas.SchemaCheckedApi", *settings.MIDDLEWARE]
    SchemaCheckedApi.checked = []
    yield SchemaCheckedApi.checked


@pytest.fixture(autouse=True)
def _frozen(settings) -> Iterator[None]:
    settings.SATCHEL_PUBLIC_ORIGIN = "https://satchel.example"
    with time_machine.travel(NOW, tick=True):
        yield


def metadata(**changes: Any) -> dict[str, Any]:
    """The registration request of OB 3.0 section 7.1.1.2's example, for this tool."""
    body = {
        "client_name": "Example Badge Platform",
        "client_uri": "https://tool.example/",
        "logo_uri": "https://tool.example/logo.png",
        "tos_uri": "https://tool.example/terms",
        "policy_uri": "https://tool.example/privacy",
        "software_id": "c88b6ed8-269e-448e-99be-7e2ff47167d1",
        "software_version": "v4.0.30319",
        "redirect_uris": [REDIRECT_URI],
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": ALL_SCOPES,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


@dataclass
class Tool:
    client_id: str
    client_secret: str

    @property
    def basic(self) -> str:
        pair = f"{self.client_id}:{self.client_secret}".encode()
        return "Basic " + base64.b64encode(pair).decode()


@pytest.fixture
def tool(db: None) -> Tool:
    answer = Client().post("/oauth/register/", metadata(), content_type="application/json")
    assert answer.status_code == 201, answer.content
    return Tool(answer.json()["client_id"], answer.json()["client_secret"])


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorization_query(tool: Tool, scope: str, challenge: str, **changes: str) -> dict[str, str]:
    query = {
        "response_type": "code",
        "client_id": tool.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "26357667-94df-4a14-bcb1-f55449ddd98d",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    query.update(changes)
    return {k: v for k, v in query.items() if v}


def consent(browser: Client, query: dict[str, str], *, allow: bool = True) -> str:
    """The learner opens the consent page and answers; returns where they are sent back."""
    page = browser.get("/oauth/authorize/", query)
    assert page.status_code == 200, page.content
    form = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    if allow:
        form["allow"] = "Authorize"
    answer = browser.post("/oauth/authorize/", form)
    assert answer.status_code == 302, answer.content
    return answer["Location"]


def code_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["code"][0]


def exchange(tool: Tool, code: str, verifier: str, scope: str = "") -> Any:
    fields = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
    }
    if scope:
        fields["scope"] = scope
    return Client().post(
        "/oauth/token/",
        fields,
        HTTP_AUTHORIZATION=tool.basic,
    )


@pytest.fixture
def connect(tool: Tool) -> Callable[..., dict[str, Any]]:
    def run(learner: Any, scope: str = ALL_SCOPES) -> dict[str, Any]:
        browser = Client()
        browser.force_login(learner)
        verifier, challenge = pkce()
        location = consent(browser, authorization_query(tool, scope, challenge))
        answer = exchange(tool, code_of(location), verifier)
        assert answer.status_code == 200, answer.content
        return answer.json()

    return run


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
