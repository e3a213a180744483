# ImportBatch and ImportArchive move here from wallet (issue 11). Their tables stay as they
# are (wallet_importbatch, wallet_importarchive, rows and all): only Django's idea of which
# app owns them changes. wallet 0012 removes them from wallet's side.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("wallet", "0011_job_liveness"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImportBatch",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("filename", models.CharField(blank=True, max_length=255)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting"),
                                    ("running", "Importing"),
                                    ("done", "Finished"),
                                    ("failed", "Failed"),
                                ],
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        ("total", models.PositiveIntegerField(default=0)),
                        ("done", models.PositiveIntegerField(default=0)),
                        ("summary", models.JSONField(blank=True, default=list)),
                        ("message", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField()),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("claimed_by", models.CharField(blank=True, max_length=64)),
                        ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="import_batches",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "wallet_importbatch",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["status", "heartbeat_at"], name="import_liveness")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ImportArchive",
                    fields=[
                        (
                            "batch",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="archive",
                                serialize=False,
                                to="intake.importbatch",
                            ),
                        ),
                        ("data", models.BinaryField()),
                    ],
                    options={"db_table": "wallet_importarchive"},
                ),
            ],
            database_operations=[],
        ),
    ]
