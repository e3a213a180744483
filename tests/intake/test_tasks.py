"""Intake's tasks: named after their module, and still reached by the names they had in
wallet before issue 11 (messages queued before an upgrade)."""

from __future__ import annotations

import io
import zipfile

import pytest

from config.celery import app
from intake import tasks
from intake.models import ImportArchive, ImportBatch
from tests.support.issuer import NOW
from tests.wallet.helpers import as_bytes

pytestmark = pytest.mark.django_db


def _waiting_batch(owner, files: dict[str, bytes]) -> ImportBatch:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    batch = ImportBatch.objects.create(owner=owner, total=len(files), created_at=NOW)
    ImportArchive.objects.create(batch=batch, data=buffer.getvalue())
    return batch


def test_the_tasks_are_named_after_their_module():
    assert tasks.import_zip.name == "intake.tasks.import_zip"
    assert tasks.sweep_stalled_imports.name == "intake.tasks.sweep_stalled_imports"


def test_an_import_queued_under_its_name_before_the_move_still_runs(owner, issuer):
    batch = _waiting_batch(owner, {"a.json": as_bytes(issuer.ob3())})

    status = app.tasks["wallet.tasks.import_zip"].apply(args=[batch.pk]).get()

    batch.refresh_from_db()
    assert status == batch.status == ImportBatch.Status.DONE
    assert [row["status"] for row in batch.summary] == ["imported"]
    legacy, current = app.tasks["wallet.tasks.import_zip"], tasks.import_zip
    assert (legacy.soft_time_limit, legacy.time_limit, legacy.max_retries) == (
        current.soft_time_limit,
        current.time_limit,
        current.max_retries,
    )
