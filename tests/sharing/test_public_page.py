"""The employer's page: what it shows, what it counts, and what it never reveals."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pyoxigraph
import pytest
import time_machine
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import Client, RequestFactory

from accounts.services import account_delete
from sharing.models import EndedLink, ShareView
from sharing.services import share_create, share_revoke, token_hash
from tests.sharing.conftest import SOON, database_text
from tests.support.issuer import NOW
from wallet.models import AuditEvent, Credential, VerificationRun
from wallet.services.trash import credential_delete

pytestmark = pytest.mark.usefixtures("frozen")

BROWSER = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Safari/605.1.15"
)


def _get(client: Client, path: str, **headers):
    return client.get(path, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="198.51.100.7", **headers)


def test_the_page_shows_every_shared_credential_and_counts_the_view(client, shared):
    share, token, credentials = shared

    response = _get(client, f"/s/{token}")

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("Test Achievement") >= 4
    assert "Robin L." in page
    legacy = page[page.index("Open Badges 2.0 badges") :]
    assert "Test Badge" in legacy
    for credential in credentials:
        assert f"/s/{token}/credentials/{credential.sha256[:20]}" in page
    share.refresh_from_db()
    assert share.view_count == 1


def test_a_view_is_logged_with_a_coarse_browser_and_no_address(client, shared):
    share, token, _ = shared

    _get(client, f"/s/{token}")

    view = ShareView.objects.get(share=share)
    assert (view.kind, view.browser, view.os) == ("page", "Safari", "macOS")
    assert view.viewed_at == SOON
    # The ShareView row is the record of the view: the earner's audit log keeps their actions.
    shares = AuditEvent.objects.filter(action__startswith="share.")
    assert list(shares.values_list("action", flat=True)) == ["share.created"]
    assert "198.51.100.7" not in database_text()


def test_the_page_names_the_expiry_but_never_the_audience(client, shared):
    _, token, _ = shared

    page = _get(client, f"/s/{token}").content.decode()

    assert "31 March 2026" in page
    assert "Acme Corp" not in page


def test_share_responses_carry_privacy_headers(client, shared):
    _, token, credentials = shared
    handle = credentials[0].sha256[:20]

    for path in (
        f"/s/{token}",
        f"/s/{token}/presentation",
        f"/s/{token}/credentials/{handle}",
        "/s/no-such-token",
    ):
        response = _get(client, path)
        assert response["Referrer-Policy"] == "no-referrer", path
        assert response["X-Robots-Tag"] == "noindex, nofollow", path
        assert response["Cache-Control"] == "no-store", path


def test_the_original_downloads_byte_for_byte(client, shared):
    _, token, credentials = shared

    for credential in credentials:
        response = _get(client, f"/s/{token}/credentials/{credential.sha256[:20]}")
        assert response.status_code == 200
        assert response.content == bytes(credential.original)
        assert response["Content-Disposition"].startswith("attachment;")


def test_a_credential_not_on_the_link_cannot_be_downloaded_through_it(client, shared, add, issuer):
    _, token, _ = shared
    other = add(issuer.ob3())

    response = _get(client, f"/s/{token}/credentials/{other.sha256[:20]}")

    assert response.status_code == 404


def test_an_expired_link_answers_410(client, shared):
    _, token, _ = shared

    with time_machine.travel(NOW + timedelta(days=30, seconds=1), tick=False):
        response = _get(client, f"/s/{token}")

    assert response.status_code == 410


def test_a_revoked_link_answers_410_at_once_for_every_kind_of_request(client, shared, owner):
    share, token, credentials = shared
    assert _get(client, f"/s/{token}").status_code == 200

    share_revoke(owner=owner, share_id=share.pk, now=SOON)

    handle = credentials[0].sha256[:20]
    for path in (
        f"/s/{token}",
        f"/s/{token}/presentation",
        f"/s/{token}/presentation?format=jwt",
        f"/s/{token}/credentials/{handle}",
    ):
        assert _get(client, path).status_code == 410, path
    assert _get(client, f"/s/{token}", HTTP_ACCEPT="application/vp+ld+json").status_code == 410


def test_a_link_of_a_deleted_account_says_it_has_ended_not_that_it_never_was(client, shared, owner):
    _share, token, _credentials = shared
    account_delete(user=owner)

    page = _get(client, f"/s/{token}")
    machine = _get(client, f"/s/{token}/presentation", HTTP_ACCEPT="application/ld+json")

    assert page.status_code == 410
    assert "This link no longer works" in page.content.decode()
    assert machine.status_code == 410 and machine["Content-Type"].startswith("application/")
    assert "ended" in machine.json()["detail"]
    # What is kept says nothing of who shared what: the token's hash and when it ended.
    [ended] = EndedLink.objects.all()
    assert ended.token_hash == token_hash(token) and ended.ended_at is not None
    assert _get(client, "/s/" + "x" * 43).status_code == 404  # a token never given: not found


def test_a_link_answers_410_once_its_views_are_used_up(client, owner, add, issuer):
    credential = add(issuer.ob3())
    _, token = share_create(
        owner=owner, audience="Acme", credential_ids=[credential.pk], max_views=2, now=NOW
    )

    codes = [_get(client, f"/s/{token}").status_code for _ in range(3)]

    assert codes == [200, 200, 410]


def test_an_unknown_token_answers_404(client, db):
    assert _get(client, "/s/" + "x" * 43).status_code == 404


def test_the_410_page_reveals_nothing_about_the_learner(client, shared, owner):
    share, token, _ = shared
    share_revoke(owner=owner, share_id=share.pk, now=SOON)

    page = _get(client, f"/s/{token}").content.decode()

    for secret in ("Robin", "learner@example.net", "Test Achievement", "Acme", "Test Issuer"):
        assert secret not in page


def test_guessing_tokens_is_answered_429_past_the_limit(client, shared, settings):
    settings.SATCHEL_SHARE_MISS_LIMIT = 5
    _, token, _ = shared

    codes = [_get(client, f"/s/guess-{n}").status_code for n in range(6)]

    assert codes == [404] * 5 + [429]
    other_client = client.get("/s/guess-x", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.9")
    assert other_client.status_code == 404
    # A link the client was given still opens: misses only slow down guessing.
    assert _get(client, f"/s/{token}").status_code == 200


def test_hostile_credential_fields_are_escaped(client, owner, make_hostile):
    _, token = share_create(
        owner=owner,
        audience="x",
        credential_ids=[make_hostile.pk],
        display_name="<b>me</b>",
        now=NOW,
    )

    page = _get(client, f"/s/{token}").content.decode()

    assert "<script>" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;" in page
    assert "&lt;b&gt;me&lt;/b&gt;" in page


def test_a_trashed_credential_disappears_from_every_link_at_once(client, shared, owner):
    _, token, credentials = shared
    _, other_token = share_create(
        owner=owner, audience="Other", credential_ids=[credentials[0].pk], now=NOW
    )

    credential_delete(credential=credentials[0], now=SOON)

    handle = credentials[0].sha256[:20]
    assert handle not in _get(client, f"/s/{token}").content.decode()
    assert handle not in _get(client, f"/s/{other_token}").content.decode()
    assert _get(client, f"/s/{token}/credentials/{handle}").status_code == 404
    vp = json.loads(_get(client, f"/s/{token}/presentation").content)
    assert len(vp["verifiableCredential"]) == 3


def test_a_stale_verdict_is_checked_again_by_a_worker_once_the_view_is_recorded(
    client, shared, django_capture_on_commit_callbacks
):
    _, token, credentials = shared
    Credential.objects.filter(pk=credentials[0].pk).update(checked_at=NOW - timedelta(days=2))

    with django_capture_on_commit_callbacks(execute=True) as queued:
        _get(client, f"/s/{token}")

    assert len(queued) == 1
    credentials[0].refresh_from_db()
    assert credentials[0].checked_at == SOON
    assert credentials[0].verdict == "verified"


def test_link_preview_bots_see_nothing_and_use_no_view(client, shared):
    share, token, _ = shared

    response = client.get(f"/s/{token}", HTTP_USER_AGENT="Slackbot-LinkExpanding 1.0")

    assert response.status_code == 200
    assert "Test Achievement" not in response.content.decode()
    share.refresh_from_db()
    assert share.view_count == 0


def test_a_signed_in_visitors_messages_never_reach_the_page_others_see(client, shared, owner):
    _, token, _ = shared
    client.force_login(owner)
    # A pending flash message in the visitor's message cookie, as the earner's pages leave it.
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies["messages"] = storage._encode([Message(25, "Private note for Robin")])

    own_view = _get(client, f"/s/{token}").content.decode()
    client.logout()
    employer_view = _get(client, f"/s/{token}").content.decode()

    assert "Private note for Robin" not in own_view
    assert "Private note for Robin" not in employer_view


def test_the_page_loads_nothing_from_another_origin(client, shared):
    _, token, _ = shared

    page = _get(client, f"/s/{token}").content.decode()

    loaded = re.findall(r"<(?:img|script|link)\b[^>]*\b(?:src|href)=\"([^\"]*)\"", page)
    assert loaded
    assert all(url.startswith("/") or url.startswith("data:") for url in loaded), loaded


def test_a_changed_verdict_shows_on_the_next_view_of_a_page_already_rendered(client, shared):
    _, token, credentials = shared
    assert "The issuer has withdrawn" not in _get(client, f"/s/{token}").content.decode()

    # Without touching updated_at: the verdict alone must make the page render again.
    Credential.objects.filter(pk=credentials[0].pk).update(verdict="revoked")

    assert "The issuer has withdrawn" in _get(client, f"/s/{token}").content.decode()


def test_a_renamed_link_shows_its_new_name_on_the_next_view(client, shared, owner):
    share, token, _ = shared
    _get(client, f"/s/{token}")

    share.display_name = "Robin Renamed"
    share.save(update_fields=["display_name"])

    assert "Robin Renamed" in _get(client, f"/s/{token}").content.decode()


def test_every_clients_view_of_a_rendered_page_is_still_logged(client, shared):
    share, token, _ = shared

    for n in range(3):
        response = client.get(f"/s/{token}", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=f"192.0.2.{n}")
        assert response.status_code == 200

    assert ShareView.objects.filter(share=share, kind="page").count() == 3


def test_a_shared_canonicalization_bomb_is_never_worked_on_again_by_a_view(
    client, owner, add, issuer, monkeypatch
):
    def refuse(*args):  # what reaches pyoxigraph's canonicalization could run for minutes
        raise AssertionError("native canonicalization reached")

    monkeypatch.setattr(pyoxigraph, "Dataset", refuse)
    bomb = add(issuer.canonicalization_bomb())
    assert bomb.verdict == "malformed"
    _, token = share_create(owner=owner, audience="Acme", credential_ids=[bomb.pk], now=NOW)
    Credential.objects.filter(pk=bomb.pk).update(checked_at=NOW - timedelta(days=2))
    runs = VerificationRun.objects.filter(credential=bomb).count()

    for _ in range(3):
        assert _get(client, f"/s/{token}").status_code == 200

    # Its bytes cannot change, so a malformed verdict is not re-checked on a stranger's view;
    # the nightly re-check (cheap: the pre-check refuses it) keeps it current.
    assert VerificationRun.objects.filter(credential=bomb).count() == runs
