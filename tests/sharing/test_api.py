"""The shares API: the owner's links only; anyone else's is a 404, anonymous is refused."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from sharing.models import ShareLink
from sharing.services import share_create, share_log_access
from tests.support.issuer import NOW


@pytest.fixture
def api(owner) -> APIClient:
    client = APIClient()
    client.force_authenticate(owner)
    return client


@pytest.fixture
def stranger_api(stranger) -> APIClient:
    client = APIClient()
    client.force_authenticate(stranger)
    return client


@pytest.fixture
def link(owner, add, issuer) -> ShareLink:
    credential = add(issuer.ob3())
    share, _ = share_create(owner=owner, audience="Acme", credential_ids=[credential.pk], now=NOW)
    return share


def test_it_creates_a_link_and_answers_its_address(api, owner, add, issuer):
    first, second = add(issuer.ob3()), add(issuer.ob3_jwt())

    response = api.post(
        "/api/shares/",
        {
            "audience": "Acme Corp, data analyst application",
            "credential_ids": [first.pk, second.pk],
            "expiry": "7d",
            "max_views": 5,
            "display_name": "Robin L.",
        },
        format="json",
    )

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["url"].startswith("http") and "/s/" in body["url"]
    assert body["state"] == "active"
    assert body["max_views"] == 5
    assert [c["id"] for c in body["credentials"]] == [first.pk, second.pk]
    share = ShareLink.objects.get(pk=body["id"])
    assert share.owner == owner
    assert (share.expires_at - share.created_at).days == 7


def test_it_refuses_a_link_without_credentials(api):
    response = api.post("/api/shares/", {"audience": "Acme"}, format="json")

    assert response.status_code == 400


def test_it_refuses_a_strangers_credentials(api, stranger, add, issuer):
    theirs = add(issuer.ob3(), user=stranger)

    response = api.post(
        "/api/shares/", {"audience": "Acme", "credential_ids": [theirs.pk]}, format="json"
    )

    assert response.status_code == 400


def test_it_lists_only_the_owners_links(api, stranger_api, link):
    assert [s["id"] for s in api.get("/api/shares/").json()["results"]] == [link.pk]
    assert stranger_api.get("/api/shares/").json()["results"] == []


def test_it_revokes_extends_and_renames(api, link):
    revoked = api.post(f"/api/shares/{link.pk}/revoke/").json()
    assert revoked["state"] == "revoked"

    refused = api.post(f"/api/shares/{link.pk}/extend/", {"expiry": "never"}, format="json")
    assert refused.status_code == 400

    renamed = api.patch(f"/api/shares/{link.pk}/", {"audience": "Acme, round 2"}, format="json")
    assert renamed.json()["audience"] == "Acme, round 2"


def test_it_extends_an_active_link(api, link):
    response = api.post(f"/api/shares/{link.pk}/extend/", {"expiry": "never"}, format="json")

    assert response.status_code == 200
    assert response.json()["expires_at"] is None


def test_it_shows_the_access_log_without_addresses(api, link):
    share_log_access(
        share=link, user_agent="Mozilla/5.0 (X11; Linux) Firefox/127.0", client="a", now=NOW
    )

    log = api.get(f"/api/shares/{link.pk}/views/").json()

    assert log == [
        {"viewed_at": "2026-03-01T12:00:00Z", "kind": "page", "browser": "Firefox", "os": "Linux"}
    ]


def test_it_serves_qr_codes_of_the_link(api, link):
    svg = api.get(f"/api/shares/{link.pk}/qr.svg", HTTP_ACCEPT="image/svg+xml")
    png = api.get(f"/api/shares/{link.pk}/qr.png", HTTP_ACCEPT="image/png")

    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert svg.content.startswith(b"<?xml")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "/", None),
        ("patch", "/", {"audience": "Mine now"}),
        ("post", "/revoke/", None),
        ("post", "/extend/", {"expiry": "never"}),
        ("get", "/views/", None),
        ("get", "/qr.svg", None),
        ("get", "/qr.png", None),
    ],
)
def test_a_stranger_gets_404_for_every_endpoint_of_someone_elses_link(
    stranger_api, link, method, suffix, data
):
    response = getattr(stranger_api, method)(f"/api/shares/{link.pk}{suffix}", data, format="json")

    assert response.status_code == 404
    link.refresh_from_db()
    assert (link.audience, link.revoked_at) == ("Acme", None)


@pytest.mark.parametrize(
    "path", ["/api/shares/", "/api/shares/1/", "/api/shares/1/views/", "/api/shares/1/qr.png"]
)
def test_anonymous_requests_are_refused(db, path):
    assert APIClient().get(path).status_code in (401, 403)


def test_token_authentication_works(owner, link):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.create(user=owner).key)

    assert client.get(f"/api/shares/{link.pk}/").status_code == 200


def test_the_openapi_schema_describes_the_shares_api_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", f"--file={target}")

    schema = target.read_text()
    for path in (
        "/api/shares/:",
        "/api/shares/{share_id}/revoke/:",
        "/api/shares/{share_id}/qr.png:",
    ):
        assert path in schema


def test_the_admin_shows_a_link_without_its_secrets(client, link):
    from accounts.models import User

    client.force_login(User.objects.create_superuser(email="root@example.org", password="x" * 12))

    page = client.get(f"/admin/sharing/sharelink/{link.pk}/change/")

    assert page.status_code == 200
    assert link.token_hash not in page.content.decode()
    assert link.token_encrypted not in page.content.decode()
    assert client.get("/admin/sharing/shareview/").status_code == 200
