"""The record's API: every endpoint answers its owner, 404s a stranger, refuses the anonymous."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from wallet.models import CredentialImage
from wallet.services import organise, trash

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.wallet.urls")]


@pytest.fixture
def client() -> APIClient:
    return APIClient()


@pytest.fixture
def cast(owner, make_credential) -> dict:
    credential = make_credential(owner, title="Mine")
    trashed = make_credential(owner, title="Binned")
    trash.credential_delete(credential=trashed)
    CredentialImage.objects.create(
        credential=credential,
        content=b"\x89PNG\r\n\x1a\n",
        media_type="image/png",
        sha256="0",
        origin="baked",
    )
    tag = organise.tag_create(owner=owner, name="work")
    collection = organise.collection_create(owner=owner, name="CV")
    return {"credential": credential, "trashed": trashed, "tag": tag, "collection": collection}


def _url(name: str, **kwargs) -> str:
    return reverse(f"wallet-api:{name}", kwargs=kwargs)


# (method, url from the cast, body): endpoints that address one of the owner's objects.
OWNED: list[tuple[str, Callable[[dict], str], dict | None]] = [
    ("get", lambda c: _url("credential-detail", credential_id=c["credential"].pk), None),
    ("delete", lambda c: _url("credential-detail", credential_id=c["credential"].pk), None),
    ("post", lambda c: _url("credential-recheck", credential_id=c["credential"].pk), None),
    ("post", lambda c: _url("credential-restore", credential_id=c["trashed"].pk), None),
    ("get", lambda c: _url("credential-image", credential_id=c["credential"].pk), None),
    ("get", lambda c: _url("credential-original", credential_id=c["credential"].pk), None),
    (
        "put",
        lambda c: _url("credential-tag", credential_id=c["credential"].pk, tag_id=c["tag"].pk),
        None,
    ),
    (
        "delete",
        lambda c: _url("credential-tag", credential_id=c["credential"].pk, tag_id=c["tag"].pk),
        None,
    ),
    ("patch", lambda c: _url("tag-detail", tag_id=c["tag"].pk), {"name": "job"}),
    ("delete", lambda c: _url("tag-detail", tag_id=c["tag"].pk), None),
    (
        "patch",
        lambda c: _url("collection-detail", collection_id=c["collection"].pk),
        {"name": "Résumé"},
    ),
    ("delete", lambda c: _url("collection-detail", collection_id=c["collection"].pk), None),
    (
        "put",
        lambda c: _url(
            "collection-credential",
            collection_id=c["collection"].pk,
            credential_id=c["credential"].pk,
        ),
        None,
    ),
    (
        "delete",
        lambda c: _url(
            "collection-credential",
            collection_id=c["collection"].pk,
            credential_id=c["credential"].pk,
        ),
        None,
    ),
]
COLLECTION_ENDPOINTS = [
    ("get", "credential-list"),
    ("post", "credential-import"),
    ("post", "credential-import-zip"),
    ("get", "trash-list"),
    ("post", "trash-empty"),
    ("get", "tag-list"),
    ("post", "tag-list"),
    ("get", "collection-list"),
    ("post", "collection-list"),
    ("get", "skills"),
]


@pytest.mark.parametrize(("method", "url", "body"), OWNED)
def test_the_owner_reaches_each_of_their_things(client, owner, cast, method, url, body, issuer):
    client.force_authenticate(owner)

    response = getattr(client, method)(url(cast), body, format="json")

    assert response.status_code in (200, 204), response.content


@pytest.mark.parametrize(("method", "url", "body"), OWNED)
def test_a_stranger_gets_404_for_each_of_the_owners_things(
    client, stranger, cast, method, url, body
):
    client.force_authenticate(stranger)

    response = getattr(client, method)(url(cast), body, format="json")

    assert response.status_code == 404


@pytest.mark.parametrize(("method", "url", "body"), OWNED)
def test_the_anonymous_are_refused_everywhere_on_things(client, cast, method, url, body):
    response = getattr(client, method)(url(cast), body, format="json")

    assert response.status_code in (401, 403)


@pytest.mark.parametrize(("method", "name"), COLLECTION_ENDPOINTS)
def test_the_anonymous_are_refused_on_lists_and_imports(client, db, method, name):
    response = getattr(client, method)(_url(name), {}, format="json")

    assert response.status_code in (401, 403)


def test_the_list_is_paginated_filtered_and_owner_scoped(client, owner, stranger, make_credential):
    for n in range(3):
        make_credential(owner, title=f"Mine {n}", verdict="verified")
    make_credential(owner, title="Gone bad", verdict="revoked")
    make_credential(stranger, title="Theirs", verdict="revoked")
    client.force_authenticate(owner)

    everything = client.get(_url("credential-list")).json()
    revoked = client.get(_url("credential-list"), {"verdict": "revoked"}).json()

    assert everything["count"] == 4
    assert [row["title"] for row in revoked["results"]] == ["Gone bad"]
    assert revoked["results"][0]["verdict_label"] == "Revoked by the issuer"


def _list_queries(client: APIClient, query: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_url("credential-list"), query).status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", [{}, {"q": "course"}, {"skill": "https://case.example/uri/py-1"}])
def test_the_number_of_list_queries_does_not_grow_with_the_record(
    client, owner, make_credential, query
):
    tag = organise.tag_create(owner=owner, name="work")
    collection = organise.collection_create(owner=owner, name="CV")
    skill = {"name": "Write Python programs", "url": "https://case.example/uri/py-1"}

    def add(count: int) -> None:
        for n in range(count):
            credential = make_credential(
                owner, title=f"Course {n}", has_image=True, alignments=[skill]
            )
            organise.credential_tag(credential=credential, tag=tag)
            organise.collection_add(collection=collection, credential=credential)

    add(2)
    client.force_authenticate(owner)
    few = _list_queries(client, query)
    add(28)
    many = _list_queries(client, query)

    assert client.get(_url("credential-list"), query).json()["count"] == 30
    assert many == few


def test_a_bad_filter_is_a_400(client, owner):
    client.force_authenticate(owner)

    assert client.get(_url("credential-list"), {"sort": "random"}).status_code == 400


def test_token_authentication_works(client, owner, make_credential):
    make_credential(owner)
    token = Token.objects.create(user=owner)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert client.get(_url("credential-list")).json()["count"] == 1


def test_the_detail_shows_the_latest_report_and_history(client, owner, issuer):
    client.force_authenticate(owner)
    created = client.post(_url("credential-import"), {"text": issuer.ob3_jwt()}, format="json")
    credential_id = created.json()["credential_id"]

    detail = client.get(_url("credential-detail", credential_id=credential_id)).json()

    assert detail["verdict"] == "verified"
    assert detail["recipient_match"] == "match"
    assert detail["report"]["format"] == "ob3"
    assert [run["trigger"] for run in detail["runs"]] == ["import"]
    assert detail["container"] == "jwt"


def test_delete_then_restore_through_the_api(client, owner, make_credential):
    credential = make_credential(owner)
    client.force_authenticate(owner)

    client.delete(_url("credential-detail", credential_id=credential.pk))
    trashed = client.get(_url("trash-list")).json()
    restored = client.post(_url("credential-restore", credential_id=credential.pk))

    assert [row["id"] for row in trashed["results"]] == [credential.pk]
    assert restored.status_code == 200
    assert restored.json()["deleted_at"] is None


def test_an_svg_image_is_served_sandboxed(client, owner, make_credential):
    credential = make_credential(owner)
    CredentialImage.objects.create(
        credential=credential,
        content=b'<svg xmlns="http://www.w3.org/2000/svg"/>',
        media_type="image/svg+xml",
        sha256="0",
        origin="baked",
    )
    client.force_authenticate(owner)

    response = client.get(_url("credential-image", credential_id=credential.pk))

    assert response["Content-Type"] == "image/svg+xml"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_the_original_downloads_as_an_attachment(client, owner, make_credential):
    credential = make_credential(owner)
    client.force_authenticate(owner)

    response = client.get(_url("credential-original", credential_id=credential.pk))

    assert response.content == bytes(credential.original)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_tags_are_created_once_per_name_and_assigned(client, owner, make_credential):
    credential = make_credential(owner)
    client.force_authenticate(owner)

    first = client.post(_url("tag-list"), {"name": "Work"}, format="json").json()
    again = client.post(_url("tag-list"), {"name": "work"}, format="json").json()
    client.put(_url("credential-tag", credential_id=credential.pk, tag_id=first["id"]))
    listed = client.get(_url("tag-list")).json()

    assert first["id"] == again["id"]
    assert listed == [{"id": first["id"], "name": "Work", "credential_count": 1}]


def test_a_stranger_cannot_put_their_tag_on_my_credential(client, owner, stranger, make_credential):
    credential = make_credential(owner)
    their_tag = organise.tag_create(owner=stranger, name="mine now")
    client.force_authenticate(stranger)

    response = client.put(_url("credential-tag", credential_id=credential.pk, tag_id=their_tag.pk))

    assert response.status_code == 404
    assert not credential.tags.exists()


def test_duplicate_collection_names_are_a_400(client, owner):
    client.force_authenticate(owner)
    client.post(_url("collection-list"), {"name": "CV"}, format="json")

    response = client.post(_url("collection-list"), {"name": "cv"}, format="json")

    assert response.status_code == 400


def test_the_skills_endpoint_summarises_alignments(client, owner, make_credential):
    make_credential(owner, alignments=[{"name": "Welding", "url": "https://s.example/1"}])
    client.force_authenticate(owner)

    rows = client.get(_url("skills")).json()

    assert rows[0]["name"] == "Welding" and rows[0]["count"] == 1


def test_the_openapi_schema_describes_every_endpoint_without_warnings(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yml"
    call_command(
        "spectacular",
        "--urlconf=tests.wallet.urls",
        "--validate",
        "--fail-on-warn",
        f"--file={target}",
    )

    schema = target.read_text()
    for path in (
        "/api/credentials/:",
        "/api/credentials/{credential_id}/recheck/:",
        "/api/imports/{batch_id}/:",
    ):
        assert path in schema
