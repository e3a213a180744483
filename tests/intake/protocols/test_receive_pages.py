"""The receiving pages: one place to start (a pasted link, an "Add to Satchel" deep link that
survives signing in, a QR code's picture), the consent page, the attempts list, and the
wallet's published client metadata. Each learner sees only their own attempts."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import qrcode

from intake.models import ReceiveAttempt
from wallet.models import Credential


def _offer_query(stub, **kwargs) -> str:
    return stub.offer_link(**kwargs).split("?", 1)[1]


def test_an_add_to_satchel_link_survives_signing_in(client, owner, stub):
    query = _offer_query(stub)
    response = client.get("/receive?" + query)
    assert response.status_code == 302
    login = urlsplit(response["Location"])
    assert login.path == "/accounts/login/"
    after = parse_qs(login.query)["next"][0]
    assert after == "/receive?" + query
    client.force_login(owner)
    opened = client.get(after)
    attempt = ReceiveAttempt.objects.get(owner=owner)
    assert opened["Location"] == f"/receive/{attempt.pk}"
    assert not stub.token_requests


def test_the_consent_page_says_who_offers_what_and_to_which_identifier(client, owner, stub, issuer):
    client.force_login(owner)
    response = client.post("/receive", {"link": stub.offer_link(tx_code="4821")})
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Riverside Test College" in html
    assert stub.origin in html
    assert "Test Achievement" in html
    assert issuer.earner_did in html
    assert 'inputmode="numeric"' in html and 'maxlength="4"' in html
    assert "Please provide the one-time code" in html
    assert '<img class="issuer-logo" src="data:image/png;base64,' in html
    assert stub.origin + "/logo.png" not in html


def test_accepting_on_the_page_stores_the_credential(client, owner, stub):
    client.force_login(owner)
    opened = client.post("/receive", {"link": stub.offer_link(tx_code="4821")})
    wrong = client.post(opened["Location"], {"action": "accept", "tx_code": "0000"})
    assert wrong.status_code == 400 and "transaction code" in wrong.content.decode()
    done = client.post(opened["Location"], {"action": "accept", "tx_code": "4821"})
    assert done.status_code == 302
    page = client.get(done["Location"]).content.decode()
    credential = Credential.objects.get(owner=owner)
    assert f"/credentials/{credential.pk}/" in page
    listed = client.get("/receive").content.decode()
    assert "Received" in listed and "Riverside Test College" in listed


def test_declining_on_the_page_sends_nothing(client, owner, stub):
    client.force_login(owner)
    opened = client.post("/receive", {"link": stub.offer_link()})
    client.post(opened["Location"], {"action": "decline"})
    assert ReceiveAttempt.objects.get().state == ReceiveAttempt.State.DECLINED
    assert not stub.token_requests


def test_a_qr_code_picture_is_read_on_the_server(client, owner, stub):
    client.force_login(owner)
    picture = io.BytesIO()
    qrcode.make(stub.offer_link()).save(picture, format="PNG")
    picture.name = "offer.png"
    picture.seek(0)
    response = client.post("/receive", {"qr_image": picture})
    assert response.status_code == 302, response.content.decode()[:500]
    assert ReceiveAttempt.objects.get().state == ReceiveAttempt.State.PENDING


def test_a_picture_without_a_qr_code_says_so(client, owner, db):
    client.force_login(owner)
    picture = io.BytesIO()
    qrcode.make("x").get_image().crop((0, 0, 5, 5)).save(picture, format="PNG")
    picture.name = "blank.png"
    picture.seek(0)
    response = client.post("/receive", {"qr_image": picture})
    assert response.status_code == 400 and "No QR code" in response.content.decode()
    assert not ReceiveAttempt.objects.exists()


def test_a_presentation_request_is_handed_to_presenting(client, owner, db):
    client.force_login(owner)
    response = client.get("/receive?client_id=x&request_uri=https%3A%2F%2Fv.example%2Fr")
    assert response["Location"].startswith("/present?")


def test_text_that_is_no_link_is_refused_with_a_sentence(client, owner, db):
    client.force_login(owner)
    response = client.post("/receive", {"link": "hello there"})
    assert response.status_code == 400 and "not a link" in response.content.decode()


def test_a_stranger_cannot_see_or_act_on_an_attempt(client, owner, stub):
    from tests.sharing.conftest import make_user

    client.force_login(owner)
    opened = client.post("/receive", {"link": stub.offer_link()})
    client.force_login(make_user("stranger@example.org"))
    assert client.get(opened["Location"]).status_code == 404
    assert client.post(opened["Location"], {"action": "accept"}).status_code == 404
    assert client.post(opened["Location"] + "/dismiss").status_code == 404
    assert "Riverside" not in client.get("/receive").content.decode()
    assert not stub.token_requests


def test_a_failed_attempt_can_be_dismissed(client, owner, stub):
    client.force_login(owner)
    stub.format = "mso_mdoc"
    opened = client.post("/receive", {"link": stub.offer_link()})
    page = client.get(opened["Location"]).content.decode()
    assert "Try again" in page and "Dismiss" in page
    client.post(opened["Location"] + "/dismiss")
    assert "Riverside" not in client.get("/receive").content.decode()


def test_a_sign_in_return_with_an_unknown_state_changes_nothing(client, owner, db):
    client.force_login(owner)
    response = client.get("/receive/callback?code=abc&state=unknown")
    assert response.status_code == 400 and "did not send you" in response.content.decode()


def test_the_wallet_publishes_its_credential_offer_endpoint(client, db):
    data = client.get("/receive/client-metadata.json").json()
    assert data["credential_offer_endpoint"] == "http://testserver/receive"
    assert data["redirect_uris"] == ["http://testserver/receive/callback"]
    assert data["client_id"] == "http://testserver/receive/client-metadata.json"


def test_a_received_credential_says_how_it_came_and_that_it_is_bound_to_you(
    client, owner, stub, issuer
):
    client.force_login(owner)
    opened = client.post("/receive", {"link": stub.offer_link()})
    client.post(opened["Location"], {"action": "accept"})
    credential = Credential.objects.get(owner=owner)
    page = client.get(f"/credentials/{credential.pk}/").content.decode()
    assert "How it came" in page
    assert "Received over OpenID4VCI" in page
    assert f'<code class="break">{stub.origin}</code>' in page
    assert credential.created_at.strftime("%-d %B %Y") in page
    assert "Issued to you: it names one of your verified identities." in page


def test_a_credential_received_over_an_exchange_says_so(client, owner, stub):
    client.force_login(owner)
    opened = client.post("/receive", {"link": stub.exchange_link()})
    client.post(opened["Location"], {"action": "accept"})
    credential = Credential.objects.get(owner=owner)
    page = client.get(f"/credentials/{credential.pk}/").content.decode()
    assert "Received over a VC-API exchange" in page and stub.origin in page


def test_the_receive_page_may_use_the_camera_and_offers_the_qr_fields(client, owner, db):
    client.force_login(owner)
    response = client.get("/receive")
    assert "camera=(self)" in response["Permissions-Policy"]
    html = response.content.decode()
    assert "data-qr-scan" in html and 'name="qr_image"' in html


def test_an_offer_left_waiting_past_its_time_can_be_dismissed(client, owner, stub):
    client.force_login(owner)
    opened = client.post("/receive", {"link": stub.offer_link()})
    attempt = ReceiveAttempt.objects.get()
    ReceiveAttempt.objects.filter(pk=attempt.pk).update(expires_at=attempt.created_at)
    page = client.get(opened["Location"]).content.decode()
    assert "no longer waiting" in page and "Dismiss" in page
    client.post(opened["Location"] + "/dismiss")
    attempt.refresh_from_db()
    assert attempt.dismissed_at is not None and attempt.secrets == ""
    assert attempt.state == ReceiveAttempt.State.FAILED
    assert not stub.token_requests
