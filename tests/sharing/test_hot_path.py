"""The employer's hot path: what one opening of a link costs, and that its fixed SQL reads and
writes exactly what the ORM would."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sharing import hot_path, selectors
from sharing.models import ShareLink, ShareView
from sharing.services import share_create, share_log_access, share_take_view
from tests.sharing.conftest import SOON, make_user
from tests.support.issuer import NOW
from wallet.models import Credential
from wallet.services import organise
from wallet.services.trash import credential_delete

pytestmark = pytest.mark.usefixtures("frozen")


def _open(client, token: str, address: str = "192.0.2.4"):
    return client.get(f"/s/{token}", HTTP_USER_AGENT="Firefox/126.0", REMOTE_ADDR=address)


def _by_token(token: str) -> ShareLink | None:
    return hot_path.share_by_hash(hashlib.sha256(token.encode()).hexdigest())


def test_opening_a_link_costs_one_select_and_one_insert(client, shared, django_assert_num_queries):
    _, token, _ = shared
    assert _open(client, token).status_code == 200  # renders the page once

    with django_assert_num_queries(2):
        response = _open(client, token, "192.0.2.5")

    assert response.status_code == 200
    assert "Test Achievement" in response.content.decode()


def test_a_client_opening_a_link_again_costs_one_select(client, shared, django_assert_num_queries):
    _, token, _ = shared
    assert _open(client, token).status_code == 200

    with django_assert_num_queries(1):
        response = _open(client, token)

    assert response.status_code == 200
    assert "Test Achievement" in response.content.decode()


def test_a_limited_link_takes_its_view_in_one_conditional_update(
    client, owner, add, issuer, django_assert_max_num_queries
):
    credential = add(issuer.ob3())
    share, token = share_create(
        owner=owner, audience="Acme", credential_ids=[credential.pk], max_views=5, now=NOW
    )
    assert _open(client, token).status_code == 200

    # SELECT, then BEGIN, UPDATE ... WHERE counted_views < max_views, INSERT, COMMIT.
    with django_assert_max_num_queries(5):
        assert _open(client, token).status_code == 200

    share.refresh_from_db()
    assert (share.counted_views, share.view_count, share.views_left) == (2, 2, 3)
    assert share.last_viewed_at == SOON


def test_an_unlimited_link_is_counted_from_its_access_log_alone(client, shared, owner):
    share, token, _ = shared
    for n in range(3):
        _open(client, token, f"192.0.2.{n + 10}")
    client.get(f"/s/{token}/presentation")

    share.refresh_from_db()
    assert share.counted_views == 0 and share.last_counted_at is None
    assert share.view_count == 3
    assert share.last_viewed_at == SOON
    listed = selectors.share_list(owner=owner).get(pk=share.pk)
    assert (listed.view_count, listed.last_viewed_at) == (3, SOON)
    accessed = selectors.access_share(owner=owner, share_id=share.pk)
    assert (accessed.view_count, accessed.last_viewed_at) == (3, SOON)


def test_the_earners_list_counts_views_without_a_query_per_link(
    owner, shared, django_assert_num_queries
):
    share, _, credentials = shared
    share_create(owner=owner, audience="Other", credential_ids=[credentials[0].pk], now=NOW)
    share_log_access(share=share, user_agent="", client="a", now=SOON)

    with django_assert_num_queries(1):
        counts = {s.audience: s.view_count for s in selectors.share_list(owner=owner)}

    assert counts == {"Acme Corp, data analyst application": 1, "Other": 0}


def test_a_never_opened_link_has_no_last_view(shared):
    share, _, _ = shared

    assert (share.view_count, share.last_viewed_at) == (0, None)


def test_the_link_read_by_token_is_the_link_the_orm_reads(shared):
    share, token, _ = shared

    found = _by_token(token)

    expected = ShareLink.objects.get(pk=share.pk)
    for field in ShareLink._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert found.follow_collection is False
    assert found.expires_at.tzinfo is not None


def test_the_links_and_its_credentials_times_come_back_to_the_microsecond(shared):
    share, token, credentials = shared
    ends = datetime(2031, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    checked = datetime(1969, 7, 20, 20, 17, 40, 1, tzinfo=UTC)  # before the epoch, too
    ShareLink.objects.filter(pk=share.pk).update(expires_at=ends)
    Credential.objects.filter(pk=credentials[0].pk).update(checked_at=checked)

    found = _by_token(token)

    assert found.expires_at == ends and found.expires_at.utcoffset() == timedelta(0)
    assert found.shown_versions == selectors.share_versions(share=share)
    assert (credentials[0].pk, checked) in {(v[0], v[2]) for v in found.shown_versions}


def test_a_link_changed_since_the_last_lookup_is_read_as_it_is_now(shared):
    share, token, _ = shared
    assert _by_token(token).display_name == share.display_name  # converted and kept

    ShareLink.objects.filter(pk=share.pk).update(display_name="Dana L.", revoked_at=SOON)

    found = _by_token(token)
    assert (found.display_name, found.revoked_at) == ("Dana L.", SOON)


def test_each_lookup_gets_its_own_copy_of_a_json_value(shared):
    _, token, _ = shared
    first = _by_token(token)
    first.resume["name"] = "changed in one request"

    assert "name" not in _by_token(token).resume


def test_the_lookup_reads_times_as_numbers_on_postgresql(shared):
    """psycopg's timestamp loader, as Django installs it, parses each one's text in Python:
    the lookup reads whole microseconds since the epoch instead, and turns them back."""
    statement = hot_path._statements_for(connection.alias).share_by_hash

    reads_numbers = "EXTRACT(EPOCH FROM" in statement
    assert reads_numbers == (connection.vendor == "postgresql")


def test_an_unknown_token_reads_no_link(db):
    assert _by_token("no-such-token") is None


def test_the_versions_read_with_the_link_leave_out_trashed_credentials(shared):
    share, token, credentials = shared
    credential_delete(credential=credentials[1], now=SOON)

    versions = _by_token(token).shown_versions

    assert versions == selectors.share_versions(share=share)
    assert [v[0] for v in versions] == sorted(c.pk for i, c in enumerate(credentials) if i != 1)


def test_a_followed_collection_is_read_as_it_is_now(owner, add, issuer):
    first, later, elsewhere = add(issuer.ob3()), add(issuer.ob3_jwt()), add(issuer.ob3())
    collection = organise.collection_create(owner=owner, name="Data", now=NOW)
    organise.collection_add(collection=collection, credential=first)
    share, token = share_create(
        owner=owner, audience="Acme", collection_id=collection.pk, follow_collection=True, now=NOW
    )
    organise.collection_add(collection=collection, credential=later)

    versions = _by_token(token).shown_versions

    assert [v[0] for v in versions] == sorted([first.pk, later.pk])
    assert elsewhere.pk not in [v[0] for v in versions]
    assert versions == selectors.share_versions(share=share)


def test_a_followed_collection_that_was_deleted_shows_nothing(owner, add, issuer):
    credential = add(issuer.ob3())
    collection = organise.collection_create(owner=owner, name="Gone", now=NOW)
    organise.collection_add(collection=collection, credential=credential)
    _, token = share_create(
        owner=owner, audience="Acme", collection_id=collection.pk, follow_collection=True, now=NOW
    )
    organise.collection_delete(collection=collection, now=NOW)

    assert _by_token(token).shown_versions == []


def test_a_frozen_collection_link_ignores_later_changes_to_the_collection(owner, add, issuer):
    first, later = add(issuer.ob3()), add(issuer.ob3_jwt())
    collection = organise.collection_create(owner=owner, name="Data", now=NOW)
    organise.collection_add(collection=collection, credential=first)
    _, token = share_create(owner=owner, audience="Acme", collection_id=collection.pk, now=NOW)
    organise.collection_add(collection=collection, credential=later)

    assert [v[0] for v in _by_token(token).shown_versions] == [first.pk]


def test_a_credential_in_someone_elses_copy_of_a_collection_is_not_shown(owner, add, issuer):
    mine, theirs = add(issuer.ob3()), add(issuer.ob3_jwt(), user=make_user("x@example.org"))
    collection = organise.collection_create(owner=owner, name="Data", now=NOW)
    organise.collection_add(collection=collection, credential=mine)
    collection.credentials.add(theirs)  # only possible by hand: the service refuses it
    _, token = share_create(
        owner=owner, audience="Acme", collection_id=collection.pk, follow_collection=True, now=NOW
    )

    assert [v[0] for v in _by_token(token).shown_versions] == [mine.pk]


def test_a_view_is_written_as_the_orm_would_write_it(shared):
    share, _, _ = shared

    view = share_log_access(
        share=share, user_agent="Mozilla/5.0 (X11; Linux) Firefox/126.0", client="a"
    )

    stored = ShareView.objects.get()
    assert view.pk == stored.pk
    assert (view.share, view.viewed_at, view.kind) == (share, SOON, "page")
    # Known to the ORM as a saved row of this database, as after view.save().
    assert (view._state.adding, view._state.db) == (False, "default")
    assert (stored.viewed_at, stored.kind, stored.browser, stored.os) == (
        SOON,
        "page",
        "Firefox",
        "Linux",
    )


def test_a_page_changed_by_a_new_verdict_is_rendered_again(client, shared):
    _, token, credentials = shared
    _open(client, token)
    credentials[0].verdict = "revoked"
    credentials[0].checked_at = SOON
    credentials[0].save(update_fields=["verdict", "checked_at"])

    page = _open(client, token).content.decode()

    assert "The issuer has withdrawn this credential." in page


def _statements_run(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries]


def test_the_lookup_is_a_statement_prepared_once_per_connection_on_postgresql(client, shared):
    _, token, _ = shared
    assert _open(client, token).status_code == 200

    with CaptureQueriesContext(connection) as captured:
        assert _open(client, token, "192.0.2.6").status_code == 200

    lookup = _statements_run(captured)[0]
    if connection.vendor == "postgresql":
        # Planned once when prepared, not again on every opening of every link.
        assert lookup.startswith("EXECUTE satchel_share_by_hash_")
        name = lookup.split()[1].split("(")[0]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [name])
            assert cursor.fetchone() == (1,)
    else:
        assert lookup.startswith("SELECT") and "token_hash" in lookup


def test_a_connection_made_anew_prepares_the_lookup_again(transactional_db, client, shared):
    share, token, _ = shared
    assert _open(client, token).status_code == 200
    connection.close()  # as when the server ended it, or CONN_MAX_AGE ran out

    found = _by_token(token)

    assert found is not None and found.pk == share.pk


def test_an_access_log_row_is_committed_without_waiting_for_the_disk_on_postgresql(
    transactional_db, shared
):
    share, _, _ = shared

    with CaptureQueriesContext(connection) as captured:
        view = share_log_access(share=share, user_agent="Firefox/126.0", client="a", now=SOON)

    insert = _statements_run(captured)[-1]
    stored = ShareView.objects.get()
    assert (view.pk, stored.kind, stored.browser) == (stored.pk, "page", "Firefox")
    if connection.vendor == "postgresql":
        assert insert.startswith("SET LOCAL synchronous_commit TO OFF; INSERT")
        with connection.cursor() as cursor:  # for that statement alone, not the connection
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone() == ("on",)
    else:
        assert insert.startswith("INSERT")


def test_a_view_that_counts_against_a_limit_is_committed_as_usual(
    transactional_db, owner, add, issuer
):
    credential = add(issuer.ob3())
    share, _ = share_create(
        owner=owner, audience="Acme", credential_ids=[credential.pk], max_views=3, now=NOW
    )

    with CaptureQueriesContext(connection) as captured:
        assert share_take_view(share=share, user_agent="", now=SOON) is not None

    assert not any("synchronous_commit" in sql for sql in _statements_run(captured))
    assert ShareView.objects.filter(share=share).count() == 1
