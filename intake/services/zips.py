"""A ZIP of many credentials: checked at once, stored as a batch, imported by a task.

The archive passes the one guard (`intake.archives`) before it is stored; a task then imports
its files in the archive's order, a group at a time, recording progress on the batch. One
failure never stops the rest, and a batch interrupted (its worker gone, its time up) resumes
after the files it had settled (see `config.jobs`).
"""

from __future__ import annotations

import logging
import struct
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator, MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from config import jobs
from config.celery import enqueue_on_commit
from intake import archives
from intake.archives import ArchiveRefused, megabytes
from intake.models import ImportArchive, ImportBatch
from intake.services import arrival
from wallet import verifier
from wallet.bulk import insert_rows
from wallet.images import ImageMemo
from wallet.models import Source
from wallet.services.audit import audit_record
from wallet.services.store import (
    DUPLICATE,
    FAILED,
    IMPORTED,
    UPDATED,
    ImportOutcome,
    Stored,
    Verified,
    credential_store,
    credentials_store,
)
from wallet.verification import VerifyOptions
from wallet.wording import Said, template_of

logger = logging.getLogger(__name__)

# How many credential files one import takes: a batch is one background job, and its time
# is limited (SATCHEL_JOB_TIME_LIMIT).
MAX_BATCH_FILES = 1000


@dataclass(frozen=True)
class FileOutcome:
    """One member of a ZIP archive."""

    name: str
    status: str
    message: str
    credential_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "message": self.message,
            # The message's template and values, translated when the batch's page shows it.
            "message_i18n": template_of(self.message),
            "credential_id": self.credential_id,
        }


def inspect_zip(data: bytes) -> list[zipfile.ZipInfo]:
    """The archive's credential files, after the guard and the batch's own limit; raises
    ArchiveRefused."""
    with archives.open_archive(data) as archive:
        return _batch_files(archive)


