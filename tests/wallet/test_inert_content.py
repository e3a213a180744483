"""Nothing from outside is ever served as something a browser runs: every image, whatever
door it came in by, is sanitised and stored with its safe type, and every response carrying
an image or an original is built in one place with the same inert headers."""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.apps import apps as django_apps
from django.test import Client
from PIL import Image

from accounts.models import User
from accounts.services import account_delete
from intake.services import arrival
from portability import services as portability
from sharing.selectors import credential_handle
from sharing.services import share_create
from tests.portability.support import LATER, make_earner
from tests.support.issuer import EARNER_EMAIL, NOW, TestIssuer
from tests.wallet.helpers import as_bytes
from wallet import responses
from wallet.models import Credential, CredentialImage

pytestmark = pytest.mark.django_db

# What the attacker put in the export as the badge "image": a page whose script acts as the
# signed-in viewer (same origin), and a script served as another credential's "image".
HTML_IMAGE = (
    b"<!doctype html><html><body><h1>Badge</h1>"
    b"<script src='/s/TOKEN/credentials/HANDLE/image'></script>"
    b"<script>fetch('/api/shares/', {method: 'POST', credentials: 'include'})</script>"
    b"</body></html>"
)
SCRIPT_IMAGE = b"fetch('/api/shares/', {method: 'POST', body: '{\"expires_at\": null}'})"
SVG_IMAGE = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)">'
    b"<script>alert(2)</script><rect width='10' height='10' fill='red'/></svg>"
)
ACTIVE = (b"<script", b"onload", b"fetch(", b"<html", b"<!doctype")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(members: dict[str, bytes], manifest: dict[str, Any]) -> bytes:
    members = members | {"manifest.json": json.dumps(manifest).encode()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _plant(members, entry, content: bytes, media_type: str, extension: str) -> None:
    """Give the manifest entry an "image" of the attacker's choosing (checksum and all)."""
    file = entry["file"].replace("credentials/", "images/").rsplit(".", 1)[0] + "." + extension
    members[file] = content
    entry["image"] = {
        "file": file,
        "sha256": hashlib.sha256(content).hexdigest(),
        "media_type": media_type,
        "width": 10,
        "height": 10,
        "origin": "baked",
    }


@pytest.fixture
def restored(db, issuer: TestIssuer) -> dict[str, Any]:
    """An export in which four credentials carry planted images, restored by its earner."""
    earner = make_earner(EARNER_EMAIL)
    names = ("html.json", "script.json", "svg.json", "png.json")
    for name in names:
        arrival.credential_import(
            owner=earner, data=as_bytes(issuer.ob3()), source="upload", filename=name, now=NOW
        )
    members = _members(portability.export_archive(owner=earner, now=LATER).data)
    manifest = json.loads(members["manifest.json"])
    entries = {e["filename"]: e for e in manifest["credentials"]}
    _plant(members, entries["html.json"], HTML_IMAGE, "text/html", "html")
    _plant(members, entries["script.json"], SCRIPT_IMAGE, "text/javascript", "js")
    _plant(members, entries["svg.json"], SVG_IMAGE, "image/svg+xml", "svg")
    _plant(members, entries["png.json"], _png() + HTML_IMAGE, "image/png", "png")
    account_delete(user=earner)
    again = make_earner(EARNER_EMAIL)

    outcome = portability.export_restore(owner=again, data=_zip(members, manifest), now=LATER)

    credentials = {c.filename: c for c in Credential.objects.filter(owner=again)}
    _share, token = share_create(
        owner=again, audience="Acme", credential_ids=[c.pk for c in credentials.values()], now=LATER
    )
    return {"owner": again, "credentials": credentials, "token": token, "outcome": outcome}


def _image_responses(restored, credential: Credential) -> list[Any]:
    client = Client()
    client.force_login(restored["owner"])
    anonymous = Client()
    handle = credential_handle(credential)
    with time_machine.travel(LATER + timedelta(minutes=1), tick=False):
        return [
            client.get(f"/credentials/{credential.pk}/image/"),
            client.get(f"/api/credentials/{credential.pk}/image/"),
            anonymous.get(f"/s/{restored['token']}/credentials/{handle}/image"),
        ]


def _assert_inert_image(response, media_type: str) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == media_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == responses.INERT_CSP
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline" if media_type == "image/png" else "attachment")
    assert not any(marker in response.content.lower() for marker in ACTIVE)


# --- the attack as reported ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["html.json", "script.json"])
def test_an_html_or_script_image_in_a_restore_is_never_stored_nor_served(restored, name):
    credential = restored["credentials"][name]

    assert not CredentialImage.objects.filter(credential=credential).exists()
    assert credential.has_image is False
    for response in _image_responses(restored, credential):
        assert response.status_code == 404
        assert b"fetch(" not in response.content
    assert "2 badge images were left out" in restored["outcome"].message


def test_a_restored_svg_is_rebuilt_without_its_script_and_served_inert(restored):
    credential = restored["credentials"]["svg.json"]
    image = CredentialImage.objects.get(credential=credential)

    assert image.media_type == "image/svg+xml"
    assert b"<rect" in bytes(image.content)
    assert image.sha256 == hashlib.sha256(bytes(image.content)).hexdigest()
    for response in _image_responses(restored, credential):
        _assert_inert_image(response, "image/svg+xml")


def test_a_restored_png_is_re_encoded_and_loses_what_was_appended(restored):
    credential = restored["credentials"]["png.json"]
    image = CredentialImage.objects.get(credential=credential)

    assert bytes(image.content).startswith(b"\x89PNG\r\n\x1a\n")
    assert (image.width, image.height) == (8, 8)
    for response in _image_responses(restored, credential):
        _assert_inert_image(response, "image/png")


# --- every door, one sanitiser ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_an_imported_baked_badge_is_served_the_same_inert_way_everywhere(db, issuer, kind):
    owner = make_earner(EARNER_EMAIL)
    data = issuer.baked_png(issuer.ob3()) if kind == "png" else issuer.baked_svg(issuer.ob3())
    credential = arrival.credential_import(
        owner=owner, data=data, source="upload", filename=f"b.{kind}", now=NOW
    ).credential
    _share, token = share_create(
        owner=owner, audience="Acme", credential_ids=[credential.pk], now=NOW
    )

    for response in _image_responses({"owner": owner, "token": token}, credential):
        _assert_inert_image(response, f"image/{'svg+xml' if kind == 'svg' else 'png'}")


# --- rows stored by an earlier version -------------------------------------------------------


def _old_row(owner: User, make_credential, content: bytes, media_type: str) -> Credential:
    credential = make_credential(owner, has_image=True)
    CredentialImage.objects.create(
        credential=credential,
        content=content,
        media_type=media_type,
        sha256=hashlib.sha256(content).hexdigest(),
        origin="baked",
    )
    return credential


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (HTML_IMAGE, "text/html"),
        (SCRIPT_IMAGE, "text/javascript"),
        (HTML_IMAGE, "image/png"),  # not a PNG whatever the row says
        (HTML_IMAGE, "image/svg+xml"),  # not an SVG whatever the row says
    ],
)
def test_an_old_row_that_is_not_a_safe_image_is_refused_when_served(
    owner, make_credential, content, media_type
):
    credential = _old_row(owner, make_credential, content, media_type)
    _share, token = share_create(
        owner=owner, audience="Acme", credential_ids=[credential.pk], now=NOW
    )

    for response in _image_responses({"owner": owner, "token": token}, credential):
        assert response.status_code == 404
        assert b"fetch(" not in response.content


