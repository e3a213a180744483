"""Bulk import from a ZIP archive: a mix of files, caps, bombs, and the background batch."""

from __future__ import annotations

import io
import threading
import zipfile

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from config import jobs
from intake import archives
from intake.models import ImportArchive, ImportBatch
from intake.services import arrival, zips
from tests.support.issuer import NOW
from tests.wallet.helpers import as_bytes
from wallet import images
from wallet.models import AuditEvent, Credential
from wallet.services import store

pytestmark = pytest.mark.django_db


def _zip(files: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_it_imports_a_mixed_archive_and_reports_each_file(owner, issuer):
    archive = _zip(
        {
            "badges/ob3.json": as_bytes(issuer.ob3()),
            "badges/deeper/token.jwt": issuer.ob3_jwt().encode(),
            "images/baked.png": issuer.baked_png(issuer.ob3()),
            "broken.json": b'{"@context": ["https://www.w3.org/ns/credentials/v2"',
            "notes.txt": b"my notes about these badges",
            "__MACOSX/._ob3.json": b"resource fork",
        }
    )
    progress = []

    outcomes = zips.credential_import_zip(
        owner=owner, data=archive, now=NOW, progress=lambda d, t, o: progress.append((d, t))
    )

    by_name = {o.name: o for o in outcomes}
    assert set(by_name) == {
        "badges/ob3.json",
        "badges/deeper/token.jwt",
        "images/baked.png",
        "broken.json",
        "notes.txt",
    }
    assert by_name["badges/ob3.json"].status == "imported"
    assert by_name["badges/deeper/token.jwt"].status == "imported"
    assert by_name["images/baked.png"].status == "imported"
    assert by_name["broken.json"].status == "failed"
    assert by_name["notes.txt"].status == "failed"
    assert "not a credential" in by_name["notes.txt"].message
    assert Credential.objects.filter(owner=owner, source="bulk").count() == 3
    assert progress[-1] == (5, 5)


def test_one_file_failing_unexpectedly_does_not_stop_the_others(owner, issuer, monkeypatch):
    real = arrival.arrive

    def flaky(**kwargs):
        if kwargs["filename"] == "a.json":
            raise RuntimeError("surprise")
        return real(**kwargs)

    monkeypatch.setattr(arrival, "arrive", flaky)
    archive = _zip({"a.json": as_bytes(issuer.ob3()), "b.json": as_bytes(issuer.ob3())})

    outcomes = zips.credential_import_zip(owner=owner, data=archive, now=NOW)

    assert [o.status for o in outcomes] == ["failed", "imported"]


def test_copies_within_an_archive_and_ones_already_held_are_duplicates_in_order(owner, issuer):
    held, fresh = as_bytes(issuer.ob3()), as_bytes(issuer.ob3())
    arrival.credential_import(owner=owner, data=held, source="upload", now=NOW)
    archive = _zip({"1.json": fresh, "2.json": held, "3.json": fresh, "4.txt": b"notes"})

    outcomes = zips.credential_import_zip(owner=owner, data=archive, now=NOW)

    assert [o.status for o in outcomes] == ["imported", "duplicate", "duplicate", "failed"]
    assert outcomes[2].credential_id == outcomes[0].credential_id
    assert Credential.objects.filter(owner=owner).count() == 2
    imported = AuditEvent.objects.filter(user=owner, action="credential.imported")
    assert imported.filter(target_id=str(outcomes[0].credential_id)).count() == 1


def test_a_batch_that_cannot_be_stored_together_is_stored_file_by_file(owner, issuer, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("bulk insert failed")

    monkeypatch.setattr(store, "_create_many", broken)
    archive = _zip({"a.json": as_bytes(issuer.ob3()), "b.json": as_bytes(issuer.ob3())})

    outcomes = zips.credential_import_zip(owner=owner, data=archive, now=NOW)

    assert [o.status for o in outcomes] == ["imported", "imported"]
    stored = Credential.objects.filter(owner=owner, source="bulk")
    assert stored.count() == 2
    assert all(c.runs.count() == 1 for c in stored)


def test_a_stored_batch_has_each_file_s_run_image_and_audit_row(owner, issuer):
    baked = issuer.baked_png(issuer.ob3())
    archive = _zip({"a.json": as_bytes(issuer.ob3()), "b.png": baked})

    outcomes = zips.credential_import_zip(owner=owner, data=archive, now=NOW)

    assert [o.status for o in outcomes] == ["imported", "imported"]
    png = Credential.objects.get(pk=outcomes[1].credential_id)
    assert png.has_image and png.image.origin == "baked"
    assert png.runs.get().trigger == "import"
    assert png.filename == "b.png" and png.media_type == "image/png"
    assert AuditEvent.objects.filter(
        user=owner, action="credential.imported", target_id=str(png.pk)
    ).exists()


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(owner, issuer):
    archive = _zip({"bomb.json": b"\0" * (8 * 1024 * 1024)})
    assert len(archive) < 64 * 1024

    with pytest.raises(archives.ArchiveRefused, match="ZIP bomb"):
        zips.credential_import_zip(owner=owner, data=archive, now=NOW)

    assert not Credential.objects.exists()


@override_settings(SATCHEL_MAX_ZIP_UNCOMPRESSED_BYTES=4096)
def test_an_archive_that_unpacks_beyond_the_cap_is_refused(owner, issuer):
    archive = _zip({f"{n}.json": b" " * 1000 for n in range(5)}, compression=zipfile.ZIP_STORED)

    with pytest.raises(archives.ArchiveRefused, match="unpacks to more than"):
        zips.credential_import_zip(owner=owner, data=archive, now=NOW)


def test_an_archive_with_too_many_files_is_refused(owner, issuer, monkeypatch):
    monkeypatch.setattr(zips, "MAX_BATCH_FILES", 3)
    archive = _zip({f"{n}.json": b"{}" for n in range(4)})

    with pytest.raises(archives.ArchiveRefused, match="more than 3 files"):
        zips.credential_import_zip(owner=owner, data=archive, now=NOW)


def test_a_file_that_is_not_a_zip_is_refused(owner, issuer):
    with pytest.raises(archives.ArchiveRefused, match="not a ZIP archive"):
        zips.credential_import_zip(owner=owner, data=b"plain text", now=NOW)


@override_settings(SATCHEL_MAX_UPLOAD_BYTES=2048)
def test_a_member_over_the_file_cap_is_reported_and_the_rest_imported(owner, issuer):
    archive = _zip({"big.json": b" " * 4096, "small.jwt": issuer.ob3_jwt().encode()})

    outcomes = zips.credential_import_zip(owner=owner, data=archive, now=NOW)

    assert [(o.name, o.status) for o in outcomes] == [
        ("big.json", "failed"),
        ("small.jwt", "imported"),
    ]


def test_a_batch_runs_in_a_task_after_commit_and_records_progress(
    owner, issuer, django_capture_on_commit_callbacks
):
    archive = _zip({"a.json": as_bytes(issuer.ob3()), "b.txt": b"nothing"})

    with django_capture_on_commit_callbacks(execute=True):
        batch = zips.zip_batch_create(owner=owner, data=archive, filename="export.zip")

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert (batch.done, batch.total) == (2, 2)
    assert [row["status"] for row in batch.summary] == ["imported", "failed"]
    assert "1 imported" in batch.message
    assert not ImportArchive.objects.filter(batch=batch).exists()
    assert AuditEvent.objects.filter(action="import.batch_created", user=owner).exists()


def test_a_batch_is_not_enqueued_before_its_transaction_commits(
    owner, issuer, django_capture_on_commit_callbacks
):
    archive = _zip({"a.json": as_bytes(issuer.ob3())})

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = zips.zip_batch_create(owner=owner, data=archive)

    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PENDING


def test_the_archive_waits_in_a_row_of_its_own_until_its_batch_runs(
    owner, issuer, django_capture_on_commit_callbacks
):
    archive = _zip({"a.json": as_bytes(issuer.ob3())})

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = zips.zip_batch_create(owner=owner, data=archive)

    assert bytes(ImportArchive.objects.get(batch=batch).data) == archive
    callbacks[0]()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert not ImportArchive.objects.filter(batch=batch).exists()


def test_a_batch_reads_its_archive_back_byte_for_byte(owner, issuer):
    # Every byte value, so that no text encoding on the way could pass unnoticed.
    archive = _zip({"a.json": as_bytes(issuer.ob3())}) + bytes(range(256))
    batch = ImportBatch.objects.create(owner=owner, total=1, created_at=NOW)
    ImportArchive.objects.create(batch=batch, data=archive)

    assert zips._stored_archive(batch.pk) == archive
    assert type(zips._stored_archive(batch.pk)) is bytes
    assert zips._stored_archive(batch.pk + 1) is None


def _summary_writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('UPDATE "wallet_importbatch"') and '"summary"' in q["sql"]
    ]


def test_a_finished_batch_does_not_write_the_summary_its_last_beat_recorded(owner, issuer):
    archive = _zip({"a.json": as_bytes(issuer.ob3()), "b.txt": b"notes"})
    batch = ImportBatch.objects.create(owner=owner, total=2, created_at=NOW)
    ImportArchive.objects.create(batch=batch, data=archive)

    with CaptureQueriesContext(connection) as queries:
        finished = zips.zip_batch_run(batch_id=batch.pk, now=NOW)

    assert len(_summary_writes(queries)) == 1  # the one progress beat
    assert finished.status == ImportBatch.Status.DONE
    assert [row["name"] for row in finished.summary] == ["a.json", "b.txt"]
    assert finished.done == 2


def test_a_batch_stopped_before_its_progress_was_recorded_keeps_every_outcome(
    owner, issuer, monkeypatch
):
    archive = _zip({"a.json": as_bytes(issuer.ob3()), "b.txt": b"notes"})
    batch = ImportBatch.objects.create(owner=owner, total=2, created_at=NOW)
    ImportArchive.objects.create(batch=batch, data=archive)

    def time_up(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(zips.jobs, "job_beat", time_up)

    with CaptureQueriesContext(connection) as queries:
        finished = zips.zip_batch_run(batch_id=batch.pk, now=NOW)

    assert len(_summary_writes(queries)) == 1  # the finish, since no beat recorded it
    assert finished.status == ImportBatch.Status.FAILED
    assert [row["name"] for row in finished.summary] == ["a.json", "b.txt"]
    assert finished.done == 2


def test_a_batch_whose_archive_is_gone_fails_with_a_reason_and_imports_nothing(owner, issuer):
    batch = ImportBatch.objects.create(owner=owner, filename="lost.zip", total=1, created_at=NOW)

    finished = zips.zip_batch_run(batch_id=batch.pk, now=NOW)

    assert finished.status == ImportBatch.Status.FAILED
    assert "upload it again" in finished.message
    assert not Credential.objects.filter(owner=owner).exists()


def test_progress_comes_in_groups_in_the_archive_s_order(owner, issuer, monkeypatch):
    monkeypatch.setattr(zips, "_STORE_BATCH", 2)
    names = ["1.json", "2.txt", "3.json", "4.json", "5.txt"]
    archive = _zip(
        {name: as_bytes(issuer.ob3()) if name.endswith(".json") else b"notes" for name in names}
    )
    groups = []

    outcomes = zips.credential_import_zip(
        owner=owner,
        data=archive,
        now=NOW,
        progress=lambda done, total, group: groups.append((done, total, [o.name for o in group])),
    )

    assert groups == [
        (2, 5, ["1.json", "2.txt"]),
        (4, 5, ["3.json", "4.json"]),
        (5, 5, ["5.txt"]),
    ]
    assert [o.status for o in outcomes] == ["imported", "failed", "imported", "imported", "failed"]


def test_the_archive_s_final_stretch_is_stored_in_smaller_groups(owner, issuer, monkeypatch):
    # The last group is stored with nothing left to verify beside it: the import waits for
    # all of it. So the groups of the final stretch halve, each no smaller than what is left
    # after it, down to an eighth of a group (here one file).
    monkeypatch.setattr(zips, "_STORE_BATCH", 4)
    names = [f"{n}.json" for n in range(1, 8)]
    archive = _zip({name: as_bytes(issuer.ob3()) for name in names})
    groups = []

    outcomes = zips.credential_import_zip(
        owner=owner,
        data=archive,
        now=NOW,
        progress=lambda done, total, group: groups.append((done, [o.name for o in group])),
    )

    assert groups == [(4, names[:4]), (6, names[4:6]), (7, names[6:])]
    assert [o.status for o in outcomes] == ["imported"] * 7


def test_slow_files_still_report_progress_as_they_settle(owner, issuer, monkeypatch):
    monkeypatch.setattr(zips, "_PROGRESS_SECONDS", -1.0)  # every file counts as slow
    archive = _zip({"a.json": as_bytes(issuer.ob3()), "b.json": as_bytes(issuer.ob3())})
    done = []

    zips.credential_import_zip(
        owner=owner, data=archive, now=NOW, progress=lambda d, t, group: done.append(d)
    )

    assert done == [1, 2]


def test_a_running_batch_shows_the_files_settled_so_far(owner, issuer, monkeypatch):
    monkeypatch.setattr(zips, "_STORE_BATCH", 1)
    archive = _zip({"a.json": as_bytes(issuer.ob3()), "b.txt": b"notes"})
    batch = ImportBatch.objects.create(owner=owner, total=2, created_at=NOW)
    ImportArchive.objects.create(batch=batch, data=archive)
    seen = []
    real = zips._store_members

    def watching(*args, **kwargs):
        row = ImportBatch.objects.get(pk=batch.pk)
        seen.append((row.status, row.done, [r["name"] for r in row.summary]))
        return real(*args, **kwargs)

    monkeypatch.setattr(zips, "_store_members", watching)

    zips.zip_batch_run(batch_id=batch.pk, now=NOW)

    assert seen == [("running", 0, []), ("running", 1, ["a.json"])]
    batch.refresh_from_db()
    assert (batch.status, batch.done) == (ImportBatch.Status.DONE, 2)


def test_one_picture_baked_for_many_badges_is_sanitised_once(owner, issuer, monkeypatch):
    calls = []
    real = images.find_image

    def counting(**kwargs):
        calls.append(kwargs["container"])
        return real(**kwargs)

    monkeypatch.setattr(images, "find_image", counting)
    archive = _zip({f"{n}.png": issuer.baked_png(issuer.ob3()) for n in range(3)})

    outcomes = zips.credential_import_zip(owner=owner, data=archive, now=NOW)

    assert [o.status for o in outcomes] == ["imported"] * 3
    assert calls == ["png"]
    stored = Credential.objects.filter(owner=owner).select_related("image")
    assert {c.image.sha256 for c in stored} == {stored[0].image.sha256}
    assert all(c.image.origin == "baked" for c in stored)


def _storing_threads(monkeypatch) -> list[int]:
    """The thread each group is stored on, in the order they are stored."""
    threads: list[int] = []
    real = zips._store_members

    def storing(*args, **kwargs):
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(zips, "_store_members", storing)
    return threads


def test_inside_the_caller_s_transaction_groups_are_stored_on_its_own_thread(
    owner, issuer, monkeypatch
):
    monkeypatch.setattr(zips, "_STORE_BATCH", 1)
    threads = _storing_threads(monkeypatch)
    archive = _zip({"a.json": as_bytes(issuer.ob3()), "b.json": as_bytes(issuer.ob3())})

    outcomes = zips.credential_import_zip(owner=owner, data=archive, now=NOW)

    assert [o.status for o in outcomes] == ["imported", "imported"]
    assert threads == [threading.get_ident()] * 2  # another connection could not see `owner`


@pytest.mark.django_db(transaction=True)
def test_a_storing_thread_is_used_on_postgresql_only(monkeypatch):
    # Outside a transaction; SQLite on a file, as `make run` keeps it (the suite's is in
    # memory): its inserts are this process's own work, which a second thread only slows.
    if connection.vendor == "sqlite":
        monkeypatch.setitem(connection.settings_dict, "NAME", "/var/satchel/db.sqlite3")

    assert zips._may_store_aside() is (connection.vendor == "postgresql")


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_groups_are_stored_aside_in_order_each_with_its_runs(
    owner, issuer, monkeypatch
):
    # On SQLite the import stores on its own thread; the storing thread is what is under test
    # here, on either database.
    monkeypatch.setattr(zips, "_may_store_aside", lambda: True)
    monkeypatch.setattr(zips, "_STORE_BATCH", 2)
    threads = _storing_threads(monkeypatch)
    names = [f"{n}.json" for n in range(1, 6)]
    archive = _zip({name: as_bytes(issuer.ob3()) for name in names})
    groups = []

    outcomes = zips.credential_import_zip(
        owner=owner,
        data=archive,
        now=NOW,
        progress=lambda done, total, group: groups.append((done, [o.name for o in group])),
    )

    assert groups == [(2, names[:2]), (4, names[2:4]), (5, names[4:])]
    assert [o.status for o in outcomes] == ["imported"] * 5
    assert len(set(threads)) == 1 and threads[0] != threading.get_ident()
    stored = Credential.objects.filter(owner=owner, source="bulk")
    assert sorted(c.pk for c in stored) == sorted(o.credential_id for o in outcomes)
    assert all(c.runs.count() == 1 for c in stored)


@pytest.mark.django_db(transaction=True)
def test_the_progress_of_groups_stored_aside_is_written_by_the_storing_thread_in_order(
    owner, issuer, monkeypatch
):
    monkeypatch.setattr(zips, "_may_store_aside", lambda: True)
    monkeypatch.setattr(zips, "_STORE_BATCH", 2)
    threads = _storing_threads(monkeypatch)
    archive = _zip({f"{n}.json": as_bytes(issuer.ob3()) for n in range(1, 6)})
    reported = []

    zips.credential_import_zip(
        owner=owner,
        data=archive,
        now=NOW,
        progress=lambda done, total, group: reported.append((done, threading.get_ident())),
    )

    assert [done for done, _thread in reported] == [2, 4, 5]
    assert {thread for _done, thread in reported} == {threads[0]}


@pytest.mark.django_db(transaction=True)
def test_a_job_handed_on_while_a_group_was_stored_aside_stops_the_import(
    owner, issuer, monkeypatch
):
    monkeypatch.setattr(zips, "_may_store_aside", lambda: True)
    monkeypatch.setattr(zips, "_STORE_BATCH", 2)
    archive = _zip({f"{n}.json": as_bytes(issuer.ob3()) for n in range(1, 6)})

    def handed_on(done, total, group):
        raise jobs.JobTaken("another run holds it")

    with pytest.raises(jobs.JobTaken):
        zips.credential_import_zip(owner=owner, data=archive, now=NOW, progress=handed_on)

    # The first group had committed; the import stopped before storing another.
    assert Credential.objects.filter(owner=owner, source="bulk").count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_import_stopped_midway_records_the_group_stored_aside_before_it_stops(
    owner, issuer, monkeypatch
):
    monkeypatch.setattr(zips, "_may_store_aside", lambda: True)
    monkeypatch.setattr(zips, "_STORE_BATCH", 2)
    real = arrival.arrive

    def time_up_at_the_fourth(**kwargs):
        if kwargs["filename"] == "4.json":
            raise SoftTimeLimitExceeded
        return real(**kwargs)

    monkeypatch.setattr(arrival, "arrive", time_up_at_the_fourth)
    archive = _zip({f"{n}.json": as_bytes(issuer.ob3()) for n in range(1, 6)})
    done = []

    with pytest.raises(SoftTimeLimitExceeded):
        zips.credential_import_zip(
            owner=owner, data=archive, now=NOW, progress=lambda d, t, group: done.append(d)
        )

    # The first group was stored (and recorded); the third file, verified but not yet
    # stored, is neither: a resumed run imports it.
    assert done == [2]
    assert Credential.objects.filter(owner=owner, source="bulk").count() == 2


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_members_are_read_from_the_archive_s_bytes_exactly_as_zipfile_reads_them(compression):
    content = {"badges/ünï.json": b'{"a": 1}' * 300, "b.txt": b"", "c.json": bytes(range(256))}
    data = _zip(content, compression=compression)

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        read = {info.filename: zips._member_bytes(data, info) for info in archive.infolist()}

    assert read == content


def test_a_member_whose_bytes_were_altered_is_reported_unreadable_and_the_rest_imported(
    owner, issuer
):
    good, altered = as_bytes(issuer.ob3()), as_bytes(issuer.ob3())
    data = bytearray(_zip({"a.json": good, "b.json": altered}, compression=zipfile.ZIP_STORED))
    where = data.index(altered) + 40
    data[where] ^= 0x01  # the CRC-32 in the directory no longer matches

    outcomes = zips.credential_import_zip(owner=owner, data=bytes(data), now=NOW)

    assert [o.status for o in outcomes] == ["imported", "failed"]
    assert outcomes[1].message == "The file could not be read from the archive."


def _group(owner, issuer, size: int) -> list[store.Verified]:
    options = zips.archive_verify_options(owner=owner, now=NOW)
    verified = [
        arrival.arrive(
            owner=owner,
            data=as_bytes(issuer.ob3()),
            source="bulk",
            filename=f"{n}.json",
            media_type=None,
            source_url="",
            now=NOW,
            options=options,
        )
        for n in range(size)
    ]
    assert all(isinstance(v, store.Verified) for v in verified)
    return verified


def _statements_storing(owner, group, monkeypatch) -> tuple[int, int]:
    """(queries through Django's cursor, bulk inserts) sent to store `group` together."""
    inserts = []
    real = store.insert_rows

    def counting(model, rows, **kwargs):
        inserts.append(model)
        return real(model, rows, **kwargs)

    monkeypatch.setattr(store, "insert_rows", counting)
    with CaptureQueriesContext(connection) as queries:
        stored = store.credentials_store(owner=owner, verified=group)
    monkeypatch.setattr(store, "insert_rows", real)
    assert [s.status for s in stored] == ["imported"] * len(group)
    return len(queries), len(inserts)


def test_storing_a_group_sends_as_many_statements_for_six_files_as_for_two(
    owner, issuer, monkeypatch
):
    small = _statements_storing(owner, _group(owner, issuer, 2), monkeypatch)
    large = _statements_storing(owner, _group(owner, issuer, 6), monkeypatch)

    assert large == small
    assert small[1] == 4  # credentials, runs, images, audit rows: one insert each
    stored = Credential.objects.filter(owner=owner, source="bulk")
    assert stored.count() == 8
    assert all(c.runs.count() == 1 for c in stored)
