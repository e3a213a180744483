"""Bringing credentials in: one file, pasted text, a link, or a ZIP of many.

Every import verifies first (outside any transaction: it may fetch), then stores in one
transaction, so the database never holds half a credential (a CLR and its children land
together). What verifies and what does not are both kept: the record says which, and the
learner decides. What is not a credential at all is refused and nothing is stored.
"""

from __future__ import annotations

import io
import logging
import re
import time
import zipfile
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config import jobs
from config.celery import enqueue_on_commit
from config.outbound import make_fetcher
from wallet import verifier
from wallet.images import ImageMemo
from wallet.models import (
    ImportArchive,
    ImportBatch,
    Source,
)
from wallet.services.audit import audit_record
from wallet.services.store import (
    DUPLICATE,
    FAILED,
    IMPORTED,
    JSON_MEDIA_TYPE,
    JWT_MEDIA_TYPE,
    UPDATED,
    Arrival,
    ImportOutcome,
    Stored,
    Verified,
    credential_store,
    credentials_store,
    embedded_original,
)
from wallet.verification import Report, VerifyOptions, verify_bytes, verify_document
from wallet.verification.errors import VerificationInputError
from wallet.verification.fetch import FetchError, FetchRefused
from wallet.verification.parse import parse_input

logger = logging.getLogger(__name__)

# The verifier's "nothing at this address" checks; their detail names the address and status
# ("<url>: HTTP 404" for a baked link, "GET <url> -> HTTP 404" for a bare one).
_NOTHING_HOSTED_CODES = ("ob2.not_found", "fetch.http_error")
_HTTP_DETAIL = re.compile(r"(?:GET )?(?P<url>https?://\S+?)(?::| ->) HTTP (?P<status>\d{3})")
_URL_ACCEPT = "application/ld+json, application/json, application/vc+jwt, image/png, image/svg+xml"


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
            "credential_id": self.credential_id,
        }


class ArchiveRefused(ValueError):
    """The ZIP archive as a whole is refused (unreadable, too many files, a ZIP bomb)."""


# --- one credential ----------------------------------------------------------------------


def credential_import(
    *,
    owner: Any,
    data: bytes,
    source: str,
    filename: str = "",
    media_type: str | None = None,
    source_url: str = "",
    now: datetime | None = None,
    options: VerifyOptions | None = None,
) -> ImportOutcome:
    """Verify and store one credential (or each credential of a presentation).

    `data` is kept byte for byte. Pass `options` to share a fetcher and canon cache across
    several imports (bulk); otherwise they are built for `owner`.
    """
    result = _arrive(
        owner=owner,
        data=data,
        source=source,
        filename=filename,
        media_type=media_type,
        source_url=source_url,
        now=now,
        options=options,
    )
    if isinstance(result, Verified):
        return credential_store(owner=owner, verified=result)
    return result


def _arrive(
    *,
    owner: Any,
    data: bytes,
    source: str,
    filename: str,
    media_type: str | None,
    source_url: str,
    now: datetime | None,
    options: VerifyOptions | None,
) -> ImportOutcome | Verified:
    """`credential_import` up to storing: a single verified credential comes back ready to
    store (on its own, or with others through `credentials_store`); anything else is settled."""
    now = now or timezone.now()
    cap = settings.SATCHEL_MAX_UPLOAD_BYTES
    if len(data) > cap:
        return _refuse(owner, f"The file is larger than the {_megabytes(cap)} limit.", filename)
    if not data.strip():
        return _refuse(owner, "The file is empty.", filename)
    url = _pasted_url(data)
    if url is not None:
        return credential_import_url(owner=owner, url=url, now=now)
    options = options or verifier.make_verify_options(owner=owner, now=now)
    arrival = Arrival(source, filename, source_url, now, options.fetcher)
    documents = _listed_documents(data, options)
    if documents:
        return _import_listed(owner, documents, options, arrival)
    report = verify_bytes(data, options=options, media_type=media_type)
    missing = _nothing_hosted(report)
    if missing is not None:
        return _refuse(owner, missing, filename)
    if report.format == "unknown":
        return _refuse(owner, _not_a_credential(report, data), filename)
    if report.format == "vp":
        return _import_presentation(owner, report, arrival)
    # The declared media type is the sender's claim; what the bytes turned out to be is kept.
    return Verified(report, data, _media_for(report.container), arrival)


