"""Openings of links without a view limit are logged in batches: queued per process, written
together in one INSERT, and never lost by a process that ends cleanly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sharing import access_log
from sharing.models import ShareView
from sharing.services import share_create, share_log_access, share_take_view
from tests.sharing.conftest import SOON

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def batching(db, settings) -> Iterator[None]:
    settings.SATCHEL_SHARE_LOG_BATCH_MS = 60_000  # the writer thread never finds a batch due
    yield
    access_log.flush()


def _open(client, token: str, address: str):
    return client.get(f"/s/{token}", HTTP_USER_AGENT="Firefox/126.0", REMOTE_ADDR=address)


def test_openings_are_queued_and_written_together_in_one_insert(
    batching, client, shared, django_assert_num_queries
):
    share, token, _ = shared
    for n in range(5):
        assert _open(client, token, f"192.0.2.{n + 1}").status_code == 200

    assert ShareView.objects.count() == 0
    assert access_log.pending() == 5
    with django_assert_num_queries(1):
        assert access_log.flush() == 5

    rows = ShareView.objects.filter(share=share, kind="page")
    assert rows.count() == 5
    assert {(r.viewed_at, r.browser) for r in rows} == {(SOON, "Firefox")}
    assert access_log.pending() == 0


def test_a_full_batch_is_written_at_once(batching, shared, monkeypatch):
    share, _, _ = shared
    monkeypatch.setattr(access_log, "MAX_BATCH", 3)

    for n in range(3):
        share_log_access(share=share, user_agent="", client=f"c{n}", now=SOON)

    assert ShareView.objects.filter(share=share).count() == 3
    assert access_log.pending() == 0


def test_what_is_queued_when_the_process_ends_is_written(batching, shared):
    share, _, _ = shared
    share_log_access(share=share, user_agent="", client="a", now=SOON)
    share_log_access(share=share, user_agent="", client="b", now=SOON)

    access_log._flush_at_exit()  # what atexit runs as the process ends cleanly

    assert ShareView.objects.filter(share=share).count() == 2


def test_a_view_that_counts_against_a_limit_is_never_queued(batching, owner, add, issuer):
    credential = add(issuer.ob3())
    share, _ = share_create(
        owner=owner, audience="Acme", credential_ids=[credential.pk], max_views=2, now=SOON
    )

    view = share_take_view(share=share, user_agent="", now=SOON)

    assert view is not None and view.pk is not None
    assert ShareView.objects.filter(share=share).count() == 1
    assert access_log.pending() == 0


def test_a_repeat_by_the_same_client_is_not_queued_twice(batching, shared):
    share, _, _ = shared

    first = share_log_access(share=share, user_agent="", client="a", now=SOON)
    again = share_log_access(share=share, user_agent="", client="a", now=SOON)

    assert first is not None and again is None
    assert access_log.pending() == 1


def test_without_batching_each_row_is_written_at_once(shared):
    share, _, _ = shared

    view = share_log_access(share=share, user_agent="", client="a", now=SOON)

    assert view is not None and view.pk == ShareView.objects.get(share=share).pk
