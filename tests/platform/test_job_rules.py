"""The rules of a background job's rows: when it is finished, when its download is ready."""

from __future__ import annotations

from datetime import timedelta

from intake.models import ImportBatch
from portability.models import ExportJob
from tests.support.issuer import NOW


def test_an_import_batch_is_finished_once_done_or_failed():
    finished = {status: ImportBatch(status=status).is_finished for status in ImportBatch.Status}
    assert finished == {"pending": False, "running": False, "done": True, "failed": True}


def test_an_export_is_ready_to_download_only_once_built_and_until_its_link_expires():
    built = ExportJob(status=ExportJob.Status.DONE, expires_at=NOW + timedelta(minutes=10))

    assert built.is_finished
    assert built.download_ready(NOW)
    assert not built.download_expired(NOW)
    assert not built.download_ready(NOW + timedelta(minutes=10))
    assert built.download_expired(NOW + timedelta(minutes=10))


def test_an_export_not_built_is_neither_ready_nor_expired():
    for status in (ExportJob.Status.PENDING, ExportJob.Status.RUNNING, ExportJob.Status.FAILED):
        job = ExportJob(status=status, expires_at=NOW - timedelta(days=1))
        assert not job.download_ready(NOW)
        assert not job.download_expired(NOW)
        assert job.is_finished == (status == ExportJob.Status.FAILED)
