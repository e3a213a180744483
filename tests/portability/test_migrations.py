"""ExportJob moved from wallet to portability (issue 11): the table and its rows stay where
they were, and what names it by app follows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType

from portability.models import ExportJob
from tests.support.issuer import NOW
from tests.support.migrations import latest, migrate
from wallet.models import AuditEvent

BEFORE = [("wallet", "0012_import_models_to_intake"), ("portability", None)]


@pytest.mark.django_db(transaction=True)
def test_exports_stored_before_the_move_are_portabilitys_after_it() -> None:
    content_type = ContentType.objects.get(app_label="portability", model="exportjob")
    old = migrate(BEFORE)
    assert old.get_model("wallet", "ExportJob")._meta.db_table == "wallet_exportjob"
    assert ContentType.objects.get(pk=content_type.pk).app_label == "wallet"
    user = old.get_model("accounts", "User").objects.create(email="before@example.org")
    job = old.get_model("wallet", "ExportJob").objects.create(
        owner_id=user.pk,
        status="done",
        data=b"PK-export",
        filename="satchel-export.zip",
        token_hash="a" * 64,
        token_encrypted="sealed",
        created_at=NOW,
        expires_at=NOW + timedelta(hours=24),
    )
    old.get_model("wallet", "AuditEvent").objects.create(
        user_id=user.pk,
        action="record.exported",
        target_type="wallet.exportjob",
        target_id=str(job.pk),
        created_at=NOW,
    )

    migrate(latest())

    moved = ExportJob.objects.get(pk=job.pk)
    assert (moved.owner_id, moved.status, moved.filename, moved.token_hash) == (
        user.pk,
        "done",
        "satchel-export.zip",
        "a" * 64,
    )
    assert bytes(moved.data) == b"PK-export"
    assert ContentType.objects.get_for_model(ExportJob).pk == content_type.pk
    assert AuditEvent.objects.get(target_id=str(job.pk)).target_type == "portability.exportjob"


@pytest.mark.django_db(transaction=True)
def test_the_move_can_be_undone_with_the_rows_kept(owner) -> None:
    job = ExportJob.objects.create(
        owner=owner,
        token_hash="b" * 64,
        token_encrypted="sealed",
        created_at=NOW,
        expires_at=NOW + timedelta(hours=24),
    )

    old = migrate(BEFORE)

    assert old.get_model("wallet", "ExportJob").objects.get(pk=job.pk).token_hash == "b" * 64
    migrate(latest())
    assert ExportJob.objects.get(pk=job.pk).token_hash == "b" * 64
