"""Many new rows in one INSERT, for bulk import: `bulk_create` without model instances.

A ZIP of a thousand credentials writes four thousand rows (credential, run, image, audit).
Building a model instance for each and preparing every field value through the ORM cost more
than verifying the credential did; here each row is a plain dict of column values and only
the fields that need it (dates, JSON) are converted. The SQL is the same multi-row INSERT
that `bulk_create` sends, batched to the backend's parameter limit.

Values are not validated: pass what `Model(**values).save()` would have stored (ids for
foreign keys, aware datetimes, JSON-serialisable data). Database defaults are not applied,
so every row names every column it needs.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import connections, models

from config import rawsql

# Rows per statement, at most: a repeated statement is parsed once by the driver (psycopg
# caches the conversion of a query it has seen), a longer one each time.
_MAX_ROWS = 100
_AS_IS = (
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.IntegerField,
    models.BinaryField,
    models.ForeignKey,
)


def insert_rows(
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    *,
    returning: Sequence[str] = (),
    using: str = "default",
) -> list[tuple[Any, ...]]:
    """INSERT `rows` (field name -> value; every row the same names) into `model`'s table.

    Returns the `returning` columns of each inserted row (in no promised order: match them
    on a unique value), or nothing when `returning` is empty.
    """
    if not rows:
        return []
    connection = connections[using]
    names = list(rows[0])
    fields = [rawsql.concrete_field(model, name) for name in names]
    values_of = operator.itemgetter(*names)
    conversions = [
        (n, adapt) for n, field in enumerate(fields) if (adapt := _adapter(field, connection))
    ]
    quote = connection.ops.quote_name
    # Only the model's own table and column names, quoted, go into the SQL; values are params.
    head = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(field.column) for field in fields)}) VALUES "
    )
    tail = ""
    if returning:
        tail = " RETURNING " + ", ".join(
            quote(rawsql.concrete_field(model, name).column) for name in returning
        )
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, min(_MAX_ROWS, connection.ops.bulk_batch_size(fields, rows)))
    returned: list[tuple[Any, ...]] = []
    with _cursor(connection) as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            params: list[Any] = []
            for row in batch:
                values = list(values_of(row)) if len(names) > 1 else [values_of(row)]
                for n, adapt in conversions:
                    values[n] = adapt(values[n])
                params.extend(values)
            cursor.execute(head + ", ".join([placeholder] * len(batch)) + tail, params)
            if returning:
                returned.extend(tuple(r) for r in cursor.fetchall())
    return returned


def _adapter(field: Any, connection: Any) -> Callable[[Any], Any] | None:
    """How a value of `field` becomes a query parameter; None when it is one already."""
    if isinstance(field, models.DateTimeField):
        # The rows of one insert mostly share their times (the import's clock).
        return functools.lru_cache(maxsize=64)(connection.ops.adapt_datetimefield_value)
    if isinstance(field, _AS_IS) and not isinstance(field, models.JSONField):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def _cursor(connection: Any) -> Any:
    """A cursor for the inserts. On PostgreSQL, one that sends the values apart from the SQL
    (server-side binding): Django's default cursor quotes every value into the query text,
    hex-encoding each original's bytes, which cost bulk import more than the inserts did."""
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        return psycopg.Cursor(connection.connection)
    return connection.cursor()
