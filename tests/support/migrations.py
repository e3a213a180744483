"""Migrating the test database to a chosen point and back, to test a migration on rows."""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

Target = tuple[str, str | None]


def migrate(targets: list[Target]) -> Apps:
    """Apply or unapply migrations until `targets`; the models as they are there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    # An app migrated to None (before its first migration) adds nothing to the state.
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def latest() -> list[Target]:
    """Every app's last migration: where the rest of the suite expects the database."""
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
