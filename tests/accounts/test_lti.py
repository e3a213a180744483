"""LTI 1.3 launches from a test platform whose key set is served on loopback: the OIDC login,
the id_token checks, consent to link on the first launch, and deep linking."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from accounts import lti
from accounts.models import LtiAccount, LtiLogin, LtiPlatform, LtiToolKey
from config.env import normalise_origin
from tests.accounts.conftest import make_user
from tests.support.stub_server import StubServer, running_stub

pytestmark = pytest.mark.django_db

ISSUER = "https://lms.example.edu"
CLIENT_ID = "satchel-tool-1"
DEPLOYMENT = "deployment-7"
ORIGIN = "https://satchel.example"
RETURN_URL = "https://lms.example.edu/deep_links/return"


class StubPlatform:
    def __init__(self, stub: StubServer) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "lms-key-1"})
        self.stub = stub
        public = self.key.as_dict(private=False)
        stub.json("/.well-known/jwks.json", {"keys": [{**public, "alg": "RS256", "use": "sig"}]})
        self.registration = LtiPlatform.objects.create(
            name="Example LMS",
            issuer=ISSUER,
            client_id=CLIENT_ID,
            auth_login_url="https://lms.example.edu/api/lti/authorize_redirect",
            jwks_url=stub.origin + "/.well-known/jwks.json",
            deployment_ids=[DEPLOYMENT],
        )

    def id_token(self, nonce: str, *, key: RSAKey | None = None, **changes: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": "lms-user-42",
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": "Robin Learner",
            "email": "robin@school.example",
            lti.LTI + "version": "1.3.0",
            lti.LTI + "message_type": "LtiResourceLinkRequest",
            lti.LTI + "deployment_id": DEPLOYMENT,
            lti.LTI + "target_link_uri": f"{ORIGIN}/",
            lti.LTI + "resource_link": {"id": "course-101-credentials"},
            lti.LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        }
        claims.update(changes)
        claims = {k: v for k, v in claims.items() if v is not None}
        signer = key or self.key
        return jwt.encode({"alg": "RS256", "kid": signer.kid}, claims, signer)


@pytest.fixture
def platform(settings) -> Iterator[StubPlatform]:
    settings.SATCHEL_PUBLIC_ORIGIN = ORIGIN
    with running_stub() as stub:
        settings.SATCHEL_OUTBOUND_ALLOW = (normalise_origin(stub.origin),)
        yield StubPlatform(stub)


@pytest.fixture
def learner():
    return make_user("learner@example.net")


def _start(client: Client, **changes: str) -> dict[str, str]:
    params = {
        "iss": ISSUER,
        "login_hint": "opaque-hint",
        "target_link_uri": f"{ORIGIN}/",
        "client_id": CLIENT_ID,
        "lti_message_hint": "message-hint",
    }
    params.update(changes)
    response = client.get("/lti/login/", {k: v for k, v in params.items() if v})
    assert response.status_code == 302, response.content
    location = response["Location"]
    assert location.startswith("https://lms.example.edu/api/lti/authorize_redirect?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _launch(client: Client, token: str, state: str):
    return client.post("/lti/launch/", {"id_token": token, "state": state})


def test_the_login_asks_the_platform_for_an_id_token_by_form_post(client, platform):
    asked = _start(client)

    assert asked["scope"] == "openid"
    assert asked["response_type"] == "id_token"
    assert asked["response_mode"] == "form_post"
    assert asked["prompt"] == "none"
    assert asked["client_id"] == CLIENT_ID
    assert asked["redirect_uri"] == f"{ORIGIN}/lti/launch/"
    assert asked["login_hint"] == "opaque-hint"
    assert asked["lti_message_hint"] == "message-hint"
    assert asked["state"] and asked["nonce"] and asked["state"] != asked["nonce"]


def test_a_login_from_an_unregistered_platform_is_refused(client, platform):
    response = client.get(
        "/lti/login/",
        {"iss": "https://other-lms.example", "login_hint": "x", "target_link_uri": f"{ORIGIN}/"},
    )
    assert response.status_code == 400
    assert "not registered" in response.content.decode()
    assert not LtiLogin.objects.exists()


def test_a_linked_learner_lands_signed_in_on_their_record(client, platform, learner):
    LtiAccount.objects.create(
        platform=platform.registration, sub="lms-user-42", user=learner, created_at=_now()
    )
    asked = _start(client)

    response = _launch(client, platform.id_token(asked["nonce"]), asked["state"])

    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").context["user"] == learner


def test_the_first_launch_links_only_with_the_learners_consent(client, platform, learner):
    asked = _start(client, target_link_uri=f"{ORIGIN}/import/")
    token = platform.id_token(asked["nonce"], **{lti.LTI + "target_link_uri": f"{ORIGIN}/import/"})

    response = _launch(client, token, asked["state"])
    assert response["Location"] == "/lti/link/"
    assert not LtiAccount.objects.exists()
    # Not signed in yet: Satchel asks who they are first.
    assert client.get("/lti/link/").status_code == 302

    client.force_login(learner)
    page = client.get("/lti/link/").content.decode()
    assert "Example LMS" in page and "Robin Learner" in page and learner.email in page
    linked = client.post("/lti/link/", {"decision": "link"})

    assert linked.status_code == 302 and linked["Location"] == "/import/"
    account = LtiAccount.objects.get()
    assert (account.user, account.sub, account.platform) == (
        learner,
        "lms-user-42",
        platform.registration,
    )


def test_declining_links_nothing(client, platform, learner):
    asked = _start(client)
    _launch(client, platform.id_token(asked["nonce"]), asked["state"])
    client.force_login(learner)

    client.post("/lti/link/", {"decision": "cancel"})

    assert not LtiAccount.objects.exists()


def test_a_course_account_linked_to_someone_else_stays_theirs(client, platform, learner):
    other = make_user("someone@example.net")
    LtiAccount.objects.create(
        platform=platform.registration, sub="lms-user-42", user=other, created_at=_now()
    )
    with pytest.raises(lti.LtiError, match="already linked"):
        lti.lti_account_link(
            user=learner,
            platform_id=platform.registration.pk,
            sub="lms-user-42",
            name="",
            now=_now(),
        )


def test_a_replayed_launch_is_refused(client, platform, learner):
    LtiAccount.objects.create(
        platform=platform.registration, sub="lms-user-42", user=learner, created_at=_now()
    )
    asked = _start(client)
    token = platform.id_token(asked["nonce"])
    assert _launch(client, token, asked["state"]).status_code == 302

    again = _launch(Client(), token, asked["state"])
    same_browser = _launch(client, token, asked["state"])

    assert again.status_code == 400 and same_browser.status_code == 400
    assert "does not match a sign-in started here" in same_browser.content.decode()


def test_a_replayed_id_token_under_a_new_state_is_refused_by_its_nonce(client, platform):
    first = _start(client)
    token = platform.id_token(first["nonce"])
    second = _start(client)

    response = _launch(client, token, second["state"])

    assert response.status_code == 400
    assert "nonce" in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"aud": "another-tool"}, "another tool (aud)"),
        ({"aud": [CLIENT_ID, "another-tool"], "azp": "another-tool"}, "another tool (azp)"),
        ({"iss": "https://other-lms.example"}, "another issuer"),
        ({"exp": int(time.time()) - 10}, "expired"),
        ({"iat": int(time.time()) + 3600}, "future"),
        ({lti.LTI + "deployment_id": "deployment-unknown"}, "deployment"),
        ({lti.LTI + "version": "1.1"}, "LTI 1.3"),
        ({lti.LTI + "message_type": "LtiSubmissionReviewRequest"}, "resource link"),
        ({lti.LTI + "target_link_uri": "https://evil.example/"}, "outside Satchel"),
        ({"sub": None}, "anonymous"),
        (
            {
                lti.LTI + "message_type": "LtiDeepLinkingRequest",
                lti.DL + "deep_linking_settings": {"deep_link_return_url": "javascript:alert(1)"},
            },
            "https return address",
        ),
    ],
)
def test_a_launch_that_fails_a_check_is_refused_and_signs_nobody_in(
    client, platform, learner, changes, reason
):
    LtiAccount.objects.create(
        platform=platform.registration, sub="lms-user-42", user=learner, created_at=_now()
    )
    asked = _start(client)

    response = _launch(client, platform.id_token(asked["nonce"], **changes), asked["state"])

    assert response.status_code == 400
    assert reason in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_launch_signed_by_another_key_is_refused(client, platform):
    asked = _start(client)
    intruder = RSAKey.generate_key(2048, parameters={"kid": "lms-key-1"})

    response = _launch(client, platform.id_token(asked["nonce"], key=intruder), asked["state"])

    assert response.status_code == 400
    assert "not signed by the platform" in response.content.decode()


def test_a_launch_from_another_browser_is_refused(client, platform):
    asked = _start(client)

    response = _launch(Client(), platform.id_token(asked["nonce"]), asked["state"])

    assert response.status_code == 400


def test_the_platforms_keys_come_through_the_outbound_door(client, platform, settings):
    settings.SATCHEL_OUTBOUND_ALLOW = ()
    asked = _start(client)

    response = _launch(client, platform.id_token(asked["nonce"]), asked["state"])

    assert response.status_code == 400
    assert "keys could not be fetched" in response.content.decode()
    assert platform.stub.hits == []


def test_the_platforms_keys_are_fetched_once_and_kept(client, platform, learner):
    LtiAccount.objects.create(
        platform=platform.registration, sub="lms-user-42", user=learner, created_at=_now()
    )
    for _ in range(2):
        asked = _start(client)
        assert _launch(client, platform.id_token(asked["nonce"]), asked["state"]).status_code == 302
    assert platform.stub.count("/.well-known/jwks.json") == 1


def test_deep_linking_offers_the_record_and_the_import_page_signed_by_the_tool(client, platform):
    asked = _start(client)
    token = platform.id_token(
        asked["nonce"],
        sub=None,
        **{
            lti.LTI + "message_type": "LtiDeepLinkingRequest",
            lti.LTI + "resource_link": None,
            lti.DL + "deep_linking_settings": {
                "deep_link_return_url": RETURN_URL,
                "accept_types": ["ltiResourceLink"],
                "data": "opaque-platform-data",
            },
        },
    )

    response = _launch(client, token, asked["state"])

    assert response.status_code == 200
    assert "form-action 'self' https://lms.example.edu" in response["Content-Security-Policy"]
    page = response.content.decode()
    assert f'action="{RETURN_URL}"' in page
    tool_keys = KeySet.import_key_set(client.get("/lti/jwks/").json())
    answers = [jwt.decode(t, tool_keys, algorithms=["RS256"]).claims for t in _jwts(page)]
    assert [a[lti.DL + "content_items"][0]["url"] for a in answers] == [
        f"{ORIGIN}/",
        f"{ORIGIN}/import/",
    ]
    first = answers[0]
    assert first["iss"] == CLIENT_ID and first["aud"] == ISSUER
    assert first[lti.LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert first[lti.LTI + "deployment_id"] == DEPLOYMENT
    assert first[lti.DL + "data"] == "opaque-platform-data"
    assert "PRIVATE" not in LtiToolKey.objects.get().private_key_encrypted


def _jwts(page: str) -> list[str]:
    marker = 'name="JWT" value="'
    return [part.split('"', 1)[0] for part in page.split(marker)[1:]]


def _now():
    from django.utils import timezone

    return timezone.now()


def test_staff_register_a_platform_in_the_admin(client):
    from accounts.models import User

    admin = User.objects.create_superuser(email="root@example.org", password="x" * 12)
    client.force_login(admin)

    response = client.get("/admin/accounts/ltiplatform/add/")

    assert response.status_code == 200
    assert b"deployment_ids" in response.content


def test_logins_never_finished_are_forgotten(client, platform):
    _start(client)
    LtiLogin.objects.update(created_at=_now() - 11 * lti.LOGIN_LIFETIME)

    _start(client)

    assert LtiLogin.objects.count() == 1


def test_a_linked_learner_with_a_second_factor_is_asked_to_sign_in(client, platform, learner):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=learner, type=Authenticator.Type.TOTP, data={})
    LtiAccount.objects.create(
        platform=platform.registration, sub="lms-user-42", user=learner, created_at=_now()
    )
    asked = _start(client, target_link_uri=f"{ORIGIN}/import/")
    token = platform.id_token(asked["nonce"], **{lti.LTI + "target_link_uri": f"{ORIGIN}/import/"})

    response = _launch(client, token, asked["state"])

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fimport%2F"
    assert "_auth_user_id" not in client.session
