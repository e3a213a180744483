"""Many new rows at once, for bulk import: `bulk_create` without model instances.

A ZIP of a thousand credentials writes four thousand rows (credential, run, image, audit).
Building a model instance for each and preparing every field value through the ORM cost more
than verifying the credential did; here each row is a plain dict of column values and only
the fields that need it (dates, JSON) are converted.

On PostgreSQL the rows go in through `COPY ... FROM STDIN` (psycopg 3's copy): one stream per
table, no SQL text that grows with the rows (psycopg re-parses any statement of more than 50
parameters, and a multi-row INSERT of a hundred credentials has thousands), and the server's
fastest way in. COPY returns nothing, so when the caller wants the new ids they are taken from
the table's identity sequence first (one round trip) and written with the rows. On SQLite the
rows go through the driver's own cursor with "?" placeholders: one prepared single-row INSERT
bound and stepped for every row in C (`executemany`), or, when the caller wants columns back,
multi-row INSERTs with RETURNING. JSON values are written compactly (no spaces after the
separators): the same values read back, fewer bytes written.

Values are not validated: pass what `Model(**values).save()` would have stored (ids for
foreign keys, aware datetimes, JSON-serialisable data). Database defaults are not applied,
so every row names every column it needs.
"""

from __future__ import annotations

import functools
import json
import operator
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import connections, models

from config import rawsql

