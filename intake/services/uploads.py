"""An uploaded file, whatever it holds: the one flow behind the import page and the import API.

A ZIP archive becomes a batch imported in the background (`intake.services.zips`); anything
else is imported at once (`intake.services.arrival`). The page and the API differ only in how
they say what happened.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext

from accounts.models import User
from intake.archives import ArchiveRefused, max_archive_bytes
from intake.models import ImportBatch
from intake.services import arrival, zips
from wallet.models import Source
from wallet.services.store import ImportOutcome

ZIP_MAGIC = b"PK\x03\x04"


def upload_import(
    *, owner: User, upload: UploadedFile, now: datetime | None = None
) -> ImportOutcome | ImportBatch:
    """Import one uploaded file: a ZIP archive as a batch (raises ArchiveRefused when the
    archive is refused), anything else as a credential (the outcome says how it went)."""
    if is_zip(upload):
        return archive_upload_import(owner=owner, upload=upload, now=now)
    cap = settings.SATCHEL_MAX_UPLOAD_BYTES
    return arrival.credential_import(
        owner=owner,
        data=_read_capped(upload, cap),
        source=Source.UPLOAD,
        filename=upload.name or "",
        media_type=upload.content_type or None,
        now=now,
    )


def archive_upload_import(
    *, owner: User, upload: UploadedFile, now: datetime | None = None
) -> ImportBatch:
    """Start importing an uploaded ZIP archive; raises ArchiveRefused (an archive over the
    cap is refused by its declared size, before it is read)."""
    if (upload.size or 0) > max_archive_bytes():
        raise ArchiveRefused(gettext("The archive is larger than the wallet accepts."))
    return zips.zip_batch_create(
        owner=owner, data=upload.read(), filename=upload.name or "", now=now
    )


def is_zip(upload: UploadedFile) -> bool:
    upload.seek(0)
    head = upload.read(len(ZIP_MAGIC))
    upload.seek(0)
    return head == ZIP_MAGIC


def _read_capped(upload: UploadedFile, cap: int) -> bytes:
    # An oversized file is refused by its declared size, without reading it into memory;
    # never more than one byte past the cap is read, and the import refuses what is larger.
    return b"\0" * (cap + 1) if (upload.size or 0) > cap else upload.read(cap + 1)
