"""Openings of links without a view limit are logged in batches: queued per process, written
together in one INSERT, and never lost by a process that ends cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sharing import access_log, hot_path
from sharing.models import ShareView
from sharing.services import share_create, share_log_access, share_take_view
from tests.sharing.conftest import SOON

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def batching(db, settings) -> Iterator[None]:
    settings.SATCHEL_SHARE_LOG_BATCH_MS = 60_000  # the writer thread never finds a batch due
    yield
    access_log.flush()


def _count_bulk_inserts(monkeypatch) -> list[int]:
    """The size of each bulk insert the access log sends (wallet.bulk.insert_rows)."""
    from wallet import bulk

    sizes: list[int] = []
    real = bulk.insert_rows

    def counting(model, rows, **kwargs):
        rows = list(rows)
        sizes.append(len(rows))
        return real(model, rows, **kwargs)

    monkeypatch.setattr(bulk, "insert_rows", counting)
    return sizes


def _count_copies(monkeypatch) -> list[int]:
    """How many COPY streams psycopg opens (PostgreSQL), as a one-item list."""
    counted = [0]
    if connection.vendor == "postgresql":
        import psycopg

        real_copy = psycopg.Cursor.copy

        def copy(self, *args, **kwargs):
            counted[0] += 1
            return real_copy(self, *args, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "copy", copy)
    return counted


def _open(client, token: str, address: str):
    return client.get(f"/s/{token}", HTTP_USER_AGENT="Firefox/126.0", REMOTE_ADDR=address)


def test_openings_are_queued_and_written_together_in_one_statement(
    batching, client, shared, monkeypatch
):
    share, token, _ = shared
    for n in range(5):
        assert _open(client, token, f"192.0.2.{n + 1}").status_code == 200
    assert ShareView.objects.count() == 0
    assert access_log.pending() == 5
    copies = _count_copies(monkeypatch)
    inserts = _count_bulk_inserts(monkeypatch)

    with CaptureQueriesContext(connection) as captured:
        assert access_log.flush() == 5

    # One bulk insert of the five rows, which the driver runs beside Django's query log
    # (wallet.bulk): a COPY on PostgreSQL, one prepared INSERT stepped per row on SQLite.
    assert inserts == [5]
    assert not any("INSERT" in q["sql"] for q in captured.captured_queries)
    if connection.vendor == "postgresql":
        assert copies == [1]

    rows = ShareView.objects.filter(share=share, kind="page")
    assert rows.count() == 5
    assert {(r.viewed_at, r.browser) for r in rows} == {(SOON, "Firefox")}
    assert access_log.pending() == 0


def test_a_batch_is_written_as_the_orm_would_write_each_row(batching, owner, shared):
    share, _, credentials = shared
    other, _ = share_create(
        owner=owner, audience="Other", credential_ids=[credentials[0].pk], now=SOON
    )
    later = SOON + timedelta(seconds=1, microseconds=250)
    share_log_access(share=share, user_agent="Firefox/126.0 (Windows)", client="a", now=SOON)
    share_log_access(
        share=other, user_agent="curl/8", client="a", now=later, kind=ShareView.Kind.ORIGINAL
    )

    assert access_log.flush() == 2

    rows = ShareView.objects.order_by("viewed_at")
    assert [(r.share_id, r.viewed_at, r.kind, r.browser, r.os) for r in rows] == [
        (share.pk, SOON, "page", "Firefox", "Windows"),
        (other.pk, later, "original", "curl", "Other"),
    ]


def test_a_batch_is_one_transaction(batching, shared, monkeypatch):
    share, _, _ = shared
    for n in range(3):
        share_log_access(share=share, user_agent="", client=f"c{n}", now=SOON)
    atomic_blocks = []
    real_atomic = hot_path.transaction.atomic

    def counted(*args, **kwargs):
        atomic_blocks.append(kwargs)
        return real_atomic(*args, **kwargs)

    monkeypatch.setattr(hot_path.transaction, "atomic", counted)

    assert access_log.flush() == 3

    # Outside a transaction SQLite would commit each row of the batch on its own.
    assert len(atomic_blocks) == 1
    assert ShareView.objects.filter(share=share).count() == 3


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
