"""Fixed SQL built from models' metadata, for the few statements where compiling the ORM's
query costs more than running it (the employer's page, `sharing.hot_path`).

Names go into the SQL quoted from the models' metadata, values only as parameters; values
read go through the converters the ORM itself applies (aware datetimes, booleans), so
callers see what the ORM would have given them. Each app writes such SQL only on its own
tables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import Field, Model

# (position in the row, the column's expression, the functions that convert its value)
Converters = list[tuple[int, Any, list[Callable[..., Any]]]]


def concrete_field(model: type[Model], name: str) -> Field[Any, Any]:
    """The field `name` of `model`, which must be one of the model's own (not the other side
    of a relation, which has no column in its table)."""
    field = model._meta.get_field(name)
    if not isinstance(field, Field):
        raise FieldDoesNotExist(f"{model.__name__}.{name} is not a field of its own table")
    return field


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _as_epoch_microseconds(alias: str, field: Field) -> bool:
    postgresql = connections[alias].vendor == "postgresql"
    return postgresql and field.get_internal_type() == "DateTimeField"


def column(alias: str, field: Field, expression: str) -> str:
    """How fixed SQL reads `field` at `expression` (a quoted column): as it is, but for a
    datetime on PostgreSQL, read as whole microseconds since the epoch (a bigint) that
    `converters` turns back into the aware datetime the ORM would give. The loader Django
    gives psycopg parses each timestamp's text in Python, several µs apiece; the share
    page's lookup read 23 of them per request."""
    if _as_epoch_microseconds(alias, field):
        return f"(EXTRACT(EPOCH FROM {expression}) * 1000000)::bigint"
    return expression


def _from_epoch_microseconds(value: int, _expression: Any, _connection: Any) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


def converters(alias: str, fields: Sequence[Field]) -> Converters:
    """How the values of `fields`, read in this order (each through `column`), become what
    the ORM would return."""
    connection = connections[alias]
    found = []
    for index, field in enumerate(fields):
        column = field.get_col(field.model._meta.db_table)
        # As Django's compiler asks: the backend's converters, then the expression's (a column
        # of `field` itself converts as the field does).
        functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if _as_epoch_microseconds(alias, field):
            functions = [_from_epoch_microseconds, *functions]
        if functions:
            found.append((index, column, functions))
    return found


def convert(alias: str, row: Sequence[Any], found: Converters) -> list[Any]:
    connection = connections[alias]
    values = list(row)
    for index, column, functions in found:
        if values[index] is None:
            continue
        for function in functions:
            values[index] = function(values[index], column, connection)
    return values


def select(columns: str, source: str, where: str) -> str:
    # Every name is quoted from the models' metadata; every value is a query parameter.
    return f"SELECT {columns} FROM {source} WHERE {where}"  # noqa: S608


def insert(table: str, columns: str, placeholders: str, returning: str) -> str:
    # As in `select`: quoted names, parameters for values.
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING {returning}"  # noqa: S608
