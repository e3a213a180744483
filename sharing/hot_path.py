"""The statements every opening of a share link runs, as fixed SQL.

The employer's page is the one unauthenticated door that takes real traffic. Through the ORM,
compiling these statements cost more than running them: about 0.8 ms per query on the
benchmark machine against 0.04 ms of database work for a lookup by a unique index, and one
more round trip to PostgreSQL for the credentials' versions. Here the statements are built
once per database from the models' metadata, so they follow the schema; values read go
through the converters the ORM itself applies (aware datetimes, booleans) and values written
through the fields' own preparation, so callers see ordinary model instances.

Only these statements are written this way; everything else stays on the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import connections, router
from django.db.models import Field

from sharing.models import ShareItem, ShareLink, ShareView
from wallet.models import Credential

VERSION_FIELDS = ("id", "verdict", "checked_at", "updated_at")
_VIEW_FIELDS = ("share", "viewed_at", "kind", "browser", "os")

# (position in the row, the column's expression, the functions that convert its value)
_Converters = list[tuple[int, Any, list[Callable[..., Any]]]]


@dataclass(frozen=True)
class _Statements:
    share_by_hash: str
    share_attnames: list[str]
    share_converters: _Converters
    version_converters: _Converters
    view_insert: str


_statements: dict[str, _Statements] = {}


def _converters(alias: str, fields: Sequence[Field]) -> _Converters:
    connection = connections[alias]
    found = []
    for index, field in enumerate(fields):
        column = field.get_col(field.model._meta.db_table)
        functions = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if functions:
            found.append((index, column, functions))
    return found


def _select(columns: str, source: str, where: str) -> str:
    # Every name is quoted from the models' metadata; every value is a query parameter.
    return f"SELECT {columns} FROM {source} WHERE {where}"  # noqa: S608


def _insert(table: str, columns: str, placeholders: str, returning: str) -> str:
    # As in _select: quoted names, parameters for values.
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING {returning}"  # noqa: S608


def _share_by_hash(alias: str, share_fields: list[Field], version_fields: list[Field]) -> str:
    """The link in one row, and one row more for each live credential it shows.

    A link shows either its own items or, when it follows a collection, the owner's
    credentials in that collection; each join is switched on by the link's own flag.
    The link's columns are read once, not on every credential's row: the driver parses
    each datetime it returns, and ten copies of the link's dates cost more than the rest.
    """
    quote = connections[alias].ops.quote_name
    link, item, credential = ShareLink._meta, ShareItem._meta, Credential._meta
    membership = credential.get_field("collections")

    def column(alias_: str, meta: Any, name: str) -> str:
        return f"{alias_}.{quote(meta.get_field(name).column)}"

    follows = column("s", link, "follow_collection")
    source = (
        f"{quote(link.db_table)} s "
        f"LEFT JOIN {quote(item.db_table)} i ON {column('i', item, 'share')} = "
        f"{column('s', link, 'id')} AND NOT {follows} "
        f"LEFT JOIN {quote(membership.m2m_db_table())} m "
        f"ON m.{quote(membership.m2m_reverse_name())} = {column('s', link, 'collection')} "
        f"AND {follows} "
        f"JOIN {quote(credential.db_table)} c ON {column('c', credential, 'id')} = "
        f"COALESCE({column('i', item, 'credential')}, m.{quote(membership.m2m_column_name())}) "
        f"AND {column('c', credential, 'deleted_at')} IS NULL "
        f"AND (NOT {follows} OR {column('c', credential, 'owner')} = {column('s', link, 'owner')})"
    )
    by_hash = f"{column('s', link, 'token_hash')} = %s"
    share_columns = [f"s.{quote(f.column)}" for f in share_fields]
    version_columns = [f"c.{quote(f.column)}" for f in version_fields]
    link_row = _select(
        ", ".join(share_columns + ["NULL"] * len(version_columns)),
        f"{quote(link.db_table)} s",
        by_hash,
    )
    version_rows = _select(
        ", ".join(["NULL"] * len(share_columns) + version_columns), source, by_hash
    )
    return f"{link_row} UNION ALL {version_rows}"


def _build(alias: str) -> _Statements:
    quote = connections[alias].ops.quote_name
    share_fields = list(ShareLink._meta.concrete_fields)
    version_fields = [Credential._meta.get_field(name) for name in VERSION_FIELDS]
    view = ShareView._meta
    view_columns = ", ".join(quote(view.get_field(name).column) for name in _VIEW_FIELDS)
    placeholders = ", ".join(["%s"] * len(_VIEW_FIELDS))
    return _Statements(
        share_by_hash=_share_by_hash(alias, share_fields, version_fields),
        share_attnames=[f.attname for f in share_fields],
        share_converters=_converters(alias, share_fields),
        version_converters=_converters(alias, version_fields),
        view_insert=_insert(
            quote(view.db_table), view_columns, placeholders, quote(view.pk.column)
        ),
    )


def _statements_for(alias: str) -> _Statements:
    if alias not in _statements:
        _statements[alias] = _build(alias)
    return _statements[alias]


def _convert(alias: str, row: Sequence[Any], converters: _Converters) -> list[Any]:
    connection = connections[alias]
    values = list(row)
    for index, column, functions in converters:
        if values[index] is None:
            continue
        for function in functions:
            values[index] = function(values[index], column, connection)
    return values


def share_by_hash(digest: str) -> ShareLink | None:
    """The link whose token hashes to `digest`, or None, in one statement.

    The link carries `shown_versions`: (pk, verdict, checked_at, updated_at) of each live
    credential it shows, in pk order, read in the same statement.
    """
    alias = router.db_for_read(ShareLink)
    statements = _statements_for(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(statements.share_by_hash, [digest, digest])
        rows = cursor.fetchall()
    count = len(statements.share_attnames)
    # The link's row is the one whose own columns are set (the pk is never NULL).
    links = [row for row in rows if row[0] is not None]
    if not links:
        return None
    values = _convert(alias, links[0][:count], statements.share_converters)
    share = ShareLink.from_db(alias, statements.share_attnames, values)
    share.shown_versions = list(
        _versions(alias, tuple(row[count:] for row in rows if row[0] is None))
    )
    return share


@lru_cache(maxsize=256)
def _versions(alias: str, rows: tuple[tuple[Any, ...], ...]) -> tuple[tuple[Any, ...], ...]:
    """The credentials' versions as values, in pk order, converted once per distinct raw rows.

    The same link is opened again and again with the same rows; converting its twenty dates
    each time was a fifth of the lookup. The conversion depends on the raw values alone.
    """
    converters = _statements_for(alias).version_converters
    return tuple(sorted(tuple(_convert(alias, row, converters)) for row in rows))


def view_insert(view: ShareView) -> None:
    """Insert `view` (a new ShareView) and set its pk, as `view.save(force_insert=True)`."""
    alias = router.db_for_write(ShareView)
    connection = connections[alias]
    statements = _statements_for(alias)
    fields = [ShareView._meta.get_field(name) for name in _VIEW_FIELDS]
    values = [f.get_db_prep_save(getattr(view, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(statements.view_insert, values)
        view.pk = cursor.fetchone()[0]
    view._state.adding = False
    view._state.db = alias
