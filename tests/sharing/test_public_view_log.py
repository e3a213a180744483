"""The access log: one row per client per window for what is not counted, every counted view
of a capped link, and nothing kept past its retention period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from sharing import tasks
from sharing.models import ShareLink, ShareView
from sharing.services import share_create, share_view_log_prune
from tests.sharing.conftest import SOON
from tests.support.issuer import NOW

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/126.0"


def _get(client, path: str, address: str = "198.51.100.7"):
    return client.get(path, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=address)


@pytest.fixture
def window(settings):
    settings.SATCHEL_SHARE_VIEW_WINDOW_SECONDS = 1800
    return timedelta(seconds=1800)


@pytest.mark.usefixtures("frozen")
def test_repeated_views_from_one_client_within_the_window_count_once(client, shared, window):
    share, token, _ = shared

    for _ in range(50):
        assert _get(client, f"/s/{token}").status_code == 200
        assert _get(client, f"/s/{token}/presentation").status_code == 200

    kinds = list(ShareView.objects.filter(share=share).values_list("kind", flat=True))
    assert sorted(kinds) == ["page", "presentation"]
    assert ShareLink.objects.get(pk=share.pk).view_count == 1


@pytest.mark.usefixtures("frozen")
def test_every_client_is_counted_and_no_address_is_stored(client, shared, window):
    from tests.sharing.conftest import database_text

    share, token, _ = shared

    for n in range(3):
        _get(client, f"/s/{token}", f"198.51.100.{n + 1}")

    assert ShareView.objects.filter(share=share, kind="page").count() == 3
    assert not any(f"198.51.100.{n + 1}" in database_text() for n in range(3))


def test_the_same_client_counts_again_in_the_next_window(client, shared, window):
    share, token, _ = shared
    seconds = int(window.total_seconds())
    start = datetime.fromtimestamp(int(SOON.timestamp()) // seconds * seconds, tz=UTC)
    for moment in (start, start + window - timedelta(seconds=1), start + window):
        with time_machine.travel(moment, tick=False):
            _get(client, f"/s/{token}")

    assert ShareLink.objects.get(pk=share.pk).view_count == 2


@pytest.mark.usefixtures("frozen")
def test_a_capped_link_logs_and_counts_every_view_even_from_one_client(
    client, owner, add, issuer, window
):
    credential = add(issuer.ob3())
    share, token = share_create(
        owner=owner, audience="Acme", credential_ids=[credential.pk], max_views=3, now=NOW
    )

    codes = [_get(client, f"/s/{token}").status_code for _ in range(4)]

    assert codes == [200, 200, 200, 410]
    share.refresh_from_db()
    assert share.counted_views == share.view_count == 3
    assert ShareView.objects.filter(share=share, kind="page").count() == 3


def _log(share: ShareLink, when, kind: str = ShareView.Kind.PAGE) -> ShareView:
    return ShareView.objects.create(share=share, viewed_at=when, kind=kind, browser="Firefox")


def test_the_log_keeps_rows_for_its_retention_period_only(shared, settings):
    settings.SATCHEL_SHARE_VIEW_RETENTION_DAYS = 90
    share, _, _ = shared
    now = NOW + timedelta(days=200)
    old = [_log(share, now - timedelta(days=91)), _log(share, now - timedelta(days=120))]
    _log(share, now - timedelta(days=91), ShareView.Kind.PRESENTATION)
    recent = _log(share, now - timedelta(days=89))

    removed = share_view_log_prune(now=now)

    assert removed == 3
    assert list(ShareView.objects.filter(share=share)) == [recent]
    # The earner still sees how often the link was opened, and when it was last opened.
    share = ShareLink.objects.get(pk=share.pk)
    assert share.view_count == 3
    assert share.last_viewed_at == recent.viewed_at
    assert max(v.viewed_at for v in old) == share.last_counted_at


def test_pruning_twice_removes_and_counts_nothing_more(shared, settings):
    settings.SATCHEL_SHARE_VIEW_RETENTION_DAYS = 90
    share, _, _ = shared
    now = NOW + timedelta(days=200)
    _log(share, now - timedelta(days=100))

    assert share_view_log_prune(now=now) == 1
    assert share_view_log_prune(now=now) == 0

    share = ShareLink.objects.get(pk=share.pk)
    assert (share.view_count, share.last_viewed_at) == (1, now - timedelta(days=100))


def test_pruning_a_capped_links_log_leaves_its_count_alone(owner, add, issuer, settings):
    settings.SATCHEL_SHARE_VIEW_RETENTION_DAYS = 30
    credential = add(issuer.ob3())
    share, _ = share_create(
        owner=owner, audience="Acme", credential_ids=[credential.pk], max_views=5, now=NOW
    )
    ShareLink.objects.filter(pk=share.pk).update(counted_views=2, last_counted_at=NOW)
    _log(share, NOW)
    _log(share, NOW)

    share_view_log_prune(now=NOW + timedelta(days=31))

    share = ShareLink.objects.get(pk=share.pk)
    assert (share.counted_views, share.views_left) == (2, 3)
    assert not ShareView.objects.filter(share=share).exists()


def test_the_beat_schedule_prunes_the_log_every_day(shared, settings):
    settings.SATCHEL_SHARE_VIEW_RETENTION_DAYS = 1
    share, _, _ = shared
    _log(share, NOW - timedelta(days=2))

    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].startswith("sharing.")
    )
    assert entry["task"] == "sharing.tasks.prune_view_log"
    assert entry["schedule"] == timedelta(hours=24)
    with time_machine.travel(NOW, tick=False):
        assert tasks.prune_view_log.delay().get() == 1


def test_the_earner_is_told_how_the_log_counts_and_how_long_it_keeps(client, owner, shared):
    share, _, _ = shared
    client.force_login(owner)

    page = client.get(f"/shares/{share.pk}/").content.decode()

    assert "within 30 minutes are listed once" in page
    assert "kept for 180 days" in page


def test_the_api_counts_openings_the_log_no_longer_holds(owner, shared, settings):
    from rest_framework.test import APIClient

    settings.SATCHEL_SHARE_VIEW_RETENTION_DAYS = 90
    share, _, _ = shared
    now = NOW + timedelta(days=200)
    _log(share, now - timedelta(days=100))
    _log(share, now - timedelta(days=1))
    share_view_log_prune(now=now)
    api = APIClient()
    api.force_authenticate(owner)

    detail = api.get(f"/api/shares/{share.pk}/").json()
    log = api.get(f"/api/shares/{share.pk}/views/").json()

    assert detail["view_count"] == 2
    assert len(log) == 1
