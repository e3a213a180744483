"""getCredentials and upsertCredential (OB 3.0 sections 6.2.2, 6.2.3; CLR 2.0 likewise), as a
connected tool calls them: the owner's credentials only, paged with X-Total-Count and Link;
what a tool sends verified on arrival, a forgery refused with nothing stored; every error an
Imsx_StatusInfo."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken

from intake.services.arrival import credential_import
from obapi.apis import CLR, OB
from obapi.models import ToolAccess
from tests.support.issuer import NOW
from wallet.models import Credential, Notice

from .conftest import bearer

API = "/ims/ob/v3p0/credentials"


def minor(answer) -> str:
    return answer.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]


@pytest.fixture
def record(owner, issuer):
    """Three OB 3.0 credentials (one a VC-JWT) and a CLR in the owner's record."""
    for data in (
        json.dumps(issuer.ob3()).encode(),
        json.dumps(issuer.ob3()).encode(),
        issuer.ob3_jwt().encode(),
        json.dumps(issuer.clr()).encode(),
    ):
        outcome = credential_import(owner=owner, data=data, source="upload", now=NOW)
        assert outcome.credential is not None, outcome.message
    return owner


def test_it_lists_the_owners_credentials_as_the_response_schema_says(record, connect) -> None:
    tokens = connect(record)
    answer = Client().get(API, **bearer(tokens["access_token"]))

    assert answer.status_code == 200
    body = answer.json()
    assert set(body) <= {"credential", "compactJwsString"}
    assert len(body["credential"]) == 2
    assert all(
        "OpenBadgeCredential" in c["type"] or "AchievementCredential" in c["type"]
        for c in body["credential"]
    )
    assert len(body["compactJwsString"]) == 1
    assert body["compactJwsString"][0].count(".") == 2
    assert answer["X-Total-Count"] == "3"


def test_the_clr_api_lists_learner_records_only(record, connect) -> None:
    tokens = connect(record)
    answer = Client().get("/ims/clr/v2p0/credentials", **bearer(tokens["access_token"]))

    assert answer.status_code == 200
    assert answer["X-Total-Count"] == "1"
    assert "ClrCredential" in answer.json()["credential"][0]["type"]


def test_it_pages_with_link_and_total_count(record, connect) -> None:
    tokens = connect(record)
    client = Client()
    first = client.get(API, {"limit": 2}, **bearer(tokens["access_token"]))
    second = client.get(API, {"limit": 2, "offset": 2}, **bearer(tokens["access_token"]))

    assert first["X-Total-Count"] == second["X-Total-Count"] == "3"
    links = first["Link"]
    assert '<https://satchel.example/ims/ob/v3p0/credentials?limit=2&offset=2>; rel="next"' in links
    assert 'rel="first"' in links and 'rel="last"' in links and 'rel="prev"' not in links
    assert 'rel="next"' not in second["Link"]
    assert (
        '<https://satchel.example/ims/ob/v3p0/credentials?limit=2&offset=0>; rel="prev"'
        in second["Link"]
    )
    seen = [*first.json().get("credential", []), *second.json().get("credential", [])]
    tokens_seen = [
        *first.json().get("compactJwsString", []),
        *second.json().get("compactJwsString", []),
    ]
    assert len(seen) + len(tokens_seen) == 3


@pytest.mark.parametrize(
    "query", [{"limit": "0"}, {"limit": "x"}, {"offset": "-1"}, {"since": "yesterday"}]
)
def test_it_refuses_bad_paging_parameters(record, connect, query) -> None:
    tokens = connect(record)
    answer = Client().get(API, query, **bearer(tokens["access_token"]))

    assert answer.status_code == 400
    assert minor(answer) == "invalid_query_parameter"


def test_another_learners_token_sees_only_their_own_record(record, stranger, connect) -> None:
    tokens = connect(stranger)
    answer = Client().get(API, **bearer(tokens["access_token"]))

    assert answer.status_code == 200
    assert answer.json() == {}
    assert answer["X-Total-Count"] == "0"


def test_it_needs_a_token(db) -> None:
    answer = Client().get(API)

    assert answer.status_code == 401
    assert minor(answer) == "unauthorizedrequest"
    assert answer["WWW-Authenticate"].startswith("Bearer")


def test_a_token_in_the_query_string_is_not_accepted(record, connect) -> None:
    tokens = connect(record)
    answer = Client().get(API, {"access_token": tokens["access_token"]})

    assert answer.status_code == 401


def test_a_token_without_the_scope_is_forbidden(record, connect) -> None:
    tokens = connect(record, OB.profile_readonly)
    answer = Client().get(API, **bearer(tokens["access_token"]))

    assert answer.status_code == 403
    assert minor(answer) == "forbidden"
    assert 'error="insufficient_scope"' in answer["WWW-Authenticate"]


def test_an_ob_token_does_not_open_the_clr_api(record, connect) -> None:
    tokens = connect(record, OB.credential_readonly)
    answer = Client().get("/ims/clr/v2p0/credentials", **bearer(tokens["access_token"]))

    assert answer.status_code == 403


