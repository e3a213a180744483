"""The account API: deletion over REST, confirmed by the password, after offering the export."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from intake.services.arrival import credential_import
from sharing.models import ShareLink
from sharing.services import share_create
from tests.accounts.conftest import PASSWORD
from tests.accounts.test_account_delete import give_everything, rows_referencing
from tests.support.issuer import NOW, TestIssuer
from wallet.models import Credential

pytestmark = pytest.mark.django_db

URL = "/api/account/"
DELETE_URL = "/api/account/delete/"


@pytest.fixture
def api(owner) -> APIClient:
    client = APIClient()
    client.force_authenticate(owner)
    return client


def _share_something(user: User) -> ShareLink:
    issuer = TestIssuer()
    data = json.dumps(issuer.ob3()).encode()
    outcome = credential_import(
        owner=user, data=data, source="upload", now=NOW, options=issuer.options(now=NOW)
    )
    share, _ = share_create(
        owner=user, audience="Acme", credential_ids=[outcome.credential.pk], now=NOW
    )
    return share


def test_it_deletes_the_account_with_its_shares_after_the_password(api, owner, stranger):
    code = give_everything(owner)  # two-factor sign-in on: the code is asked for too
    share = _share_something(owner)
    theirs = _share_something(stranger)
    owner_id = owner.pk

    response = api.post(DELETE_URL, {"password": PASSWORD, "code": code}, format="json")

    assert response.status_code == 204
    assert not User.objects.filter(pk=owner_id).exists()
    assert not ShareLink.objects.filter(pk=share.pk).exists()
    assert not Credential.objects.filter(owner_id=owner_id).exists()
    assert rows_referencing(owner_id) == []
    assert ShareLink.objects.filter(pk=theirs.pk).exists()


def test_a_wrong_password_is_refused_clearly_and_deletes_nothing(api, owner):
    response = api.post(DELETE_URL, {"password": "not it"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"password": ["That password is not correct."]}
    assert User.objects.filter(pk=owner.pk).exists()


def test_a_missing_password_is_refused(api, owner):
    response = api.post(DELETE_URL, {}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()
    assert User.objects.filter(pk=owner.pk).exists()


def test_an_account_without_a_password_is_told_to_set_one_first(api, owner):
    owner.set_unusable_password()
    owner.save()

    response = api.post(DELETE_URL, {"password": ""}, format="json")

    assert response.status_code == 400
    assert "set one on the account page first" in response.json()["password"][0]
    assert User.objects.filter(pk=owner.pk).exists()


def test_the_anonymous_are_refused_and_nothing_is_deleted(owner):
    client = APIClient()

    assert client.post(DELETE_URL, {"password": PASSWORD}, format="json").status_code in (401, 403)
    assert client.get(URL).status_code in (401, 403)
    assert User.objects.filter(pk=owner.pk).exists()


def test_a_stranger_deletes_only_their_own_account(owner, stranger):
    client = APIClient()
    client.force_authenticate(stranger)

    response = client.post(DELETE_URL, {"password": PASSWORD}, format="json")

    assert response.status_code == 204
    assert User.objects.filter(pk=owner.pk).exists()
    assert not User.objects.filter(pk=stranger.pk).exists()


def test_a_token_stops_working_once_its_account_is_deleted(owner):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.create(user=owner).key)

    assert client.post(DELETE_URL, {"password": PASSWORD}, format="json").status_code == 204
    assert client.get(URL).status_code in (401, 403)


def test_the_account_offers_the_export_before_deleting(api, owner):
    body = api.get(URL).json()

    assert body["export_url"] == "/api/exports/"
    assert body["has_password"] is True
    assert body["email"] == owner.email
    assert "/api/exports/" in body["notice"]


def test_the_openapi_schema_describes_account_deletion_and_the_export_first(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", f"--file={target}")

    schema = target.read_text()
    deletion = schema[schema.index("  /api/account/delete/:") :]
    deletion = deletion[: deletion.index("\n  /api/", 1)]
    assert "AccountDeleteInput" in deletion
    assert "'204':" in deletion and "'400':" in deletion
    assert "POST /api/exports/" in deletion


def test_a_signed_in_session_ends_with_the_account(owner_client, owner):
    response = owner_client.post(
        DELETE_URL, {"password": PASSWORD}, content_type="application/json"
    )

    assert response.status_code == 204
    assert owner_client.get(URL).status_code in (401, 403)
    assert owner_client.get("/account/").status_code == 302