def credential_import_url(*, owner: Any, url: str, now: datetime | None = None) -> ImportOutcome:
    """Fetch `url` through the guarded fetcher and import what it serves."""
    url = url.strip()
    if not url.startswith(("https://", "http://")) or len(url) > 2000:
        return _refuse(owner, "Only a web address (https://...) can be imported.", url)
    fetcher = make_fetcher()
    try:
        result = fetcher.fetch(url, accept=_URL_ACCEPT)
    except FetchRefused as exc:
        return _refuse(owner, f"The wallet does not fetch from that address ({exc}).", url)
    except FetchError:
        return _refuse(owner, "That address could not be reached. Try again later.", url)
    if result.status == 410:
        return _refuse(owner, "The issuer has withdrawn the credential at that address.", url)
    if not result.ok:
        return _refuse(owner, _unhosted_message(url, result.status), url)
    if _pasted_url(result.body) is not None:
        # Following it would let one address send the wallet on from link to link.
        return _refuse(owner, "That address serves another link, not a credential.", url)
    media = result.content_type.split(";")[0].strip().lower() or None
    options = verifier.make_verify_options(owner=owner, now=now, fetcher=fetcher)
    return credential_import(
        owner=owner,
        data=result.body,
        source=Source.URL,
        source_url=url,
        media_type=media,
        now=now,
        options=options,
    )


def _refuse(owner: Any, message: str, name: str = "") -> ImportOutcome:
    with transaction.atomic():
        audit_record(
            user=owner, action="credential.import_refused", detail={"name": name, "reason": message}
        )
    return ImportOutcome(FAILED, None, message)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size} bytes"


def _pasted_url(data: bytes) -> str | None:
    if len(data) > 2100:
        return None
    text = data.decode("utf-8", "replace").strip()
    if text.startswith(("https://", "http://")) and not any(c.isspace() for c in text):
        return text
    return None


def _nothing_hosted(report: Report) -> str | None:
    """Why nothing can be stored when the input is only a link (a bare URL, or a legacy
    baked image pointing at a hosted assertion) and its address serves nothing.

    Storing such an import would keep a link, not a credential; an image that also carries
    the assertion never gets here: its verdict says the issuer's copy is gone.
    """
    for check in report.failures:
        if check.code not in _NOTHING_HOSTED_CODES:
            continue
        found = _HTTP_DETAIL.match(check.detail or "")
        if found is not None:
            return _unhosted_message(found["url"], int(found["status"]))
    return None


def _unhosted_message(url: str, status: int) -> str:
    if status in (404, 410):
        return f"The issuer no longer hosts this badge at {url}; nothing was imported."
    if status >= 500:
        return (
            f"The issuer's server could not serve this badge at {url} (HTTP {status}); "
            "nothing was imported. Try again later."
        )
    return f"The address {url} answered with HTTP {status}; nothing was imported."


