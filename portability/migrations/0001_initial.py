# ExportJob moves here from wallet (issue 11). Its table stays as it is (wallet_exportjob,
# rows and all): only Django's idea of which app owns it changes. wallet 0013 removes it from
# wallet's side.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("wallet", "0012_import_models_to_intake"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ExportJob",
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
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting"),
                                    ("running", "Building"),
                                    ("done", "Ready"),
                                    ("failed", "Failed"),
                                ],
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        ("credential_ids", models.JSONField(blank=True, null=True)),
                        ("encrypted", models.BooleanField(default=False)),
                        ("include_holder_key", models.BooleanField(default=False)),
                        ("sealing_key_encrypted", models.TextField(blank=True)),
                        ("total", models.PositiveIntegerField(default=0)),
                        ("done", models.PositiveIntegerField(default=0)),
                        ("message", models.TextField(blank=True)),
                        ("data", models.BinaryField(blank=True, default=b"")),
                        ("filename", models.CharField(blank=True, max_length=100)),
                        ("size", models.PositiveBigIntegerField(default=0)),
                        ("sha256", models.CharField(blank=True, max_length=64)),
                        ("token_hash", models.CharField(max_length=64, unique=True)),
                        ("token_encrypted", models.TextField()),
                        ("created_at", models.DateTimeField()),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("expires_at", models.DateTimeField()),
                        ("claimed_by", models.CharField(blank=True, max_length=64)),
                        ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="export_jobs",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "wallet_exportjob",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["expires_at"], name="export_expires"),
                            models.Index(fields=["status", "heartbeat_at"], name="export_liveness"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
