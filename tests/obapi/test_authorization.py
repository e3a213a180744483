"""Obtaining tokens (OB 3.0 section 7.1.2): the learner consents on Satchel's page, PKCE S256
is required, the code is used once, refresh and revocation work (7.2, 7.3), and a tool gets
no more than it registered for."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.test import Client

from obapi.apis import OB, OFFLINE_ACCESS
from obapi.models import ToolAccess
from wallet.models import AuditEvent

from .conftest import (
    authorization_query,
    bearer,
    code_of,
    consent,
    exchange,
    metadata,
    pkce,
)

READ = f"{OB.credential_readonly} {OFFLINE_ACCESS}"


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_the_consent_page_names_the_tool_and_what_it_asks(owner, tool) -> None:
    _, challenge = pkce()
    page = signed_in(owner).get("/oauth/authorize/", authorization_query(tool, READ, challenge))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Example Badge Platform" in html
    assert "https://tool.example/" in html
    assert "Read your badges" in html
    assert OB.credential_readonly in html


def test_it_asks_a_stranger_to_sign_in_first(db, tool) -> None:
    _, challenge = pkce()
    page = Client().get("/oauth/authorize/", authorization_query(tool, READ, challenge))

    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/login/")


def test_allowing_gives_a_code_that_gives_tokens_once(owner, tool) -> None:
    verifier, challenge = pkce()
    location = consent(signed_in(owner), authorization_query(tool, READ, challenge))
    assert location.startswith("https://tool.example/callback?")
    answer = parse_qs(urlsplit(location).query)
    assert answer["state"] == ["26357667-94df-4a14-bcb1-f55449ddd98d"]
    assert answer["iss"]  # RFC 9207: the answer names the authorization server

    first = exchange(tool, code_of(location), verifier)
    again = exchange(tool, code_of(location), verifier)

    assert first.status_code == 200
    tokens = first.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["access_token"] and tokens["refresh_token"]
    assert set(tokens["scope"].split()) == set(READ.split())
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_allowing_is_in_the_access_log_and_the_audit_trail(owner, tool) -> None:
    _, challenge = pkce()
    consent(signed_in(owner), authorization_query(tool, READ, challenge))

    entry = ToolAccess.objects.get(owner=owner)
    assert entry.action == ToolAccess.Action.CONNECTED
    assert entry.detail["scopes"] == READ.split()
    assert AuditEvent.objects.filter(user=owner, action="tool.connected").exists()


def test_denying_sends_the_tool_access_denied_and_grants_nothing(owner, tool) -> None:
    _, challenge = pkce()
    location = consent(signed_in(owner), authorization_query(tool, READ, challenge), allow=False)

    assert parse_qs(urlsplit(location).query)["error"] == ["access_denied"]
    assert not ToolAccess.objects.exists()


def test_it_requires_pkce(owner, tool) -> None:
    query = authorization_query(tool, READ, "", code_challenge_method="")
    page = signed_in(owner).get("/oauth/authorize/", query)

    assert page.status_code == 302
    assert "error=invalid_request" in page["Location"]


def test_it_refuses_the_plain_pkce_method(owner, tool) -> None:
    verifier = "a" * 50
    query = authorization_query(tool, READ, verifier, code_challenge_method="plain")
    browser = signed_in(owner)
    page = browser.get("/oauth/authorize/", query)
    form = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    answer = browser.post("/oauth/authorize/", {**form, "allow": "Authorize"})

    assert "code=" not in answer.get("Location", "")


def test_a_wrong_code_verifier_gets_no_token(owner, tool) -> None:
    _, challenge = pkce()
    location = consent(signed_in(owner), authorization_query(tool, READ, challenge))
    answer = exchange(tool, code_of(location), "the-wrong-verifier-" + "x" * 40)

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_a_tool_cannot_ask_for_more_than_it_registered(owner) -> None:
    registered = (
        Client()
        .post(
            "/oauth/register/",
            metadata(scope=OB.credential_readonly),
            content_type="application/json",
        )
        .json()
    )
    _, challenge = pkce()
    query = {
        "response_type": "code",
        "client_id": registered["client_id"],
        "redirect_uri": "https://tool.example/callback",
        "scope": OB.credential_upsert,
        "state": "s",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page = signed_in(owner).get("/oauth/authorize/", query)

    assert page.status_code == 302
    assert "error=invalid_scope" in page["Location"]


def test_a_refresh_token_gives_a_new_access_token_and_the_old_one_ends(owner, tool, connect):
    tokens = connect(owner, READ)
    refreshed = Client().post(
        "/oauth/token/",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=tool.basic,
    )

    assert refreshed.status_code == 200
    fresh = refreshed.json()["access_token"]
    client = Client()
    assert client.get("/ims/ob/v3p0/credentials", **bearer(fresh)).status_code == 200
    assert (
        client.get("/ims/ob/v3p0/credentials", **bearer(tokens["access_token"])).status_code == 401
    )


def test_a_revoked_token_no_longer_opens_anything(owner, tool, connect) -> None:
    tokens = connect(owner, READ)
    revoked = Client().post(
        "/oauth/revoke_token/",
        {"token": tokens["access_token"], "token_type_hint": "access_token"},
        HTTP_AUTHORIZATION=tool.basic,
    )

    assert revoked.status_code == 200
    answer = Client().get("/ims/ob/v3p0/credentials", **bearer(tokens["access_token"]))
    assert answer.status_code == 401


def test_tokens_are_kept_hashed(owner, tool, connect) -> None:
    from oauth2_provider.models import AccessToken

    tokens = connect(owner, READ)

    stored = AccessToken.objects.get(user=owner)
    assert tokens["access_token"] not in (stored.token or "")