def _not_a_credential(report: Report, data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        return "This is a ZIP archive: use the bulk import for archives."
    reason = next((c.message for c in report.failures), "")
    return f"This file is not a credential the wallet recognises. {reason}".strip()


def _media_for(container: str) -> str:
    return {
        "json": JSON_MEDIA_TYPE,
        "jwt": JWT_MEDIA_TYPE,
        "png": "image/png",
        "svg": "image/svg+xml",
    }.get(container, "application/octet-stream")


def _import_presentation(owner: Any, report: Report, arrival: Arrival) -> ImportOutcome:
    outcomes = []
    for child in report.children:
        original = embedded_original(child)
        if original is None or child.format == "unknown":
            continue
        verified = Verified(child, original[0], original[1], arrival)
        outcomes.append(credential_store(owner=owner, verified=verified))
    return _summarise(owner, outcomes, "the presentation")


def _listed_documents(data: bytes, options: VerifyOptions) -> tuple[dict[str, Any] | str, ...]:
    """The credentials of a JSON array file (a migration export): objects and JWT strings."""
    if not data.lstrip()[:1] == b"[":
        return ()
    try:
        parsed = parse_input(data, limits=options.limits)
    except VerificationInputError:
        return ()
    return parsed.documents


def _import_listed(
    owner: Any,
    documents: tuple[dict[str, Any] | str, ...],
    options: VerifyOptions,
    arrival: Arrival,
) -> ImportOutcome:
    """Each credential of a JSON array as its own record (see `embedded_original`): a JWT
    item keeps its exact token, an object is kept as `json.dumps` of itself, since the
    array's elements never existed as files of their own."""
    outcomes = []
    for item in documents:
        if isinstance(item, str):
            report = verify_bytes(item.encode(), options=options, media_type=JWT_MEDIA_TYPE)
        else:
            report = verify_document(item, options=options)
        if report.format in ("unknown", "vp"):
            continue
        original = embedded_original(report)
        if original is not None:
            verified = Verified(report, original[0], original[1], arrival)
            outcomes.append(credential_store(owner=owner, verified=verified))
    return _summarise(owner, outcomes, "the file")


def _summarise(owner: Any, outcomes: list[ImportOutcome], where: str) -> ImportOutcome:
    stored = tuple(c for o in outcomes for c in o.credentials)
    if not stored:
        return _refuse(owner, f"{where.capitalize()} holds no credential the wallet recognises.")
    counts = {s: sum(o.status == s for o in outcomes) for s in (IMPORTED, UPDATED, DUPLICATE)}
    status = next((s for s in (IMPORTED, UPDATED) if counts[s]), DUPLICATE)
    message = (
        f"From {where}: {counts[IMPORTED]} imported, {counts[UPDATED]} updated, "
        f"{counts[DUPLICATE]} already in your record."
    )
    return ImportOutcome(status, stored[0], message, stored)


# --- ZIP archives ------------------------------------------------------------------------

MAX_ZIP_MEMBERS = 1000
MAX_ZIP_RATIO = 100
# Below this size a high compression ratio is ordinary (padded JSON), not a bomb.
_RATIO_FLOOR = 1024 * 1024
_JUNK_PREFIXES = ("__MACOSX/", ".")


def zip_limits() -> tuple[int, int]:
    """(largest archive accepted, largest total uncompressed size), from settings."""
    upload = settings.SATCHEL_MAX_UPLOAD_BYTES
    archive = getattr(settings, "SATCHEL_MAX_ZIP_BYTES", 20 * upload)
    uncompressed = getattr(settings, "SATCHEL_MAX_ZIP_UNCOMPRESSED_BYTES", 40 * upload)
    return archive, uncompressed


def inspect_zip(data: bytes) -> list[zipfile.ZipInfo]:
    """The archive's credential members, after every cap; raises ArchiveRefused."""
    with _open_archive(data) as archive:
        return _checked_members(archive)


def _open_archive(data: bytes) -> zipfile.ZipFile:
    archive_cap, _uncompressed_cap = zip_limits()
    if len(data) > archive_cap:
        raise ArchiveRefused(f"The archive is larger than the {_megabytes(archive_cap)} limit.")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ArchiveRefused("This file is not a ZIP archive the wallet can read.") from exc


def _checked_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    _archive_cap, uncompressed_cap = zip_limits()
    members = [i for i in archive.infolist() if not i.is_dir() and not _is_junk(i.filename)]
    if len(members) > MAX_ZIP_MEMBERS:
        raise ArchiveRefused(f"The archive holds more than {MAX_ZIP_MEMBERS} files.")
    if sum(i.file_size for i in members) > uncompressed_cap:
        raise ArchiveRefused(
            "The archive unpacks to more than "
            f"{_megabytes(uncompressed_cap)}; it looks like a ZIP bomb and was refused."
        )
    for info in members:
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_ZIP_RATIO * max(
            info.compress_size, 1
        ):
            raise ArchiveRefused(
                f"{info.filename} is compressed more than {MAX_ZIP_RATIO} times; "
                "the archive looks like a ZIP bomb and was refused."
            )
    return members


def _is_junk(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return name.startswith(_JUNK_PREFIXES) or base.startswith(".") or not base


def credential_import_zip(
    *,
    owner: Any,
    data: bytes,
    progress: Callable[[int, int, list[FileOutcome]], None] | None = None,
    now: datetime | None = None,
    skip: int = 0,
) -> list[FileOutcome]:
    """Import every file of a ZIP archive, in the archive's order; one failure never stops
    the rest. `skip` resumes an interrupted import after the files it had settled.

    Raises ArchiveRefused when the archive itself is refused (see `inspect_zip`).
    `progress(done, total, outcomes)` is called with each group of files settled: up to
    `_STORE_BATCH` files, or what `_PROGRESS_SECONDS` brought when files arrive slowly.
    """
    cap = settings.SATCHEL_MAX_UPLOAD_BYTES
    images = ImageMemo()
    outcomes: list[FileOutcome] = []
    pending: list[tuple[str, FileOutcome | Verified]] = []

    def flush() -> None:
        if not pending:
            return
        settled = _store_members(owner, pending, images)
        pending.clear()
        outcomes.extend(settled)
        if progress is not None:
            progress(skip + len(outcomes), len(members), settled)

    with _open_archive(data) as archive:
        members = _checked_members(archive)
        options = archive_verify_options(owner=owner, now=now)
        since = time.monotonic()
        for info in members[skip:]:
            pending.append((info.filename, _import_member(owner, archive, info, cap, options)))
            if len(pending) >= _STORE_BATCH or time.monotonic() - since > _PROGRESS_SECONDS:
                flush()
                since = time.monotonic()
        flush()
    return outcomes


_CANON_ENTRIES = 128


def archive_verify_options(*, owner: Any, now: datetime | None = None) -> VerifyOptions:
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


def _store_members(
    owner: Any, pending: list[tuple[str, FileOutcome | Verified]], images: ImageMemo
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


def _store_member(owner: Any, name: str, ready: Verified) -> FileOutcome:
    try:
        result = credential_store(owner=owner, verified=ready)
    except SoftTimeLimitExceeded:
        raise
    except Exception:  # one bad file must not stop the others
        logger.exception("import of ZIP member %s failed", name)
        return FileOutcome(name, FAILED, "The wallet could not import this file.")
    return _file_outcome(name, result)


def _file_outcome_of(name: str, stored: Stored) -> FileOutcome:
    return FileOutcome(name, stored.status, stored.message, stored.credential_id)


def _file_outcome(name: str, result: ImportOutcome) -> FileOutcome:
    first = result.credential
    return FileOutcome(name, result.status, result.message, first.pk if first else None)


def _import_member(
    owner: Any,
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    cap: int,
    options: VerifyOptions,
) -> FileOutcome | Verified:
    """The member's outcome, or its verified credential ready to be stored with others."""
    name = info.filename
    if info.flag_bits & 0x1:
        return FileOutcome(name, FAILED, "The file is encrypted.")
    if info.file_size > cap:
        return FileOutcome(name, FAILED, f"The file is larger than the {_megabytes(cap)} limit.")
    try:
        with archive.open(info) as member:
            content = member.read(cap + 1)
        result = _arrive(
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
        return FileOutcome(name, FAILED, "The file could not be read from the archive.")
    except SoftTimeLimitExceeded:
        raise
    except Exception:  # one bad file must not stop the others
        logger.exception("import of ZIP member %s failed", name)
        return FileOutcome(name, FAILED, "The wallet could not import this file.")
    return result if isinstance(result, Verified) else _file_outcome(name, result)


# --- ZIP batches (run by a task) -----------------------------------------------------------


def _forget_archive(batch_id: int) -> None:
    ImportArchive.objects.filter(batch_id=batch_id, batch__status=jobs.FAILED).delete()


BATCH_JOBS = jobs.JobKind(
    model=ImportBatch,
    task="wallet.tasks.import_zip",
    not_started=(
        "The import could not be started: the wallet's background service is unavailable. "
        "Nothing was imported. Please upload the archive again in a few minutes."
    ),
    gave_up=(
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
    *, owner: Any, data: bytes, filename: str = "", now: datetime | None = None
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
        ImportArchive.objects.create(batch=batch, data=data)
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
    data = ImportArchive.objects.filter(batch=batch).values_list("data", flat=True).first()
    if data is None:
        message = "The archive is no longer stored; upload it again."
        return _finish_batch(batch, ImportBatch.Status.FAILED, message, summary, now, run_id)

    def progress(done: int, total: int, outcomes: list[FileOutcome]) -> None:
        summary.extend(outcome.to_dict() for outcome in outcomes)
        jobs.job_beat(
            BATCH_JOBS, job_id=batch.pk, run_id=run_id, done=done, total=total, summary=summary
        )

    try:
        credential_import_zip(
            owner=batch.owner, data=bytes(data), progress=progress, now=now, skip=len(summary)
        )
    except ArchiveRefused as exc:
        return _finish_batch(batch, ImportBatch.Status.FAILED, str(exc), summary, now, run_id)
    except jobs.JobTaken:
        logger.warning("import batch %s was handed to another run; this one stops", batch.pk)
        return ImportBatch.objects.get(pk=batch.pk)
    except SoftTimeLimitExceeded:
        message = (
            f"The import took longer than the wallet allows and stopped after {len(summary)} "
            f"of {batch.total} files. Those are in your record; upload the archive again to "
            "import the rest (files already in your record are recognised)."
        )
        return _finish_batch(batch, ImportBatch.Status.FAILED, message, summary, now, run_id)
    # The summary holds every file's outcome, those of earlier runs of this batch included.
    statuses = [item["status"] for item in summary]
    counts = {s: statuses.count(s) for s in (IMPORTED, UPDATED, DUPLICATE)}
    failed = statuses.count(FAILED)
    message = (
        f"{counts[IMPORTED]} imported, {counts[UPDATED]} updated, "
        f"{counts[DUPLICATE]} already in your record, {failed} could not be imported."
    )
    return _finish_batch(batch, ImportBatch.Status.DONE, message, summary, now, run_id)


def _finish_batch(
    batch: ImportBatch,
    status: str,
    message: str,
    summary: list[dict[str, Any]],
    now: Any,
    run_id: str,
) -> ImportBatch:
    with transaction.atomic():
        finished = jobs.job_finish(
            BATCH_JOBS,
            job_id=batch.pk,
            run_id=run_id,
            status=status,
            message=message,
            summary=summary,
            done=len(summary),
            finished_at=now or timezone.now(),
        )
        if finished:
            # The archive is not kept once its credentials are.
            ImportArchive.objects.filter(batch=batch).delete()
    return ImportBatch.objects.get(pk=batch.pk)
