"""Every record page: the anonymous are sent to sign in, strangers get 404, changes are POST."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from intake.models import ImportBatch
from tests.support.issuer import NOW
from wallet.models import CredentialImage, Notice
from wallet.services import organise, trash

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(owner, make_credential) -> dict:
    credential = make_credential(owner, title="Mine")
    trashed = make_credential(owner, title="Binned")
    trash.credential_delete(credential=trashed)
    CredentialImage.objects.create(
        credential=credential,
        content=b"\x89PNG",
        media_type="image/png",
        sha256="0",
        origin="baked",
    )
    tag = organise.tag_create(owner=owner, name="work")
    collection = organise.collection_create(owner=owner, name="CV")
    organise.credential_tag(credential=credential, tag=tag)
    organise.collection_add(collection=collection, credential=credential)
    batch = ImportBatch.objects.create(owner=owner, filename="old.zip", created_at=NOW)
    notice = Notice.objects.create(
        owner=owner, credential=credential, kind="revoked", message="Revoked.", created_at=NOW
    )
    return {
        "credential": credential,
        "trashed": trashed,
        "tag": tag,
        "collection": collection,
        "batch": batch,
        "notice": notice,
    }


def _url(name: str, **kwargs: int) -> str:
    return reverse(f"wallet:{name}", kwargs=kwargs)


def _credential(name: str) -> Callable[[dict], str]:
    return lambda c: _url(name, credential_id=c["credential"].pk)


# Pages that address one of the owner's objects: (method, url, form data).
OWNED: list[tuple[str, Callable[[dict], str], dict]] = [
    ("get", _credential("credential"), {}),
    ("get", _credential("credential_image"), {}),
    ("get", _credential("credential_original"), {}),
    ("post", _credential("credential_check"), {}),
    ("post", _credential("credential_delete"), {}),
    ("post", lambda c: _url("credential_restore", credential_id=c["trashed"].pk), {}),
    ("post", _credential("credential_tag_add"), {"name": "mine now"}),
    (
        "post",
        lambda c: _url(
            "credential_tag_remove", credential_id=c["credential"].pk, tag_id=c["tag"].pk
        ),
        {},
    ),
    ("post", _credential("credential_collection_add"), {"collection": "0"}),
    (
        "post",
        lambda c: _url(
            "credential_collection_remove",
            credential_id=c["credential"].pk,
            collection_id=c["collection"].pk,
        ),
        {},
    ),
    ("post", lambda c: _url("tag_rename", tag_id=c["tag"].pk), {"name": "job"}),
    ("post", lambda c: _url("tag_delete", tag_id=c["tag"].pk), {}),
    ("get", lambda c: _url("tag_delete", tag_id=c["tag"].pk), {}),
    (
        "post",
        lambda c: _url("collection_update", collection_id=c["collection"].pk),
        {"name": "Résumé"},
    ),
    ("post", lambda c: _url("collection_delete", collection_id=c["collection"].pk), {}),
    ("get", lambda c: _url("import_batch", batch_id=c["batch"].pk), {}),
    ("get", lambda c: _url("import_batch_status", batch_id=c["batch"].pk), {}),
]

# Pages of one's own record: (method, url name).
OWN_PAGES = [
    ("get", "record"),
    ("get", "timeline"),
    ("get", "skills"),
    ("get", "import"),
    ("get", "tags"),
    ("get", "collections"),
    ("get", "trash"),
    ("get", "trash_empty"),
    ("post", "import_upload"),
    ("post", "import_paste"),
    ("post", "import_url"),
    ("post", "trash_empty"),
]


@pytest.mark.parametrize(("method", "url", "data"), OWNED)
def test_a_stranger_gets_404_for_anything_of_someone_elses(
    client: Client, cast, stranger, method, url, data
) -> None:
    client.force_login(stranger)
    response = getattr(client, method)(url(cast), data)
    assert response.status_code == 404


def test_what_a_stranger_tried_left_the_owners_record_unchanged(
    client: Client, cast, stranger
) -> None:
    client.force_login(stranger)
    for method, url, data in OWNED:
        getattr(client, method)(url(cast), data)
    credential, tag = cast["credential"], cast["tag"]
    credential.refresh_from_db()
    tag.refresh_from_db()
    assert credential.deleted_at is None
    assert tag.name == "work"
    assert list(credential.tags.all()) == [tag]
    assert list(credential.collections.all()) == [cast["collection"]]
    assert not credential.runs.exists()


def test_a_stranger_cannot_dismiss_someone_elses_notice(client: Client, cast, stranger) -> None:
    client.force_login(stranger)
    client.post(_url("notice_dismiss", notice_id=cast["notice"].pk))
    cast["notice"].refresh_from_db()
    assert cast["notice"].read_at is None


@pytest.mark.parametrize(("method", "url", "data"), OWNED)
def test_the_anonymous_are_sent_to_sign_in(client: Client, cast, method, url, data) -> None:
    response = getattr(client, method)(url(cast), data)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(("method", "name"), OWN_PAGES)
def test_the_anonymous_are_sent_to_sign_in_from_every_page(client: Client, method, name) -> None:
    response = getattr(client, method)(_url(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(
    "name",
    [
        "credential_check",
        "credential_delete",
        "credential_restore",
        "credential_tag_add",
        "credential_collection_add",
    ],
)
def test_changes_to_a_credential_refuse_a_get(client: Client, cast, owner, name) -> None:
    client.force_login(owner)
    response = client.get(_url(name, credential_id=cast["credential"].pk))
    assert response.status_code == 405
    cast["credential"].refresh_from_db()
    assert cast["credential"].deleted_at is None


def test_changes_need_a_csrf_token(cast, owner) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(_url("credential_delete", credential_id=cast["credential"].pk))
    assert response.status_code == 403
    cast["credential"].refresh_from_db()
    assert cast["credential"].deleted_at is None