def _batch_files(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    members = archives.checked_members(archives.credential_files(archive))
    if len(members) > MAX_BATCH_FILES:
        raise ArchiveRefused(
            Said(
                "The archive holds more than %(max_batch_files)s files.",
                max_batch_files=MAX_BATCH_FILES,
            )
        )
    return members


def credential_import_zip(
    *,
    owner: User,
    data: bytes,
    progress: Callable[[int, int, list[FileOutcome]], None] | None = None,
    now: datetime | None = None,
    skip: int = 0,
) -> list[FileOutcome]:
    """Import every file of a ZIP archive, in the archive's order; one failure never stops
    the rest. `skip` resumes an interrupted import after the files it had settled.

    Raises ArchiveRefused when the archive itself is refused (see `inspect_zip`).
    `progress(done, total, outcomes)` is called with each group of files settled, in order:
    up to `_STORE_BATCH` files (smaller groups in the archive's final stretch, see
    `_group_size`), or what `_PROGRESS_SECONDS` brought when files arrive slowly.
    A group is stored while the next one is verified when it can be (see `_GroupStorer`);
    `progress` is then called on the storing thread.
    """
    cap = settings.SATCHEL_MAX_UPLOAD_BYTES
    outcomes: list[FileOutcome] = []
    pending: list[tuple[str, FileOutcome | Verified]] = []

    with archives.open_archive(data) as archive:
        members = _batch_files(archive)

        def settled(group: list[FileOutcome]) -> None:
            outcomes.extend(group)
            if progress is not None:
                progress(skip + len(outcomes), len(members), group)

        options = archive_verify_options(owner=owner, now=now)
        with _GroupStorer(owner, settled) as storer:
            since = time.monotonic()
            for position, info in enumerate(members[skip:], start=skip + 1):
                member = _import_member(owner, archive, info, cap, options, data)
                pending.append((info.filename, member))
                storer.poll()
                full = len(pending) >= _group_size(left=len(members) - position)
                if full or time.monotonic() - since > _PROGRESS_SECONDS:
                    storer.store(pending)
                    pending = []
                    since = time.monotonic()
            if pending:
                storer.store(pending)
    return outcomes


class _GroupStorer:
    """Stores the groups of an archive in order, and hands each group's outcomes to `settled`.

    On PostgreSQL a group is stored on a thread of its own, with its own database connection,
    while the caller verifies the next group: the database server works on the machine's other
    core instead of the import waiting for it. At most one group is in flight, so memory stays
    bounded; its outcomes are handed on by the thread that stored it, right after its
    transaction, so always in the archive's order: the progress written then (a round trip
    and a commit) waits on the storing thread's connection, not on the caller, which learns
    of any error it raised (the job handed on) at its next `poll`. Each group is still one
    transaction (`credentials_store`), so a credential is never stored without its report,
    whichever thread stores it.

    The caller's own thread stores the groups on SQLite, whose work is this process's own (a
    storing thread there cost the import more CPU than it saved: docs/decisions/0028), and
    when another connection could not see what the caller's open transaction holds (the
    import running inside one, as in tests).
    """

    def __init__(self, owner: User, settled: Callable[[list[FileOutcome]], None]) -> None:
        self._owner = owner
        self._settled = settled
        self._images = ImageMemo()
        self._pool: ThreadPoolExecutor | None = None
        self._inflight: Future[None] | None = None
        if _may_store_aside():
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zip-store")

    def __enter__(self) -> _GroupStorer:
        return self

    def store(self, group: list[tuple[str, FileOutcome | Verified]]) -> None:
        if self._pool is None:
            self._store_and_settle(group)
            return
        self.wait()
        self._inflight = self._pool.submit(self._store_and_settle, group)

    def _store_and_settle(self, group: list[tuple[str, FileOutcome | Verified]]) -> None:
        self._settled(_store_members(self._owner, group, self._images))

    def poll(self) -> None:
        """Free the slot of the group in flight if it is stored and handed on by now, raising
        what handing it on raised."""
        if self._inflight is not None and self._inflight.done():
            self.wait()

    def wait(self) -> None:
        """Wait for the group in flight to be stored and handed on."""
        inflight, self._inflight = self._inflight, None
        if inflight is not None:
            inflight.result()

    def __exit__(self, kind: type[BaseException] | None, *_rest: object) -> None:
        if self._pool is None:
            return
        try:
            if kind is None:
                self.wait()
            elif self._inflight is not None:
                # Stopping (time up, the job handed on): the group in flight still commits
                # or not as a whole; record it if it did, but the first error is the one
                # that counts.
                try:
                    self.wait()
                except Exception:  # the error already on its way is the one reported
                    logger.warning("a ZIP group stored while the import stopped was not recorded")
        finally:
            # The storing thread's connection is its own: close it there, then end the thread.
            self._pool.submit(_close_connection).result()
            self._pool.shutdown(wait=True)


def _close_connection() -> None:
    connection.close()  # this thread's own (Django's connections are per thread)


def _may_store_aside() -> bool:
    """Whether a storing thread with a second connection stores the groups (see
    `_GroupStorer`): on PostgreSQL, outside a transaction of the caller's."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


_CANON_ENTRIES = 128


def archive_verify_options(*, owner: User, now: datetime | None = None) -> VerifyOptions:
    """How every member of one archive is verified: one fetcher and canon cache for the whole
    archive (its badges share issuers), the cache keeping its most recent entries only, so
    memory does not grow with the archive."""
    return verifier.make_verify_options(
        owner=owner, now=now, canon_cache=_RecentEntries(_CANON_ENTRIES)
    )


class _RecentEntries(MutableMapping[str, str]):
    """A mapping that forgets its oldest entries beyond `size` (insertion order)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: dict[str, str] = {}

    def __getitem__(self, key: str) -> str:
        return self._entries[key]

    def __setitem__(self, key: str, value: str) -> None:
        self._entries.pop(key, None)
        self._entries[key] = value
        while len(self._entries) > self._size:
            self._entries.pop(next(iter(self._entries)))

    def __delitem__(self, key: str) -> None:
        del self._entries[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


# Members stored together: one transaction and a few multi-row inserts per group, and at
# most this many verified reports held in memory at once. Progress is reported per group,
# and at least this often (seconds) when members are slow to verify (fetched badges).
_STORE_BATCH = 200
_PROGRESS_SECONDS = 1.0
# The archive's last group is stored with no file left to verify beside it: the import waits
# for all of it. So the final stretch goes in groups that halve (100, 50, 25 of 200), each
# no smaller than what is left to verify after it, so that storing it (and writing its
# progress) overlaps verifying the next, down to an eighth of a group: what is left to wait
# for at the end. Equal quarters made the first of them wait for the whole group before.
_TAIL_PARTS = 8


def _group_size(*, left: int) -> int:
    """How many members the group being gathered holds, `left` members still to verify
    after the latest one."""
    return max(1, _STORE_BATCH // _TAIL_PARTS, min(_STORE_BATCH, left))


def _store_members(
    owner: User, pending: list[tuple[str, FileOutcome | Verified]], images: ImageMemo
) -> list[FileOutcome]:
    """Each member's outcome, in order: those already settled as they are, the verified
    ones once stored (together if they can be, else one by one)."""
    ready = [(name, item) for name, item in pending if isinstance(item, Verified)]
    try:
        together = [v for _name, v in ready]
        stored = [
            _file_outcome_of(name, item)
            for (name, _v), item in zip(
                ready, credentials_store(owner=owner, verified=together, images=images), strict=True
            )
        ]
    except SoftTimeLimitExceeded:
        raise  # the task's time is up: not a bad file
    except Exception:  # one bad file must not stop the others: settle each on its own
        logger.exception("storing a batch of ZIP members failed; storing them one by one")
        stored = [_store_member(owner, name, item) for name, item in ready]
    results = iter(stored)
    return [item if isinstance(item, FileOutcome) else next(results) for _name, item in pending]


def _store_member(owner: User, name: str, ready: Verified) -> FileOutcome:
    try:
        result = credential_store(owner=owner, verified=ready)
    except SoftTimeLimitExceeded:
        raise
    except Exception:  # one bad file must not stop the others
        logger.exception("import of ZIP member %s failed", name)
        return FileOutcome(name, FAILED, Said("The wallet could not import this file."))
    return _file_outcome(name, result)


def _file_outcome_of(name: str, stored: Stored) -> FileOutcome:
    return FileOutcome(name, stored.status, stored.message, stored.credential_id)


def _file_outcome(name: str, result: ImportOutcome) -> FileOutcome:
    first = result.credential
    return FileOutcome(name, result.status, result.message, first.pk if first else None)


def _import_member(
    owner: User,
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    cap: int,
    options: VerifyOptions,
    data: bytes | None = None,
) -> FileOutcome | Verified:
    """The member's outcome, or its verified credential ready to be stored with others.
    `data` is the archive's bytes, when the caller holds them (see `_member_bytes`)."""
    name = info.filename
    if info.flag_bits & 0x1:
        return FileOutcome(name, FAILED, Said("The file is encrypted."))
    if info.file_size > cap:
        return FileOutcome(
            name, FAILED, Said("The file is larger than the %(limit)s limit.", limit=megabytes(cap))
        )
    try:
        content = _member_bytes(data, info) if data is not None else None
        if content is None:
            with archive.open(info) as member:
                content = member.read(cap + 1)
        result = arrival.arrive(
            owner=owner,
            data=content,
            source=Source.BULK,
            filename=name,
            media_type=None,
            source_url="",
            now=options.now,
            options=options,
        )
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        logger.info("unreadable ZIP member %s: %s", name, exc)
        return FileOutcome(name, FAILED, Said("The file could not be read from the archive."))
    except SoftTimeLimitExceeded:
        raise
    except Exception:  # one bad file must not stop the others
        logger.exception("import of ZIP member %s failed", name)
        return FileOutcome(name, FAILED, Said("The wallet could not import this file."))
    return result if isinstance(result, Verified) else _file_outcome(name, result)


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # a ZIP local file header (APPNOTE 4.3.7)


def _member_bytes(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """A stored or deflated member read straight from the archive's bytes, as
    `ZipFile.open(info).read()` reads it but without its file object, header re-reading and
    stream machinery (a tenth of what verifying the member costs): the local header must name
    the member as the directory does, the content inflates to exactly the declared size (never
    more is produced) and its CRC-32 must match. None for any other kind of member (the
    caller reads it through `zipfile`); raises zipfile.BadZipFile as `zipfile` would."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 1:
        return None
    offset = info.header_offset
    header = data[offset : offset + _LOCAL_HEADER.size]
    if len(header) != _LOCAL_HEADER.size:
        raise zipfile.BadZipFile("Truncated file header")
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != b"PK\x03\x04":
        raise zipfile.BadZipFile("Bad magic number for file header")
    name_end = offset + _LOCAL_HEADER.size + fields[10]
    raw_name = data[offset + _LOCAL_HEADER.size : name_end]
    name = raw_name.decode("utf-8" if fields[3] & 0x800 else "cp437")
    if name != info.orig_filename:
        raise zipfile.BadZipFile(f"File name in directory {info.orig_filename!r} and header differ")
    start = name_end + fields[11]
    raw = data[start : start + info.compress_size]
    if len(raw) != info.compress_size:
        raise zipfile.BadZipFile("Truncated member")
    if info.compress_type == zipfile.ZIP_STORED:
        content = bytes(raw)
    else:
        content = zlib.decompressobj(-15).decompress(raw, info.file_size + 1)
    if len(content) != info.file_size or zlib.crc32(content) != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
    return content


# --- ZIP batches (run by a task) -----------------------------------------------------------


def _forget_archive(batch_id: int) -> None:
    ImportArchive.objects.filter(batch_id=batch_id, batch__status=jobs.FAILED).delete()


BATCH_JOBS = jobs.JobKind(
    model=ImportBatch,
    task="intake.tasks.import_zip",
    not_started=gettext_noop(
        "The import could not be started: the wallet's background service is unavailable. "
        "Nothing was imported. Please upload the archive again in a few minutes."
    ),
    gave_up=gettext_noop(
        "The import stopped unexpectedly several times and was given up. The files it had "
        "finished are in your record; upload the archive again to import the rest (files "
        "already in your record are recognised)."
    ),
    forget=_forget_archive,
)


def import_batches_sweep(*, now: datetime | None = None) -> int:
    """Resume or fail every stalled import batch (see `config.jobs`)."""
    return jobs.jobs_sweep(BATCH_JOBS, now=now)


def zip_batch_create(
    *, owner: User, data: bytes, filename: str = "", now: datetime | None = None
) -> ImportBatch:
    """Check the archive, store it as a batch and enqueue its import once committed.

    Raises ArchiveRefused at once for an archive that would be refused anyway.
    """
    now = now or timezone.now()
    members = inspect_zip(data)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            owner=owner,
            filename=filename[:255],
            total=len(members),
            created_at=now,
            heartbeat_at=now,
        )
        # As the bulk import writes its rows: on PostgreSQL the bytes go as they are, not
        # hex-quoted into the SQL text by Django's default cursor (about 0.1 s for the
        # 3 MB archive of a thousand credentials, against 1 s to verify them).
        insert_rows(ImportArchive, [{"batch_id": batch.pk, "data": data}])
        audit_record(
            user=owner,
            action="import.batch_created",
            target=batch,
            detail={"filename": filename, "files": len(members)},
            now=now,
        )
        enqueue_on_commit(
            BATCH_JOBS.task,
            batch.pk,
            on_failure=lambda: jobs.job_not_started(BATCH_JOBS, job_id=batch.pk),
        )
    return batch


def zip_batch_run(*, batch_id: int, run_id: str = "", now: datetime | None = None) -> ImportBatch:
    """Import a stored batch, recording progress on it as it goes.

    Safe to run again (see `config.jobs`): a finished batch, or one another run
    holds, is left alone; an interrupted one resumes after the files it had settled.
    """
    try:
        batch = jobs.job_claim(BATCH_JOBS, job_id=batch_id, run_id=run_id)
    except jobs.JobTaken:
        return ImportBatch.objects.get(pk=batch_id)
    if jobs.job_gave_up(BATCH_JOBS, batch):
        return ImportBatch.objects.get(pk=batch_id)
    summary: list[dict[str, Any]] = list(batch.summary or [])
    data = _stored_archive(batch.pk)
    if data is None:
        message = Said("The archive is no longer stored; upload it again.")
        return _finish_batch(batch, ImportBatch.Status.FAILED, message, summary, now, run_id)

    # How many of the summary's entries the batch's row holds: the last beat's summary is not
    # written again when the batch finishes (a thousand files' outcomes are 200 KB of JSON).
    recorded = [len(summary)]

    def progress(done: int, total: int, outcomes: list[FileOutcome]) -> None:
        summary.extend(outcome.to_dict() for outcome in outcomes)
        jobs.job_beat(
            BATCH_JOBS, job_id=batch.pk, run_id=run_id, done=done, total=total, summary=summary
        )
        recorded[0] = len(summary)

    def finish(status: str, message: str) -> ImportBatch:
        unsaved = len(summary) != recorded[0]
        return _finish_batch(batch, status, message, summary, now, run_id, unsaved=unsaved)

    try:
        credential_import_zip(
            owner=batch.owner, data=data, progress=progress, now=now, skip=len(summary)
        )
    except ArchiveRefused as exc:
        return finish(ImportBatch.Status.FAILED, archives.refusal(exc))
    except jobs.JobTaken:
        logger.warning("import batch %s was handed to another run; this one stops", batch.pk)
        return ImportBatch.objects.get(pk=batch.pk)
    except SoftTimeLimitExceeded:
        message = Said(
            "The import took longer than the wallet allows and stopped after %(done)s "
            "of %(total)s files. Those are in your record; upload the archive again to "
            "import the rest (files already in your record are recognised).",
            done=len(summary),
            total=batch.total,
        )
        return finish(ImportBatch.Status.FAILED, message)
    # The summary holds every file's outcome, those of earlier runs of this batch included.
    statuses = [item["status"] for item in summary]
    counts = {s: statuses.count(s) for s in (IMPORTED, UPDATED, DUPLICATE)}
    failed = statuses.count(FAILED)
    message = Said(
        "%(imported)s imported, %(updated)s updated, %(duplicate)s already in your record, "
        "%(failed)s could not be imported.",
        imported=counts[IMPORTED],
        updated=counts[UPDATED],
        duplicate=counts[DUPLICATE],
        failed=failed,
    )
    return finish(ImportBatch.Status.DONE, message)


def _stored_archive(batch_id: int) -> bytes | None:
    """The batch's archive, as `zip_batch_create` stored it. On PostgreSQL it is read in
    binary, as it was written (`insert_rows`): Django's cursor asks for text, which has the
    server hex-encode the 3 MB of a thousand credentials and psycopg decode them again
    (about 10 ms of this process's CPU and 20 ms before the first file is verified)."""
    if connection.vendor != "postgresql":
        data = ImportArchive.objects.filter(batch_id=batch_id).values_list("data", flat=True)
        found = data.first()
        return None if found is None else bytes(found)
    import psycopg

    quote = connection.ops.quote_name
    meta = ImportArchive._meta
    # Only the model's own table and column names, quoted, go into the statement.
    statement = (
        f"SELECT {quote(meta.get_field('data').column)} FROM {quote(meta.db_table)}"  # noqa: S608
        f" WHERE {quote(meta.get_field('batch').column)} = %s"
    )
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(statement, [batch_id], binary=True)
        row = cursor.fetchone()
    return None if row is None else bytes(row[0])


def _finish_batch(
    batch: ImportBatch,
    status: str,
    message: str,
    summary: list[dict[str, Any]],
    now: Any,
    run_id: str,
    *,
    unsaved: bool = True,
) -> ImportBatch:
    """Write the batch's end; `unsaved` when the row does not hold `summary` yet."""
    written = {"summary": summary} if unsaved else {}
    with transaction.atomic():
        finished = jobs.job_finish(
            BATCH_JOBS,
            job_id=batch.pk,
            run_id=run_id,
            status=status,
            message=message,
            message_i18n=template_of(message),
            done=len(summary),
            finished_at=now or timezone.now(),
            **written,
        )
        if finished:
            # The archive is not kept once its credentials are.
            ImportArchive.objects.filter(batch=batch).delete()
    return ImportBatch.objects.get(pk=batch.pk)
