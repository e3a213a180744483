"""The presenting pages and the history: signed in, owner-scoped, nothing sent unticked."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from config.env import normalise_origin
from sharing.models import VerifierRequest
from sharing.services import share_log_access
from tests.support.verifier import StubVerifier, run_stub
from wallet.models import Disclosure


@pytest.fixture
def stub(settings) -> Iterator[StubVerifier]:
    for running in run_stub():
        settings.SATCHEL_OUTBOUND_ALLOW = (normalise_origin(running.origin),)
        yield running


def test_present_needs_a_signed_in_learner_and_keeps_the_request(client, db):
    response = client.get("/present?client_id=x&request_uri=https://v.example/r")
    assert response.status_code == 302
    assert "next=/present%3Fclient_id" in response["Location"]


def test_opening_a_request_link_shows_who_asks_and_what(client, owner, add, issuer, stub, frozen):
    badge = add(issuer.ob3())
    client.force_login(owner)
    query = urlsplit(stub.serve(stub.request())).query
    opened = client.get(f"/present?{query}")
    assert opened.status_code == 302
    page = client.get(opened["Location"]).content.decode()
    assert "Acme Hiring" in page and stub.origin in page
    assert f'value="{badge.pk}"' in page
    assert "checked" not in page.split("pick-list")[1].split("</ul>")[0]


def test_sending_follows_the_verifier_redirect(client, owner, add, issuer, stub, frozen):
    badge = add(issuer.ob3())
    stub.redirect = stub.origin + "/welcome"
    client.force_login(owner)
    opened = client.post("/present", {"link": stub.serve(stub.request())})
    sent = client.post(opened["Location"], {"action": "send", "pick-badge": [badge.pk]})
    assert sent.status_code == 302 and sent["Location"] == stub.origin + "/welcome"
    assert Disclosure.objects.filter(owner=owner).count() == 1


def test_sending_nothing_sends_nothing(client, owner, add, issuer, stub, frozen):
    add(issuer.ob3())
    client.force_login(owner)
    opened = client.post("/present", {"link": stub.serve(stub.request())})
    response = client.post(opened["Location"], {"action": "send"})
    assert response.status_code == 400
    assert stub.received == []


def test_a_bad_link_is_a_sentence_not_an_error(client, owner):
    client.force_login(owner)
    response = client.post("/present", {"link": "not a link"})
    assert response.status_code == 400
    assert "not a link" in response.content.decode()


def test_someone_elses_request_is_not_found(client, owner, stranger, add, issuer, stub, frozen):
    client.force_login(owner)
    opened = client.post("/present", {"link": stub.serve(stub.request())})
    client.force_login(stranger)
    assert client.get(opened["Location"]).status_code == 404
    assert client.post(opened["Location"], {"action": "decline"}).status_code == 404
    assert VerifierRequest.objects.get().state == VerifierRequest.State.PENDING


def test_the_history_lists_and_exports_what_was_presented(
    client, owner, stranger, add, issuer, stub, shared, frozen
):
    share, _token, credentials = shared
    share_log_access(share=share, user_agent="Firefox/1 (Linux)", client="c1")
    client.force_login(owner)
    opened = client.post("/present", {"link": stub.serve(stub.request())})
    client.post(opened["Location"], {"action": "send", "pick-badge": [credentials[0].pk]})
    page = client.get("/shares/history/").content.decode()
    assert "Acme Hiring" in page and "Acme Corp, data analyst application" in page
    exported = json.loads(client.get("/shares/history/export.json").content)["presentations"]
    assert {row["protocol"] for row in exported} == {"oid4vp", "share_view"}
    rows = list(csv.reader(io.StringIO(client.get("/shares/history/export.csv").content.decode())))
    assert rows[0][:3] == ["sent_at", "protocol", "to"] and len(rows) == 3
    client.force_login(stranger)
    assert json.loads(client.get("/shares/history/export.json").content)["presentations"] == []


def _qr_png(text: str) -> bytes:
    import qrcode

    out = io.BytesIO()
    qrcode.make(text).save(out)
    return out.getvalue()


def test_a_picture_of_the_verifiers_qr_code_opens_its_request(client, owner, add, issuer, stub):
    add(issuer.ob3())
    client.force_login(owner)
    picture = io.BytesIO(_qr_png(stub.serve(stub.request())))
    picture.name = "screenshot.png"
    opened = client.post("/present", {"link": "", "qr_image": picture})
    assert opened.status_code == 302
    request = VerifierRequest.objects.get(owner=owner)
    assert opened["Location"] == f"/present/{request.pk}"
    assert "Acme Hiring" in client.get(opened["Location"]).content.decode()


def test_a_picture_without_a_code_is_a_sentence_and_opens_nothing(client, owner):
    client.force_login(owner)
    picture = io.BytesIO(b"GIF89a not really")
    picture.name = "cat.gif"
    response = client.post("/present", {"qr_image": picture})
    assert response.status_code == 400
    assert "not a picture Satchel can read" in response.content.decode()
    assert not VerifierRequest.objects.filter(owner=owner).exists()


def test_only_the_scanning_page_may_ask_for_the_camera(client, owner):
    client.force_login(owner)
    page = client.get("/present")
    assert page["Permissions-Policy"].startswith("camera=(self)")
    assert "data-qr-scan" in page.content.decode()
    assert client.get("/record/")["Permissions-Policy"].startswith("camera=()")
