"""ImportBatch and ImportArchive moved from wallet to intake (issue 11): the tables and their
rows stay where they were, and what names them by app follows."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from intake.models import ImportArchive, ImportBatch
from tests.support.issuer import NOW
from tests.support.migrations import latest, migrate
from wallet.models import AuditEvent

BEFORE = [("wallet", "0011_job_liveness"), ("intake", None)]


@pytest.mark.django_db(transaction=True)
def test_batches_stored_before_the_move_are_intakes_after_it() -> None:
    content_type = ContentType.objects.get(app_label="intake", model="importbatch")
    old = migrate(BEFORE)
    assert old.get_model("wallet", "ImportBatch")._meta.db_table == "wallet_importbatch"
    assert ContentType.objects.get(pk=content_type.pk).app_label == "wallet"
    user = old.get_model("accounts", "User").objects.create(email="before@example.org")
    batch = old.get_model("wallet", "ImportBatch").objects.create(
        owner_id=user.pk, filename="badges.zip", status="running", total=3, created_at=NOW
    )
    old.get_model("wallet", "ImportArchive").objects.create(batch_id=batch.pk, data=b"PK...")
    old.get_model("wallet", "AuditEvent").objects.create(
        user_id=user.pk,
        action="import.batch_created",
        target_type="wallet.importbatch",
        target_id=str(batch.pk),
        created_at=NOW,
    )

    migrate(latest())

    moved = ImportBatch.objects.get(pk=batch.pk)
    assert (moved.owner_id, moved.filename, moved.status, moved.total) == (
        user.pk,
        "badges.zip",
        "running",
        3,
    )
    assert bytes(ImportArchive.objects.get(batch=moved).data) == b"PK..."
    assert ContentType.objects.get(pk=content_type.pk).app_label == "intake"
    assert ContentType.objects.get_for_model(ImportBatch).pk == content_type.pk
    assert AuditEvent.objects.get(target_id=str(batch.pk)).target_type == "intake.importbatch"


@pytest.mark.django_db(transaction=True)
def test_the_move_can_be_undone_with_the_rows_kept(owner) -> None:
    batch = ImportBatch.objects.create(owner=owner, filename="a.zip", created_at=NOW)
    ImportArchive.objects.create(batch=batch, data=b"zip")

    old = migrate(BEFORE)

    row = old.get_model("wallet", "ImportBatch").objects.get(pk=batch.pk)
    assert row.filename == "a.zip"
    assert bytes(old.get_model("wallet", "ImportArchive").objects.get(batch_id=batch.pk).data)
    migrate(latest())
    assert ImportBatch.objects.get(pk=batch.pk).filename == "a.zip"
