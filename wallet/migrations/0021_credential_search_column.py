"""The record's search words, stored (issue 17): on PostgreSQL a `search` tsvector column that
the database itself computes from the title, issuer name, description and achievement type
(a generated column), with a GIN index; SQLite gets nothing (its search reads the columns).

Computed by the database, the column is right after every write whatever writes it: the ORM,
the bulk import's COPY, a restore, an UPDATE. It is the vector `wallet.selectors` used to build
for every row of every search: the same weights, the "simple" configuration, each part
vectorised apart and joined in the same order (so phrase positions are unchanged).

Not a model field: no model reads or writes it, so no query selects it. A later migration
that changes the type of one of its four columns must drop it first (PostgreSQL refuses to
alter a column a generated column reads) and add it again.
"""

from typing import Any

from django.db import migrations

VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, COALESCE(title, '')), 'A')"
    " || setweight(to_tsvector('simple'::regconfig, COALESCE(issuer_name, '')), 'B')"
    " || setweight(to_tsvector('simple'::regconfig, COALESCE(description, '')), 'C')"
    " || setweight(to_tsvector('simple'::regconfig, COALESCE(achievement_type, '')), 'C')"
)

FORWARD = [
    f"ALTER TABLE wallet_credential ADD COLUMN search tsvector GENERATED ALWAYS AS ({VECTOR}) "
    "STORED",
    "CREATE INDEX cred_search ON wallet_credential USING gin (search)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS cred_search",
    "ALTER TABLE wallet_credential DROP COLUMN IF EXISTS search",
]


def _on_postgresql(statements: list[str]) -> Any:
    def run(_apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("wallet", "0020_verdict_format_container_choices"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD), elidable=False),
    ]
