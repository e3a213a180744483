"""The statements every opening of a share link runs, as fixed SQL.

The employer's page is the one unauthenticated door that takes real traffic. Through the ORM,
compiling these statements cost more than running them: about 0.8 ms per query on the
benchmark machine against 0.04 ms of database work for a lookup by a unique index, and one
more round trip to PostgreSQL for the credentials' versions. Here the statements are built
once per database from the models' metadata, so they follow the schema (config.rawsql);
values read go through the converters the ORM itself applies and values written through the
fields' own preparation, so callers see ordinary model instances.

The part of the lookup that reads the record's tables is the wallet's
(`wallet.selectors.shown_versions_join`); this module joins it to the link's own tables.
Only these statements are written this way; everything else stays on the ORM.

On PostgreSQL two more things (docs/decisions/0019-share-page-access-log.md):
- the lookup is a prepared statement, made once per connection: planning the joins cost the
  server several times what running them does (about 0.22 ms against 0.06 ms);
- an access-log row of a link without a view limit is committed asynchronously
  (`SET LOCAL synchronous_commit TO OFF`, for that one statement's transaction, sent with it
  in one round trip): the request no longer waits for the write-ahead log to reach the disk.
  Nothing is held back in the app: the row is in the database when the page is sent, a
  clean shutdown of the server writes it out, and only a crash of the database server
  itself can lose the last fraction of a second of such rows. A view taken from a link
  with a view limit, which counts against the limit, is committed as usual.
"""

from __future__ import annotations

import copy
import hashlib
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field

from config import rawsql
from sharing.models import ShareItem, ShareLink, ShareView
from wallet import bulk
from wallet.selectors import VERSION_FIELDS, shown_versions, shown_versions_join


def _view_fields() -> list[Field]:
    """The columns a view inserts: all but its pk, in the model's order."""
    return [f for f in ShareView._meta.concrete_fields if not f.primary_key]


@dataclass(frozen=True)
class _Statements:
    share_by_hash: str
    share_attnames: list[str]
    share_converters: rawsql.Converters
    view_insert: str
    # PostgreSQL: the lookup's prepared statement (name, PREPARE, EXECUTE), else empty.
    prepared_name: str = ""
    prepare: str = ""
    execute_prepared: str = ""


_statements: dict[str, _Statements] = {}
# The database connections (the driver's, which a reconnection replaces) on which the lookup
# has been prepared. Weak: a closed connection drops out with its prepared statements.
_prepared_on: weakref.WeakSet[Any] = weakref.WeakSet()
ASYNCHRONOUS_COMMIT = "SET LOCAL synchronous_commit TO OFF; "


def _share_by_hash(alias: str, share_fields: list[Field]) -> str:
    """The link in one row, and one row more for each live credential it shows.

    A link shows either its own items or, when it follows a collection, the owner's
    credentials in that collection; each join is switched on by the link's own flag.
    The link's columns are read once, not on every credential's row: the driver parses
    each datetime it returns, and ten copies of the link's dates cost more than the rest.
    """
    quote = connections[alias].ops.quote_name
    link, item = ShareLink._meta, ShareItem._meta

    def column(alias_: str, meta: Any, name: str) -> str:
        return f"{alias_}.{quote(meta.get_field(name).column)}"

    follows = column("s", link, "follow_collection")
    shown, version_columns = shown_versions_join(
        alias,
        credential_id=column("i", item, "credential"),
        collection_id=column("s", link, "collection"),
        owner_id=column("s", link, "owner"),
        follows=follows,
    )
    source = (
        f"{quote(link.db_table)} s "
        f"LEFT JOIN {quote(item.db_table)} i ON {column('i', item, 'share')} = "
        f"{column('s', link, 'id')} AND NOT {follows} {shown}"
    )
    # A named parameter, given once: Django's SQLite cursor turns each positional `%s` into
    # `?` with a regular expression over the whole statement (about 13 µs on this one, a
    # fifth of the lookup), a mapping with one %-format.
    by_hash = f"{column('s', link, 'token_hash')} = %(digest)s"
    share_columns = [rawsql.column(alias, f, f"s.{quote(f.column)}") for f in share_fields]
    link_row = rawsql.select(
        ", ".join(share_columns + ["NULL"] * len(version_columns)),
        f"{quote(link.db_table)} s",
        by_hash,
    )
    version_rows = rawsql.select(
        ", ".join(["NULL"] * len(share_columns) + version_columns), source, by_hash
    )
    return f"{link_row} UNION ALL {version_rows}"


def _build(alias: str) -> _Statements:
    quote = connections[alias].ops.quote_name
    share_fields = list(ShareLink._meta.concrete_fields)
    view = ShareView._meta
    view_fields = _view_fields()
    view_columns = ", ".join(quote(f.column) for f in view_fields)
    placeholders = ", ".join(["%s"] * len(view_fields))
    by_hash = _share_by_hash(alias, share_fields)
    prepared: dict[str, str] = {}
    if connections[alias].vendor == "postgresql":
        # Named after the statement itself: a new schema (a new statement) gets a new name.
        name = "satchel_share_by_hash_" + hashlib.sha256(by_hash.encode()).hexdigest()[:12]
        prepared = {
            "prepared_name": name,
            "prepare": f"PREPARE {name}(varchar) AS {by_hash.replace('%(digest)s', '$1')}",
            "execute_prepared": f"EXECUTE {name}(%s)",
        }
    return _Statements(
        share_by_hash=by_hash,
        share_attnames=[f.attname for f in share_fields],
        share_converters=rawsql.converters(alias, share_fields),
        view_insert=rawsql.insert(
            quote(view.db_table), view_columns, placeholders, quote(view.pk.column)
        ),
        **prepared,
    )


