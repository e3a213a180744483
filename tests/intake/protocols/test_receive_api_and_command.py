"""`POST /api/receive/` and `manage.py receive`: the same flow as the pages, the same owner
scope, the same consent (nothing sent to the issuer until accepted)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command

from intake.models import ReceiveAttempt
from tests.support.issuer import NOW
from wallet.models import Credential


@pytest.fixture
def frozen():
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False) as traveller:
        yield traveller


def test_the_api_opens_an_offer_and_answers_with_the_pending_consent(client, owner, stub, frozen):
    client.force_login(owner)
    response = client.post(
        "/api/receive/", {"link": stub.offer_link(tx_code="4821")}, content_type="application/json"
    )
    assert response.status_code == 201
    data = response.json()
    assert data["state"] == "pending" and data["protocol"] == "oid4vci"
    assert data["issuer"] == {
        "name": "Riverside Test College",
        "origin": stub.origin,
        "request_origin": "",
    }
    assert data["offered"][0]["name"] == "Test Achievement"
    assert data["holder"] == stub.issuer.earner_did
    assert data["tx_code"]["length"] == 4
    assert not stub.token_requests

    wrong = client.post(
        f"/api/receive/{data['id']}/accept", {"tx_code": "0000"}, content_type="application/json"
    )
    assert wrong.status_code == 400 and "transaction code" in wrong.json()["error"]
    done = client.post(
        f"/api/receive/{data['id']}/accept", {"tx_code": "4821"}, content_type="application/json"
    )
    assert done.status_code == 200
    stored = done.json()["stored"]
    assert stored[0]["id"] == Credential.objects.get().pk and stored[0]["verdict"] == "verified"


def test_the_api_declines(client, owner, stub, frozen):
    client.force_login(owner)
    opened = client.post(
        "/api/receive/", {"link": stub.offer_link()}, content_type="application/json"
    )
    declined = client.post(f"/api/receive/{opened.json()['id']}/decline")
    assert declined.status_code == 200 and declined.json()["state"] == "declined"
    again = client.post(f"/api/receive/{opened.json()['id']}/decline")
    assert again.status_code == 409
    assert not stub.token_requests


def test_the_api_refuses_what_is_no_link(client, owner, db):
    client.force_login(owner)
    response = client.post("/api/receive/", {"link": "nope"}, content_type="application/json")
    assert response.status_code == 400 and "not" in response.json()["detail"]
    assert not ReceiveAttempt.objects.exists()


def test_a_failed_offer_is_a_400_with_its_sentence(client, owner, stub, frozen):
    stub.format = "mso_mdoc"
    client.force_login(owner)
    response = client.post(
        "/api/receive/", {"link": stub.offer_link()}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error_kind"] == "unsupported"


def test_the_api_keeps_each_learner_to_their_own(client, owner, stub, frozen):
    from tests.sharing.conftest import make_user

    client.force_login(owner)
    opened = client.post(
        "/api/receive/", {"link": stub.offer_link()}, content_type="application/json"
    )
    client.force_login(make_user("stranger@example.org"))
    attempt_id = opened.json()["id"]
    assert client.get(f"/api/receive/{attempt_id}").status_code == 404
    assert client.post(f"/api/receive/{attempt_id}/accept").status_code == 404
    assert client.post(f"/api/receive/{attempt_id}/decline").status_code == 404
    assert not stub.token_requests


def test_the_api_needs_a_signed_in_learner(client, db):
    response = client.post("/api/receive/", {"link": "x"}, content_type="application/json")
    assert response.status_code in (401, 403)


def _receive(capsys, *args: str) -> tuple[int, dict]:
    code = 0
    try:
        call_command("receive", *args, "--json")
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, json.loads(capsys.readouterr().out)


def test_the_command_receives_with_yes_and_prints_ids_and_verdicts(owner, stub, frozen, capsys):
    link = stub.offer_link(tx_code="4821")
    code, outcome = _receive(capsys, "--user", owner.email, "--tx-code", "4821", "--yes", link)
    assert code == 0
    credential = Credential.objects.get()
    assert outcome["protocol"] == "oid4vci"
    assert outcome["stored"] == [{"id": credential.pk, "verdict": "verified"}]
    assert outcome["errors"] == []


def test_the_command_receives_over_a_vc_api_exchange(owner, stub, frozen, capsys):
    code, outcome = _receive(capsys, "--user", owner.email, "--yes", stub.exchange_link())
    assert code == 0 and outcome["protocol"] == "vcapi" and len(outcome["stored"]) == 1


def test_the_command_without_yes_and_no_terminal_sends_nothing(owner, stub, frozen, capsys):
    code, outcome = _receive(capsys, "--user", owner.email, stub.offer_link())
    assert code == 1 and outcome["stored"] == []
    assert "Not confirmed" in outcome["errors"][0]
    assert not stub.token_requests


def test_the_command_reports_a_wrong_pin(owner, stub, frozen, capsys):
    link = stub.offer_link(tx_code="4821")
    code, outcome = _receive(capsys, "--user", owner.email, "--tx-code", "1234", "--yes", link)
    assert code == 1 and "transaction code" in outcome["errors"][0]


def test_the_command_prints_plain_lines_without_json(owner, stub, frozen, capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command("receive", "--user", owner.email, "--yes", "not a link")
    assert exit_.value.code == 1
    assert "not a link" in capsys.readouterr().err
