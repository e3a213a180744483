"""Employer request links: the public form, the learner's matching page, the results page."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from sharing.models import EmployerRequest, ShareLink
from tests.sharing.conftest import SOON, database_text
from tests.support.issuer import NOW

FORM = {
    "requester_name": "Dana Hiring",
    "organisation": "Acme Health",
    "website": "acme-health.example",
    "wanted": "Test achievement\nRegistered nurse licence",
    "issuers": "Test Issuer",
    "skills": "",
    "message": "For the ward nurse opening.",
    "deadline": "",
}


def _create(client, **changes) -> tuple[str, str]:
    response = client.post("/request", {**FORM, **changes})
    assert response.status_code == 200, response.content
    page = response.content.decode()
    request_url = re.search(r'id="request-url" value="([^"]+)"', page).group(1)
    results_url = re.search(r'id="results-url" value="([^"]+)"', page).group(1)
    return request_url.split("/request/")[1], results_url.split("/request/results/")[1]


@pytest.fixture
def made(client, db, frozen) -> tuple[str, str]:
    return _create(client)


def test_it_creates_a_request_and_keeps_only_hashes_of_its_links(client, db, frozen):
    token, results_token = _create(client)
    stored = EmployerRequest.objects.get()
    assert stored.requester_name == "Dana Hiring"
    assert stored.wanted == ["Test achievement", "Registered nurse licence"]
    text = database_text()
    assert token not in text
    assert results_token not in text


def test_the_form_answers_privately(client, db):
    response = client.get("/request")
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "changes",
    [
        {"requester_name": ""},
        {"requester_name": "x" * 121},
        {"wanted": "\n".join(f"item {n}" for n in range(11))},
        {"message": "m" * 1001},
        {"wanted": "", "issuers": "", "skills": "", "message": ""},
        {"website": "javascript:alert(1)"},
        {"deadline": "2027-12-31"},
    ],
)
def test_it_refuses_a_bad_or_oversized_request_and_stores_nothing(client, db, frozen, changes):
    response = client.post("/request", {**FORM, **changes})
    assert response.status_code == 400
    assert not EmployerRequest.objects.exists()


def test_the_form_is_limited_per_client(client, db, frozen, settings):
    settings.SATCHEL_REQUEST_FORM_LIMIT = 2
    _create(client)
    _create(client)
    refused = client.post("/request", FORM)
    assert refused.status_code == 429
    assert EmployerRequest.objects.count() == 2
    other = client.post("/request", FORM, REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 200


def test_the_learner_must_sign_in_and_comes_back_to_the_request(client, made):
    token, _ = made
    response = client.get(f"/request/{token}")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/request/")


def test_the_learner_sees_what_matches_and_what_they_lack(client, owner, add, issuer, made):
    token, _ = made
    add(issuer.ob3())
    client.force_login(owner)
    page = client.get(f"/request/{token}").content.decode()
    assert "Acme Health" in page
    assert "Satchel has not checked" in page
    assert "1 credential in your record seems to match." in page
    assert "Nothing in your record seems to match." in page  # the nurse licence
    assert "checked" not in re.findall(r'<input type="checkbox"[^>]*>', page)[0]


def test_answering_shows_the_employer_verified_credentials_and_closes_the_request(
    client, owner, stranger, add, issuer, made
):
    token, results_token = made
    credential = add(issuer.ob3())
    client.force_login(owner)
    waiting = client.get(f"/request/results/{token}")
    assert waiting.status_code == 404  # the learner's token is not the results token
    answered = client.post(
        f"/request/{token}",
        {
            "action": "answer",
            "credentials": [credential.pk],
            "display_name": "Robin",
            "expiry": "7d",
        },
    )
    assert answered.status_code == 302
    stored = EmployerRequest.objects.get()
    assert stored.answered_at is not None and stored.learner == owner

    client.logout()
    results = client.get(f"/request/results/{results_token}")
    assert results.status_code == 200
    assert "Test Achievement" in results.content.decode()
    presentation = client.get(
        f"/request/results/{results_token}", HTTP_ACCEPT="application/vp+ld+json"
    )
    assert json.loads(presentation.content)["proof"]["challenge"] == stored.challenge

    client.force_login(stranger)
    again = client.post(
        f"/request/{token}",
        {"action": "answer", "credentials": [credential.pk], "display_name": "X", "expiry": "7d"},
    )
    assert "already been answered" in again.content.decode()
    assert ShareLink.objects.count() == 1
    assert mail.outbox == []


def test_the_learner_cannot_send_someone_elses_credential(
    client, owner, stranger, add, issuer, made
):
    token, _ = made
    theirs = add(issuer.ob3(), user=stranger)
    add(issuer.ob3())
    client.force_login(owner)
    response = client.post(
        f"/request/{token}",
        {"action": "answer", "credentials": [theirs.pk], "display_name": "R", "expiry": "7d"},
    )
    assert response.status_code == 400
    assert not ShareLink.objects.exists()
    assert EmployerRequest.objects.get().answered_at is None


def test_declining_tells_the_employer_and_closes_the_request(client, owner, add, issuer, made):
    token, results_token = made
    credential = add(issuer.ob3())
    client.force_login(owner)
    client.post(f"/request/{token}", {"action": "decline", "message": "Not looking, thanks."})
    results = client.get(f"/request/results/{results_token}").content.decode()
    assert "declined" in results and "Not looking, thanks." in results
    late = client.post(
        f"/request/{token}",
        {"action": "answer", "credentials": [credential.pk], "display_name": "R", "expiry": "7d"},
    )
    assert "declined" in late.content.decode()
    assert not ShareLink.objects.exists()
    assert mail.outbox == []


def test_an_unanswered_request_expires(client, owner, add, issuer, frozen):
    token, results_token = _create(client, deadline=(NOW + timedelta(days=2)).date().isoformat())
    credential = add(issuer.ob3())
    client.force_login(owner)
    with time_machine.travel(SOON + timedelta(days=3), tick=False):
        page = client.post(
            f"/request/{token}",
            {
                "action": "answer",
                "credentials": [credential.pk],
                "display_name": "R",
                "expiry": "7d",
            },
        )
        assert "expired" in page.content.decode()
        assert "expired" in client.get(f"/request/results/{results_token}").content.decode()
    assert not ShareLink.objects.exists()


def test_a_deadline_sets_the_expiry(client, db, frozen):
    _create(client, deadline=(NOW + timedelta(days=10)).date().isoformat())
    stored = EmployerRequest.objects.get()
    assert stored.expires_at.date() == (NOW + timedelta(days=10)).date()


def test_unknown_links_are_not_found(client, owner):
    client.force_login(owner)
    assert client.get("/request/nope").status_code == 404
    assert client.get("/request/results/nope").status_code == 404
