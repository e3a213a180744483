"""Satchel as a consumer (OB 3.0 section 7 from the client's side) against a stub host built
from the specification's examples: discovery, registration, the authorization code with PKCE
S256, then getCredentials page by page into the record, through the one outbound door; every
attempt kept, errors said plainly, tokens encrypted at rest, disconnect drops them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from django.db import connection
from django.test import Client

from obapi import badge_hosts
from obapi.models import BadgeHost, SyncAttempt
from obapi.tasks import sync_badge_hosts
from tests.support.badge_host import CLR_PATH, StubHost, run_stub_host
from tests.support.issuer import NOW
from wallet.models import AuditEvent, Credential


@pytest.fixture
def host(settings) -> Iterator[StubHost]:
    for stub in run_stub_host():
        settings.SATCHEL_OUTBOUND_ALLOW = (stub.origin,)
        yield stub


@pytest.fixture
def held(host, issuer) -> StubHost:
    """The host holds three OB 3.0 credentials for the learner: two objects and a VC-JWT."""
    host.credentials = [issuer.ob3(), issuer.ob3_jwt(), issuer.ob3()]
    return host


@pytest.fixture
def connect(django_capture_on_commit_callbacks):
    """Connect as the learner would; the sync enqueued on commit runs (in process)."""

    def run(owner, stub: StubHost, api: str = "ob") -> BadgeHost:
        started = badge_hosts.badge_host_connect(
            owner=owner, base_url=stub.origin, api=api, now=NOW
        )
        answer = stub.approve(started.authorization_url)
        with django_capture_on_commit_callbacks(execute=True):
            return badge_hosts.badge_host_authorized(
                owner=owner, state=answer["state"], code=answer["code"], error="", now=NOW
            )

    return run


def test_it_connects_and_brings_every_page_of_credentials_in(connect, owner, held) -> None:
    connected = connect(owner, held)

    assert connected.state == BadgeHost.State.CONNECTED
    assert connected.name == "Example University"
    attempt = SyncAttempt.objects.get(host=connected)
    assert attempt.outcome == SyncAttempt.Outcome.SUCCEEDED
    assert (attempt.received, attempt.imported) == (3, 3)
    stored = Credential.objects.filter(owner=owner)
    assert stored.count() == 3
    assert {c.source for c in stored} == {"badge_host"}
    assert {c.verdict for c in stored} == {"verified"}
    assert [p for m, p in held.requests if p.endswith("/credentials")] == [
        "/ims/ob/v3p0/credentials",
        "/ims/ob/v3p0/credentials",
    ]


def test_it_brings_learner_records_in_from_a_clr_host(connect, owner, host, issuer) -> None:
    host.api_path = CLR_PATH
    host.credentials = [issuer.clr()]
    connected = connect(owner, host, "clr")

    assert connected.state == BadgeHost.State.CONNECTED
    assert Credential.objects.get(owner=owner, parent__isnull=True).format == "clr2"
    (metadata,) = host.clients.values()
    assert "spec/clr/v2p0/scope/credential.readonly" in metadata["scope"]


def test_it_registered_itself_as_the_specification_describes(connect, owner, held) -> None:
    connect(owner, held)

    (metadata,) = held.clients.values()
    assert metadata["grant_types"] == ["authorization_code", "refresh_token"]
    assert metadata["response_types"] == ["code"]
    assert metadata["redirect_uris"] == [
        "https://satchel.example/account/badge-platforms/callback/"
    ]
    assert "credential.readonly" in metadata["scope"] and "offline_access" in metadata["scope"]


def test_it_reads_the_plural_spelling_of_the_specifications_example(connect, owner, held) -> None:
    held.plural_jws = True
    connect(owner, held)

    assert Credential.objects.filter(owner=owner, media_type="application/vc+jwt").count() == 1


def test_the_secret_and_tokens_are_encrypted_at_rest(connect, owner, held) -> None:
    connect(owner, held)
    (token,) = [t for t in held.access_tokens]
    (metadata,) = held.clients.values()

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM obapi_badgehost")
        row = " ".join(str(v) for v in cursor.fetchone())
    assert token not in row
    assert metadata["client_secret"] not in row


def test_a_second_sync_asks_only_for_what_changed_since_the_first(
    connect, owner, held, issuer
) -> None:
    connected = connect(owner, held)
    held.add(issuer.ob3(), at=NOW + timedelta(hours=12))
    attempt = badge_hosts.badge_host_sync(host_id=connected.pk, now=NOW + timedelta(days=1))

    # The first walk began at NOW: the second asks from then, an hour early for the clocks.
    assert held.since_asked == ["2026-03-01T11:00:00Z"]
    assert (attempt.received, attempt.imported, attempt.duplicate) == (1, 1, 0)
    assert Credential.objects.filter(owner=owner).count() == 4


def test_a_host_that_ignores_since_costs_duplicates_only(connect, owner, held, issuer) -> None:
    connected = connect(owner, held)
    held.credentials.append(issuer.ob3())  # never stamped: the stub sends it only without since
    held.changed_at = {i: NOW + timedelta(hours=1) for i in range(len(held.credentials))}
    attempt = badge_hosts.badge_host_sync(host_id=connected.pk, now=NOW + timedelta(days=1))

    assert (attempt.imported, attempt.duplicate) == (1, 3)


def test_a_sync_that_reaches_the_cap_continues_next_time(
    connect, owner, held, issuer, settings
) -> None:
    settings.SATCHEL_BADGE_HOST_MAX_PAGES = 1
    held.credentials = [issuer.ob3() for _ in range(5)]  # three pages of two
    connected = connect(owner, held)  # the first sync reads the first page only

    first = SyncAttempt.objects.get(host=connected)
    assert first.outcome == SyncAttempt.Outcome.PARTIAL
    assert first.imported == 2
    assert "continues where this one stopped" in first.message
    second = badge_hosts.badge_host_sync(host_id=connected.pk, now=NOW + timedelta(days=1))
    third = badge_hosts.badge_host_sync(host_id=connected.pk, now=NOW + timedelta(days=2))

    assert (second.outcome, second.imported, second.duplicate) == ("partial", 2, 0)
    assert (third.outcome, third.imported, third.duplicate) == ("succeeded", 1, 0)
    assert Credential.objects.filter(owner=owner).count() == 5
    offsets = [q for m, q in held.queries if "offset=" in q]
    assert [dict(parse_qsl(q))["offset"] for q in offsets] == ["0", "2", "4"]
    connected.refresh_from_db()
    # The walk began at NOW, so the next one asks from then, not from the third day.
    assert connected.sync_cursor == ""
    assert NOW <= connected.sync_since < NOW + timedelta(minutes=1)

    held.add(issuer.ob3(), at=NOW + timedelta(days=2, hours=1))
    fourth = badge_hosts.badge_host_sync(host_id=connected.pk, now=NOW + timedelta(days=3))
    assert held.since_asked[-1] == "2026-03-01T11:00:00Z"
    assert (fourth.outcome, fourth.imported) == ("succeeded", 1)


def test_a_page_that_fails_is_asked_again_next_time(connect, owner, held, issuer) -> None:
    held.credentials = [issuer.ob3() for _ in range(4)]
    held.fail_offsets = {2}
    connected = connect(owner, held)

    first = SyncAttempt.objects.get(host=connected)
    assert first.outcome == SyncAttempt.Outcome.FAILED
    assert first.imported == 2
    assert "continues from the page that failed" in first.message
    held.fail_offsets = set()
    again = badge_hosts.badge_host_sync(host_id=connected.pk, now=NOW + timedelta(hours=1))

    assert (again.outcome, again.imported, again.duplicate) == ("succeeded", 2, 0)
    assert Credential.objects.filter(owner=owner).count() == 4


def test_an_expired_access_token_is_refreshed(connect, owner, held, issuer) -> None:
    connected = connect(owner, held)
    held.expire_access_tokens()
    held.add(issuer.ob3(), at=NOW + timedelta(minutes=1))
    attempt = badge_hosts.badge_host_sync(host_id=connected.pk, now=NOW)

    assert attempt.outcome == SyncAttempt.Outcome.SUCCEEDED
    assert attempt.imported == 1
    assert held.requests.count(("POST", "/token")) == 2  # the code, then the refresh


def test_a_refused_refresh_asks_the_learner_to_reconnect(connect, owner, held) -> None:
    connected = connect(owner, held)
    held.expire_access_tokens()
    held.refuse_refresh = True
    attempt = badge_hosts.badge_host_sync(host_id=connected.pk, now=NOW)

    assert attempt.outcome == SyncAttempt.Outcome.FAILED
    assert "reconnect" in attempt.message
    connected.refresh_from_db()
    assert connected.state == BadgeHost.State.FAILED


def test_a_next_page_on_another_site_is_not_followed(connect, owner, held) -> None:
    held.next_link_origin = "https://elsewhere.example"
    connected = connect(owner, held)

    attempt = SyncAttempt.objects.get(host=connected)
    assert attempt.outcome == SyncAttempt.Outcome.FAILED
    assert "another site" in attempt.message


def test_a_host_without_the_api_is_a_clear_error_kept_for_the_learner(owner, host) -> None:
    host.discovery_status = 404

    with pytest.raises(
        badge_hosts.BadgeHostError, match=r"does not offer the Open Badges 3\.0 API"
    ):
        badge_hosts.badge_host_connect(owner=owner, base_url=host.origin, api="ob", now=NOW)
    assert BadgeHost.objects.get(owner=owner).state == BadgeHost.State.FAILED


def test_a_host_the_door_will_not_contact_is_refused(owner, db, settings) -> None:
    settings.SATCHEL_OUTBOUND_ALLOW = ()

    with pytest.raises(badge_hosts.BadgeHostError, match="does not contact"):
        badge_hosts.badge_host_connect(
            owner=owner, base_url="http://127.0.0.1:9/", api="ob", now=NOW
        )


def test_an_answer_with_an_unknown_state_changes_nothing(owner, held) -> None:
    started = badge_hosts.badge_host_connect(owner=owner, base_url=held.origin, api="ob", now=NOW)
    answer = held.approve(started.authorization_url)

    with pytest.raises(badge_hosts.BadgeHostError, match="does not match"):
        badge_hosts.badge_host_authorized(
            owner=owner, state="forged", code=answer["code"], error="", now=NOW
        )
    assert BadgeHost.objects.get(owner=owner).state == BadgeHost.State.PENDING


def test_another_learner_cannot_complete_my_connection(owner, stranger, held) -> None:
    started = badge_hosts.badge_host_connect(owner=owner, base_url=held.origin, api="ob", now=NOW)
    answer = held.approve(started.authorization_url)

    with pytest.raises(badge_hosts.BadgeHostError):
        badge_hosts.badge_host_authorized(
            owner=stranger, state=answer["state"], code=answer["code"], error="", now=NOW
        )
    assert not Credential.objects.exists()


def test_a_declined_authorization_is_kept_as_failed(owner, held) -> None:
    started = badge_hosts.badge_host_connect(owner=owner, base_url=held.origin, api="ob", now=NOW)
    state = parse_qs(urlsplit(started.authorization_url).query)["state"][0]

    with pytest.raises(badge_hosts.BadgeHostError, match="declined"):
        badge_hosts.badge_host_authorized(
            owner=owner, state=state, code="", error="access_denied", now=NOW
        )
    assert BadgeHost.objects.get(owner=owner).state == BadgeHost.State.FAILED


def test_disconnecting_drops_the_tokens_and_keeps_the_credentials(connect, owner, held) -> None:
    connected = connect(owner, held)
    done = badge_hosts.badge_host_disconnect(owner=owner, host=connected, now=NOW)

    assert done.revoked

    connected.refresh_from_db()
    assert connected.state == BadgeHost.State.DISCONNECTED
    assert connected.access_token_encrypted == connected.refresh_token_encrypted == ""
    assert connected.client_secret_encrypted == ""
    assert Credential.objects.filter(owner=owner).count() == 3
    assert badge_hosts.badge_host_sync(host_id=connected.pk, now=NOW) is None


def test_the_daily_beat_syncs_every_connected_host(connect, owner, held, issuer) -> None:
    connected = connect(owner, held)
    held.add(issuer.ob3(), at=NOW + timedelta(minutes=1))
    sync_badge_hosts.delay()

    assert SyncAttempt.objects.filter(host=connected).count() == 2
    assert Credential.objects.filter(owner=owner).count() == 4


def test_credentials_that_do_not_verify_are_kept_as_the_record_keeps_uploads(
    connect, owner, held, issuer
):
    held.credentials = [issuer.ob3("tampered")]
    connect(owner, held)

    assert Credential.objects.get(owner=owner).verdict != "verified"


# --- the pages ------------------------------------------------------------------------------


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_the_page_connects_and_the_callback_brings_them_in(
    owner, held, django_capture_on_commit_callbacks
) -> None:
    browser = signed_in(owner)
    answer = browser.post("/account/badge-platforms/", {"base_url": held.origin, "api": "ob"})
    assert answer.status_code == 302
    assert answer["Location"].startswith(f"{held.origin}/authorize?")

    back = held.approve(answer["Location"])
    with django_capture_on_commit_callbacks(execute=True):
        done = browser.get("/account/badge-platforms/callback/", back)

    assert done.status_code == 302
    page = browser.get("/account/badge-platforms/").content.decode()
    assert "Example University" in page
    assert "3 received: 3 new" in page


def test_the_page_shows_a_clear_error(owner, host) -> None:
    host.discovery_status = 500
    answer = signed_in(owner).post(
        "/account/badge-platforms/", {"base_url": host.origin, "api": "ob"}
    )

    assert answer.status_code == 400
    assert "does not offer the Open Badges 3.0 API" in answer.content.decode()


def test_a_stranger_cannot_sync_or_disconnect_my_connection(connect, owner, stranger, held) -> None:
    connected = connect(owner, held)
    browser = signed_in(stranger)

    assert browser.post(f"/account/badge-platforms/{connected.pk}/sync/").status_code == 404
    assert browser.post(f"/account/badge-platforms/{connected.pk}/disconnect/").status_code == 404
    connected.refresh_from_db()
    assert connected.state == BadgeHost.State.CONNECTED


def test_a_single_credential_object_instead_of_an_array_is_read(
    connect, owner, held, issuer
) -> None:
    held.credentials = [issuer.ob3()]
    held.bare_object = True
    connect(owner, held)

    assert json.loads(bytes(Credential.objects.get(owner=owner).original))["type"]


# --- disconnecting revokes at the host (RFC 7009) --------------------------------------------


def test_disconnecting_revokes_both_tokens_at_the_host_first(connect, owner, held) -> None:
    connected = connect(owner, held)
    (access,) = held.access_tokens
    (refresh,) = held.refresh_tokens
    (client_id,) = held.clients

    done = badge_hosts.badge_host_disconnect(owner=owner, host=connected, now=NOW)

    assert done.revoked and done.problem == ""
    assert held.revoked == [(refresh, "refresh_token"), (access, "access_token")]
    assert not held.access_tokens and not held.refresh_tokens
    assert ("POST", "/revoke") in held.requests
    event = AuditEvent.objects.get(user=owner, action="badge_host.disconnected")
    assert event.detail["revoked_at_host"] is True
    assert client_id == connected.client_id


@pytest.mark.parametrize(
    ("breakage", "reason"),
    [
        ({"revocation_status": 503}, "did not confirm the revocation"),
        ({"names_revocation_url": False}, "does not say where to revoke"),
        ({"discovery_status": 500}, "does not offer the Open Badges 3.0 API"),
    ],
)
def test_a_host_that_does_not_revoke_does_not_block_the_disconnect(
    connect, owner, held, breakage, reason
) -> None:
    connected = connect(owner, held)
    for name, value in breakage.items():
        setattr(held, name, value)

    done = badge_hosts.badge_host_disconnect(owner=owner, host=connected, now=NOW)

    assert not done.revoked
    assert reason in done.problem
    connected.refresh_from_db()
    assert connected.state == BadgeHost.State.DISCONNECTED
    assert connected.access_token_encrypted == connected.refresh_token_encrypted == ""
    event = AuditEvent.objects.get(user=owner, action="badge_host.disconnected")
    assert event.detail["revoked_at_host"] is False


def test_an_unreachable_host_does_not_block_the_disconnect(connect, owner, held, settings) -> None:
    connected = connect(owner, held)
    settings.SATCHEL_OUTBOUND_ALLOW = ()

    done = badge_hosts.badge_host_disconnect(owner=owner, host=connected, now=NOW)

    assert not done.revoked and "does not contact" in done.problem
    connected.refresh_from_db()
    assert connected.state == BadgeHost.State.DISCONNECTED


def test_the_page_says_whether_the_host_confirmed(connect, owner, held) -> None:
    connected = connect(owner, held)
    browser = signed_in(owner)

    page = browser.post(f"/account/badge-platforms/{connected.pk}/disconnect/", follow=True)

    assert "confirmed that Satchel&#x27;s access has ended" in page.content.decode()


def test_the_page_tells_the_learner_when_the_host_did_not_revoke(connect, owner, held) -> None:
    connected = connect(owner, held)
    held.revocation_status = 500
    browser = signed_in(owner)

    page = browser.post(f"/account/badge-platforms/{connected.pk}/disconnect/", follow=True)

    html = page.content.decode()
    assert "did not confirm that it ended Satchel&#x27;s access" in html
    assert "remove Satchel in the platform&#x27;s own settings" in html
    connected.refresh_from_db()
    assert connected.state == BadgeHost.State.DISCONNECTED