def test_the_migration_sanitises_old_rows_and_drops_what_is_no_image(owner, make_credential):
    migration = importlib.import_module("wallet.migrations.0009_sanitise_stored_images")
    html = _old_row(owner, make_credential, HTML_IMAGE, "text/html")
    svg = _old_row(owner, make_credential, SVG_IMAGE, "image/svg+xml")
    png = _png()
    good = _old_row(owner, make_credential, png, "image/png")
    mislabelled = _old_row(owner, make_credential, png, "image/jpeg")

    migration.sanitise_stored_images(django_apps, None)

    html.refresh_from_db()
    assert html.has_image is False
    assert not CredentialImage.objects.filter(credential=html).exists()
    cleaned = CredentialImage.objects.get(credential=svg)
    assert b"script" not in bytes(cleaned.content) and b"onload" not in bytes(cleaned.content)
    assert cleaned.sha256 == hashlib.sha256(bytes(cleaned.content)).hexdigest()
    assert bytes(CredentialImage.objects.get(credential=good).content) == png
    assert CredentialImage.objects.get(credential=mislabelled).media_type == "image/png"


# --- originals -------------------------------------------------------------------------------


def test_an_original_is_always_a_download_that_cannot_render(owner, make_credential, issuer):
    """A restored (or any) original may be HTML or SVG under any media type: it is the exact
    bytes, as a download, never a document."""
    credential = make_credential(
        owner, original=HTML_IMAGE, media_type="text/html", container="svg"
    )
    _share, token = share_create(
        owner=owner, audience="Acme", credential_ids=[credential.pk], now=NOW
    )
    client = Client()
    client.force_login(owner)
    handle = credential_handle(credential)

    with time_machine.travel(LATER, tick=False):
        downloads = (
            client.get(f"/credentials/{credential.pk}/original/"),
            client.get(f"/api/credentials/{credential.pk}/original/"),
            Client().get(f"/s/{token}/credentials/{handle}"),
        )
    for response in downloads:
        assert response.status_code == 200
        assert response.content == HTML_IMAGE  # the original is sacred: the exact bytes
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment; filename=")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == responses.INERT_CSP


def test_there_is_one_inert_policy_and_it_forbids_scripts_and_sandboxes():
    policy = responses.INERT_CSP
    assert policy.startswith("default-src 'none'")
    assert "sandbox" in policy.split("; ")
    assert "script" not in policy and "allow-" not in policy


def test_the_record_page_the_api_and_the_employers_page_build_an_original_in_one_place(
    owner, make_credential, issuer, monkeypatch
):
    credential = make_credential(owner, container="jwt")
    _share, token = share_create(
        owner=owner, audience="Acme", credential_ids=[credential.pk], now=NOW
    )
    client = Client()
    client.force_login(owner)
    built = []
    one_place = responses.original_response

    def spy(**arguments):
        built.append(arguments["stem"])
        return one_place(**arguments)

    monkeypatch.setattr(responses, "original_response", spy)
    with time_machine.travel(LATER, tick=False):
        names = [
            client.get(f"/credentials/{credential.pk}/original/")["Content-Disposition"],
            client.get(f"/api/credentials/{credential.pk}/original/")["Content-Disposition"],
            Client().get(f"/s/{token}/credentials/{credential_handle(credential)}")[
                "Content-Disposition"
            ],
        ]

    assert len(built) == 3
    assert all(name.endswith('.jwt"') for name in names)
