"""The public verifier: /verify and POST /api/verify/. Nothing is stored; uploads are capped;
fetches go through the outbound door; each client is limited."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sharing.models import ShareView
from sharing.services import share_create
from tests.sharing.conftest import database_text
from tests.support.issuer import NOW


@pytest.fixture
def frozen_checks(frozen, issuer):
    return issuer


def _post(client, **fields):
    return client.post("/verify", fields)


def test_the_page_opens_for_anyone(client, db):
    response = client.get("/verify")
    assert response.status_code == 200
    assert "Check a credential" in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_a_pasted_credential_gets_the_full_report_and_nothing_is_stored(client, db, frozen_checks):
    before = database_text()
    response = _post(client, text=json.dumps(frozen_checks.ob3()))
    page = response.content.decode()
    assert response.status_code == 200
    assert "verdict-box--ok" in page
    assert "What was checked" in page
    assert database_text() == before


def test_a_forged_file_is_reported_as_such(client, db, frozen_checks):
    forged = json.dumps(frozen_checks.ob3("tampered")).encode()
    upload = SimpleUploadedFile("badge.json", forged, content_type="application/json")
    page = client.post("/verify", {"file": upload}).content.decode()
    assert "verdict-box--danger" in page


def test_a_presentation_is_checked_against_the_challenge_and_domain_given(
    client, db, frozen_checks
):
    presentation = json.dumps(
        frozen_checks.presentation(
            [frozen_checks.ob3()], challenge="c-1", domain="https://hr.example"
        )
    )
    right = _post(client, text=presentation, challenge="c-1", domain="https://hr.example")
    assert "verdict-box--ok" in right.content.decode()
    wrong = _post(client, text=presentation, challenge="c-2", domain="https://hr.example")
    assert "verdict-box--danger" in wrong.content.decode()


def test_an_own_share_link_is_checked_and_counts_as_one_download(client, owner, add, frozen_checks):
    credential = add(frozen_checks.ob3())
    share, token = share_create(
        owner=owner, audience="HR", credential_ids=[credential.pk], max_views=1, now=NOW
    )
    link = f"http://127.0.0.1:8000/s/{token}"
    first = _post(client, link=link, challenge="mine")
    assert "verdict-box--ok" in first.content.decode()
    assert "mine" in first.content.decode()
    assert ShareView.objects.filter(share=share, kind=ShareView.Kind.PRESENTATION).count() == 1
    used_up = _post(client, link=link)
    assert used_up.status_code == 400
    assert "does not open" in used_up.content.decode()


def test_a_link_to_a_private_address_is_refused_by_the_outbound_door(client, db):
    response = _post(client, link="https://10.0.0.7/s/" + "a" * 43)
    assert response.status_code == 400
    assert "could not be reached" in response.content.decode()


def test_an_upload_over_the_cap_is_refused_before_it_is_read(client, db, settings):
    settings.SATCHEL_MAX_UPLOAD_BYTES = 2048
    big = SimpleUploadedFile("big.json", b"{" + b" " * 200_000 + b"}")
    response = client.post("/verify", {"file": big})
    assert response.status_code == 413


def test_each_client_is_limited(client, db, settings, frozen_checks):
    settings.SATCHEL_PUBLIC_VERIFY_LIMIT = 2
    text = json.dumps(frozen_checks.ob3())
    assert _post(client, text=text).status_code == 200
    assert _post(client, text=text).status_code == 200
    assert _post(client, text=text).status_code == 429
    assert (
        client.post(
            "/api/verify/", {"credential": text}, content_type="application/json"
        ).status_code
        == 429
    )
    other = client.post("/verify", {"text": text}, REMOTE_ADDR="198.51.100.4")
    assert other.status_code == 200


def test_nothing_given_is_a_clear_error(client, db):
    response = _post(client)
    assert response.status_code == 400
    assert "Give a file" in response.content.decode()


def test_the_api_answers_json_without_an_account(client, db, frozen_checks):
    response = client.post(
        "/api/verify/",
        {"credential": frozen_checks.ob3_jwt()},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "verified"
    assert body["checks"] and all("message" in check for check in body["checks"])
    assert body["explanation"]


def test_the_api_checks_presentations_with_challenge_and_domain(client, db, frozen_checks):
    presentation = frozen_checks.presentation([frozen_checks.ob3()], challenge="n", domain="d")
    body = client.post(
        "/api/verify/",
        {"credential": presentation, "challenge": "n", "domain": "other"},
        content_type="application/json",
    ).json()
    assert body["verdict"] == "invalid_signature"


def test_the_api_refuses_bad_input_with_a_sentence(client, db):
    response = client.post("/api/verify/", {"challenge": "x"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]


def test_the_employer_page_points_at_the_public_verifier_not_the_command_line(
    client, shared, frozen
):
    _share, token, _credentials = shared
    page = client.get(f"/s/{token}").content.decode()
    assert 'href="/verify"' in page
    assert "manage.py" not in page
