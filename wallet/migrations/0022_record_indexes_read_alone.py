"""The record page's reads served by indexes alone on PostgreSQL too (issue 17).

- The newest-first order: the old index named the trash and parent columns before the date,
  and PostgreSQL orders by an index only after columns fixed by equality (IS NULL is not one),
  so each page sorted every live credential of the record. A partial index over the live,
  top-level credentials is read in order.
- The live index carries the id: the record's version (count, sum of ids, latest change) and
  the live ids that tags and collections count are read without visiting the table.
"""

import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wallet", "0021_credential_search_column"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="credential",
            name="cred_owner_newest",
        ),
        migrations.RemoveIndex(
            model_name="credential",
            name="cred_owner_live",
        ),
        migrations.AddIndex(
            model_name="credential",
            index=models.Index(
                fields=["owner", "deleted_at", "parent", "updated_at", "id"], name="cred_owner_live"
            ),
        ),
        migrations.AddIndex(
            model_name="credential",
            index=models.Index(
                models.F("owner"),
                models.OrderBy(
                    django.db.models.functions.comparison.Coalesce("issued_at", "created_at"),
                    descending=True,
                ),
                models.OrderBy(models.F("id"), descending=True),
                condition=models.Q(("deleted_at__isnull", True), ("parent__isnull", True)),
                name="cred_record_newest",
            ),
        ),
    ]