def test_an_expired_token_is_refused(record, connect) -> None:
    tokens = connect(record)
    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    answer = Client().get(API, **bearer(tokens["access_token"]))

    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer["WWW-Authenticate"]


def test_reading_is_in_the_access_log(record, connect) -> None:
    tokens = connect(record)
    Client().get(API, **bearer(tokens["access_token"]))

    entry = ToolAccess.objects.filter(action=ToolAccess.Action.READ_CREDENTIALS).get()
    assert entry.owner == record
    assert entry.detail["count"] == 3


# --- upsertCredential ---------------------------------------------------------------------


def test_a_pushed_credential_is_verified_stored_and_announced(owner, issuer, connect) -> None:
    tokens = connect(owner)
    credential = issuer.ob3()
    answer = Client().post(
        API,
        json.dumps(credential),
        content_type="application/json",
        **bearer(tokens["access_token"]),
    )

    assert answer.status_code == 201
    assert answer.json() == credential
    stored = Credential.objects.get(owner=owner)
    assert stored.source == "tool"
    assert stored.verdict == "verified"
    assert Notice.objects.get(owner=owner, credential=stored).kind == "arrived"
    assert ToolAccess.objects.filter(action=ToolAccess.Action.ADDED_CREDENTIAL).exists()


def test_pushing_the_same_credential_again_answers_200(owner, issuer, connect) -> None:
    tokens = connect(owner)
    body = json.dumps(issuer.ob3())
    client = Client()
    client.post(API, body, content_type="application/json", **bearer(tokens["access_token"]))
    again = client.post(
        API, body, content_type="application/json", **bearer(tokens["access_token"])
    )

    assert again.status_code == 200
    assert Credential.objects.filter(owner=owner).count() == 1


def test_a_compact_jws_is_taken_as_text_plain_and_echoed(owner, issuer, connect) -> None:
    tokens = connect(owner)
    token = issuer.ob3_jwt()
    answer = Client().post(API, token, content_type="text/plain", **bearer(tokens["access_token"]))

    assert answer.status_code == 201
    assert answer["Content-Type"].startswith("text/plain")
    assert answer.content.decode() == token


@pytest.mark.parametrize("variant", ["tampered", "wrong_key"])
def test_a_credential_that_does_not_verify_is_refused_and_nothing_is_stored(
    owner, issuer, connect, variant
) -> None:
    tokens = connect(owner)
    answer = Client().post(
        API,
        json.dumps(issuer.ob3(variant)),
        content_type="application/json",
        **bearer(tokens["access_token"]),
    )

    assert answer.status_code == 422
    assert minor(answer) == "invalid_data"
    assert "does not verify" in answer.json()["imsx_description"]
    assert not Credential.objects.exists()
    assert ToolAccess.objects.filter(action=ToolAccess.Action.REFUSED_CREDENTIAL).exists()


@pytest.mark.parametrize(
    ("body", "media"),
    [
        ("not json", "application/json"),
        ("[]", "application/json"),
        ('{"type": ["VerifiablePresentation"]}', "application/json"),
        ("https://issuer.example/badge", "text/plain"),
        ('{"hello": "world"}', "application/json"),
    ],
)
def test_what_is_not_one_credential_is_refused(owner, issuer, connect, body, media) -> None:
    tokens = connect(owner)
    answer = Client().post(API, body, content_type=media, **bearer(tokens["access_token"]))

    assert answer.status_code == 400
    assert answer.json()["imsx_codeMajor"] == "failure"
    assert not Credential.objects.exists()


def test_a_clr_is_refused_by_the_open_badges_api_and_taken_by_the_clr_api(
    owner, issuer, connect
) -> None:
    tokens = connect(owner)
    body = json.dumps(issuer.clr())
    client = Client()
    wrong = client.post(
        API, body, content_type="application/json", **bearer(tokens["access_token"])
    )
    right = client.post(
        "/ims/clr/v2p0/credentials",
        body,
        content_type="application/json",
        **bearer(tokens["access_token"]),
    )

    assert wrong.status_code == 400
    assert right.status_code == 201
    assert Credential.objects.filter(owner=owner, format="clr2").count() == 1


def test_an_unknown_media_type_is_refused(owner, connect) -> None:
    tokens = connect(owner)
    answer = Client().post(
        API, b"<xml/>", content_type="application/xml", **bearer(tokens["access_token"])
    )

    assert answer.status_code == 415


def test_pushing_needs_the_upsert_scope(owner, issuer, connect) -> None:
    tokens = connect(owner, OB.credential_readonly)
    answer = Client().post(
        API,
        json.dumps(issuer.ob3()),
        content_type="application/json",
        **bearer(tokens["access_token"]),
    )

    assert answer.status_code == 403
    assert not Credential.objects.exists()


def test_other_methods_are_not_allowed(owner, connect) -> None:
    tokens = connect(owner)
    answer = Client().delete(API, **bearer(tokens["access_token"]))

    assert answer.status_code == 405
    assert minor(answer) == "not_allowed"


def test_the_clr_scopes_are_the_clr_specifications(db) -> None:
    assert (
        CLR.credential_upsert == "https://purl.imsglobal.org/spec/clr/v2p0/scope/credential.upsert"
    )