def _statements_for(alias: str) -> _Statements:
    if alias not in _statements:
        _statements[alias] = _build(alias)
    return _statements[alias]


def share_by_hash(digest: str) -> ShareLink | None:
    """The link whose token hashes to `digest`, or None, in one statement.

    The link carries `shown_versions`: (pk, verdict, checked_at, updated_at) of each live
    credential it shows (`wallet.selectors.VERSION_FIELDS`), in pk order, read in the same
    statement.
    """
    alias = router.db_for_read(ShareLink)
    statements = _statements_for(alias)
    connection = connections[alias]
    with connection.cursor() as cursor:
        if statements.prepared_name:
            _prepare_lookup(connection, cursor, statements)
            cursor.execute(statements.execute_prepared, [digest])
        else:
            cursor.execute(statements.share_by_hash, {"digest": digest})
        rows = cursor.fetchall()
    count = len(statements.share_attnames)
    # The link's row is the one whose own columns are set (the pk is never NULL).
    links = [row for row in rows if row[0] is not None]
    if not links:
        return None
    values = [
        copy.deepcopy(v) if isinstance(v, dict | list) else v
        for v in _converted_link(alias, tuple(links[0][:count]))
    ]
    share = ShareLink.from_db(alias, statements.share_attnames, values)
    share.shown_versions = shown_versions(
        alias, [row[count : count + len(VERSION_FIELDS)] for row in rows if row[0] is None]
    )
    return share


def views_insert(views: Sequence[ShareView]) -> None:
    """Insert unsaved ShareViews of links without a view limit, in one transaction, as
    `ShareView.objects.bulk_create` would, but through `wallet.bulk.insert_rows`: COPY on
    PostgreSQL, on SQLite one prepared INSERT stepped for each row, without the ORM's
    compiling of every value of every row (about 35 µs a row, against a few for the rest).
    Their pks are not read back."""
    if not views:
        return
    alias = router.db_for_write(ShareView)
    rows = [
        {
            "share": v.share_id,
            "viewed_at": v.viewed_at,
            "kind": v.kind,
            "browser": v.browser,
            "os": v.os,
        }
        for v in views
    ]
    # One transaction: SQLite would otherwise commit each INSERT of a long batch on its own.
    with transaction.atomic(using=alias, savepoint=False):
        bulk.insert_rows(ShareView, rows, using=alias)


@lru_cache(maxsize=256)
def _converted_link(alias: str, row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The link's row as the ORM gives it, converted once per distinct raw row: the same
    link is opened again and again, unchanged. Keyed by every column read, so any change to
    the link is a new row; a JSON value is copied out for each caller (see above)."""
    return tuple(rawsql.convert(alias, row, _statements_for(alias).share_converters))


def _prepare_lookup(connection: BaseDatabaseWrapper, cursor: Any, statements: _Statements) -> None:
    """PREPARE the lookup on this connection unless it already is. A prepared statement
    outlives a rolled-back transaction and ends with its connection."""
    driver = connection.connection
    if driver in _prepared_on:
        return
    cursor.execute(statements.prepare)
    _prepared_on.add(driver)


def view_insert(
    *,
    share: ShareLink,
    viewed_at: datetime,
    kind: str,
    browser: str,
    os: str,
    asynchronous: bool = False,
) -> ShareView:
    """Insert a ShareView as `ShareView.objects.create(...)` would, and return it as the ORM
    knows a saved row (built by `Model.from_db`: its pk, its database, its link).

    `asynchronous`: on PostgreSQL, outside a transaction, commit without waiting for the
    write-ahead log to reach the disk (see the module's docstring). Inside a transaction the
    caller's commit decides, as it does on other databases.
    """
    alias = router.db_for_write(ShareView)
    connection = connections[alias]
    statements = _statements_for(alias)
    given = {"share": share.pk, "viewed_at": viewed_at, "kind": kind, "browser": browser, "os": os}
    fields = _view_fields()
    values = [f.get_db_prep_save(given[f.name], connection) for f in fields]
    asynchronous = (
        asynchronous and connection.vendor == "postgresql" and not connection.in_atomic_block
    )
    with connection.cursor() as cursor:
        if asynchronous:
            # Both statements in one message: PostgreSQL runs them as one transaction, the
            # setting lasts for it alone, and the row's id is the second statement's result.
            cursor.execute(ASYNCHRONOUS_COMMIT + statements.view_insert, values)
            cursor.nextset()
        else:
            cursor.execute(statements.view_insert, values)
        pk = cursor.fetchone()[0]
    by_attname = {f.attname: given[f.name] for f in fields} | {ShareView._meta.pk.attname: pk}
    concrete = ShareView._meta.concrete_fields
    view = ShareView.from_db(
        alias, [f.attname for f in concrete], [by_attname[f.attname] for f in concrete]
    )
    view.share = share  # the link in hand, not read again
    return view
