"""An employer's GET is quiet: it renders what is stored, fetches nothing and makes no keys.
A verdict found stale is checked again by a worker, queued once the view is recorded."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client

from accounts.models import HolderKey
from sharing.selectors import credential_handle
from sharing.services import share_create
from tests.sharing.conftest import SOON, make_user
from tests.support.issuer import NOW
from wallet.models import Credential, VerificationRun
from wallet.services import reverify
from wallet.verification.fetch import FetchResult

pytestmark = pytest.mark.usefixtures("frozen")


class _DoorThatFailsTheTest:
    """The outbound door for these tests: any fetch is a failure (and is remembered, should
    a caller swallow the exception)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def fetch(self, url: str, *, accept: str = "application/json") -> FetchResult:
        self.asked.append(url)
        raise AssertionError(f"a public GET fetched {url}")


@pytest.fixture
def door(app_fetcher, issuer) -> _DoorThatFailsTheTest:
    closed = _DoorThatFailsTheTest()
    app_fetcher(lambda: closed)
    return closed


def _stale(credentials: list[Credential]) -> None:
    Credential.objects.filter(pk__in=[c.pk for c in credentials]).update(
        checked_at=NOW - timedelta(days=2)
    )


def test_a_stale_page_is_shown_from_what_is_stored_and_fetches_nothing(
    shared, door, django_capture_on_commit_callbacks
):
    _, token, credentials = shared
    _stale(credentials)
    Credential.objects.filter(pk=credentials[0].pk).update(verdict="revoked")
    runs = VerificationRun.objects.count()

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = Client().get(f"/s/{token}")

    assert response.status_code == 200
    assert "The issuer has withdrawn" in response.content.decode()  # the stored verdict
    assert door.asked == []
    assert VerificationRun.objects.count() == runs
    assert set(Credential.objects.values_list("checked_at", flat=True)) == {NOW - timedelta(days=2)}
    # One re-check per stale credential, sent once the view is recorded.
    assert len(queued) == len(credentials)


def test_views_in_quick_succession_queue_one_re_check(
    shared, door, django_capture_on_commit_callbacks
):
    _, token, credentials = shared
    _stale(credentials[:1])

    with django_capture_on_commit_callbacks(execute=False) as queued:
        for _ in range(3):
            assert Client().get(f"/s/{token}").status_code == 200

    assert len(queued) == 1
    assert door.asked == []


def test_a_public_get_makes_no_holder_key(add, issuer, door):
    keyless = make_user("keyless@example.org")
    credential = add(issuer.ob3(), user=keyless)
    _share, token = share_create(
        owner=keyless, audience="Acme", credential_ids=[credential.pk], now=NOW
    )
    handle = credential_handle(credential)

    for path in (f"/s/{token}", f"/s/{token}/credentials/{handle}"):
        assert Client().get(path).status_code == 200

    assert not HolderKey.objects.filter(user=keyless).exists()
    assert door.asked == []


def test_presenting_is_signing_and_makes_the_key_it_signs_with(add, issuer):
    keyless = make_user("keyless@example.org")
    credential = add(issuer.ob3(), user=keyless)
    _share, token = share_create(
        owner=keyless, audience="Acme", credential_ids=[credential.pk], now=NOW
    )

    presentation = json.loads(Client().get(f"/s/{token}/presentation").content)

    key = HolderKey.objects.get(user=keyless)
    assert presentation["holder"] == key.did


def test_a_queued_re_check_of_a_credential_gone_to_the_trash_does_nothing(shared):
    _, _, credentials = shared
    Credential.objects.filter(pk=credentials[0].pk).update(deleted_at=NOW)

    assert reverify.credential_recheck(credential_id=credentials[0].pk, now=SOON) is None
    assert reverify.credential_recheck(credential_id=10**9, now=SOON) is None


def test_a_queued_re_check_that_fails_leaves_the_stored_verdict(shared, monkeypatch):
    _, _, credentials = shared

    def broken(**kwargs):
        raise RuntimeError("the verifier broke")

    monkeypatch.setattr(reverify, "credential_reverify", broken)

    assert reverify.credential_recheck(credential_id=credentials[0].pk, now=SOON) is None
    credentials[0].refresh_from_db()
    assert credentials[0].verdict == "verified"


def test_a_view_of_a_page_queued_already_asks_the_cache_once_not_once_per_credential(
    shared, door, monkeypatch
):
    _, token, credentials = shared
    _stale(credentials)
    assert Client().get(f"/s/{token}").status_code == 200  # queues every re-check

    adds: list[str] = []
    real_add = reverify.cache.add
    monkeypatch.setattr(
        reverify.cache, "add", lambda key, *a, **k: adds.append(key) or real_add(key, *a, **k)
    )
    assert Client().get(f"/s/{token}").status_code == 200

    # One get_many found every credential queued: no add per credential.
    assert [key for key in adds if key.startswith("wallet:recheck:")] == []