# Rows per INSERT ... RETURNING statement, at most (SQLite): a repeated statement is parsed
# once by the driver, a longer one each time.
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
    on a unique value), or nothing when `returning` is empty. `returning` names the primary
    key or columns the rows themselves give.
    """
    if not rows:
        return []
    connection = connections[using]
    if connection.vendor == "postgresql":
        return _copy_rows(connection, model, rows, returning)
    return _insert_rows(connection, model, rows, returning)


def _insert_rows(
    connection: Any,
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    names = list(rows[0])
    fields = [rawsql.concrete_field(model, name) for name in names]
    quote = connection.ops.quote_name
    # Only the model's own table and column names, quoted, go into the SQL; values are params.
    head = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(field.column) for field in fields)}) VALUES "
    )
    placeholder = "(" + ", ".join(["?"] * len(fields)) + ")"
    values_of = _values_of(connection, names, fields)
    connection.ensure_connection()
    # The driver's own cursor on Django's connection (its transaction), as `_copy_rows` does:
    # Django's cursor rewrites each "%s" of the SQL text into "?" at every execution, a regex
    # over statements of thousands of parameters. Its errors still become Django's.
    with connection.wrap_database_errors:
        cursor = connection.connection.cursor()
        try:
            if not returning:
                # One prepared single-row statement, each row bound and stepped in C.
                cursor.executemany(head + placeholder, map(values_of, rows))
                return []
            # The driver's executemany returns no rows: multi-row INSERTs with RETURNING,
            # as many rows each as the library's parameter limit allows.
            tail = " RETURNING " + ", ".join(
                quote(rawsql.concrete_field(model, name).column) for name in returning
            )
            limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
            size = max(1, min(_MAX_ROWS, limit // len(fields)))
            returned: list[tuple[Any, ...]] = []
            for start in range(0, len(rows), size):
                batch = rows[start : start + size]
                params: list[Any] = []
                for row in batch:
                    params.extend(values_of(row))
                cursor.execute(head + ", ".join([placeholder] * len(batch)) + tail, params)
                returned.extend(cursor.fetchall())
            return returned
        finally:
            cursor.close()


def _copy_rows(
    connection: Any,
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    import psycopg

    names = list(rows[0])
    pk = model._meta.pk
    assert pk is not None  # every concrete model has one
    given_ids = pk.attname in names or pk.name in names
    wants_ids = not given_ids and any(
        rawsql.concrete_field(model, name).primary_key for name in returning
    )
    fields = [rawsql.concrete_field(model, name) for name in names]
    values_of = _values_of(connection, names, fields)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [quote(field.column) for field in fields]
    connection.ensure_connection()
    # A plain psycopg cursor on Django's connection (its transaction, its session); its errors
    # become Django's (a duplicate is an IntegrityError to the caller).
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        ids: list[Any] = []
        if wants_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, pk.column, len(rows)],
            )
            ids = [found for (found,) in cursor.fetchall()]
            columns.insert(0, quote(pk.column))
        # Only the model's own table and column names, quoted, go into the statement.
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
        types = _column_types(cursor, model._meta.db_table)
        cursor.adapters.register_dumper(None, _jsonb_binary_dumper())
        with cursor.copy(statement) as copy:
            copy.set_types(
                [types[pk.column]] * wants_ids + [types[field.column] for field in fields]
            )
            if wants_ids:
                for new_id, row in zip(ids, rows, strict=True):
                    copy.write_row([new_id, *values_of(row)])
            else:
                for row in rows:
                    copy.write_row(values_of(row))
    if not returning:
        return []
    return [
        tuple(
            new_id if rawsql.concrete_field(model, name).primary_key and wants_ids else row[name]
            for name in returning
        )
        for new_id, row in zip(ids or [None] * len(rows), rows, strict=True)
    ]


_COLUMN_TYPES: dict[str, dict[str, int]] = {}


def _column_types(cursor: Any, table: str) -> dict[str, int]:
    """The type (oid) of each column of `table`, read from the catalogue once per process:
    binary COPY sends each value in its column's own binary form (no hex-encoded bytes, no
    dates as text), so it must name the types."""
    found = _COLUMN_TYPES.get(table)
    if found is None:
        cursor.execute(
            "SELECT attname, atttypid FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            [table],
        )
        found = _COLUMN_TYPES[table] = {name: int(oid) for name, oid in cursor.fetchall()}
    return found


def _values_of(
    connection: Any, names: list[str], fields: list[models.Field[Any, Any]]
) -> Callable[[Mapping[str, Any]], list[Any]]:
    """A row's values in `names`' order, each as a query parameter."""
    getter = operator.itemgetter(*names)
    conversions = [
        (n, adapt) for n, field in enumerate(fields) if (adapt := _adapter(field, connection))
    ]
    single = len(names) == 1

    def values(row: Mapping[str, Any]) -> list[Any]:
        found = [getter(row)] if single else list(getter(row))
        for n, adapt in conversions:
            found[n] = adapt(found[n])
        return found

    return values


def _adapter(field: Any, connection: Any) -> Callable[[Any], Any] | None:
    """How a value of `field` becomes a query parameter; None when it is one already."""
    if isinstance(field, models.DateTimeField):
        # The rows of one insert mostly share their times (the import's clock).
        return functools.lru_cache(maxsize=64)(connection.ops.adapt_datetimefield_value)
    if isinstance(field, models.JSONField) and field.encoder is None:
        # What Django's JSONField sends, without its five calls per value (a bulk import has
        # five JSON values per credential): None is SQL NULL, anything else JSON text; in
        # PostgreSQL's binary COPY the jsonb column's dumper (`_jsonb_binary_dumper`)
        # serialises the object itself, with the same encoder.
        if connection.vendor == "postgresql":
            return None
        return _json_text
    if isinstance(field, _AS_IS) and not isinstance(field, models.JSONField):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))
# `_COMPACT_JSON.encode` without the encoder it builds for every call: a bulk import writes
# five JSON values per credential, and that set-up cost more than encoding most of them.
# The values are what JSON decoding and `derive_fields` made (no cycles to detect).
_MAKE_ENCODER = json.encoder.c_make_encoder  # type: ignore[attr-defined]
_ENCODE_COMPACT = (
    _MAKE_ENCODER(
        None,
        _COMPACT_JSON.default,
        json.encoder.encode_basestring_ascii,
        None,
        ":",
        ",",
        False,
        False,
        True,
    )
    if _MAKE_ENCODER is not None
    else None
)


def _json_text(value: Any) -> str | None:
    """A JSON value as compact text, exactly as `_COMPACT_JSON.encode` writes it."""
    if value is None:
        return None
    if value == []:
        return "[]"
    if _ENCODE_COMPACT is None:
        return _COMPACT_JSON.encode(value)
    return "".join(_ENCODE_COMPACT(value, 0))


@functools.cache
def _jsonb_binary_dumper() -> type[Any]:
    """psycopg's dumper of a jsonb value in COPY's binary form (a version byte, then the
    JSON text), the text written by `_json_text` instead of `json.dumps`. A value Django
    wrapped with its field's own encoder (`_adapter`) is dumped as psycopg dumps it."""
    from psycopg.types.json import Json, Jsonb, JsonbBinaryDumper

    class CompactJsonbBinaryDumper(JsonbBinaryDumper):
        def dump(self, obj: Any) -> bytes | None:
            if isinstance(obj, Json | Jsonb):
                return super().dump(obj)
            text = _json_text(obj)
            return None if text is None else b"\x01" + text.encode()

    return CompactJsonbBinaryDumper
