"""What every app's API serializers share."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


def many_data(serializer: serializers.BaseSerializer[Any]) -> list[dict[str, Any]]:
    """The data of a serializer made with `many=True`: a ListSerializer's list of rows (the
    stubs give it the type of the serializer named, whose data is one dict)."""
    rows: list[dict[str, Any]] = serializer.data
    return rows
