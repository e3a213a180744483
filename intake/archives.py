"""The one guard for ZIP archives the wallet opens: a bulk import and a restore alike.

One set of limits, whatever the archive is for:

- the archive itself: at most SATCHEL_MAX_ZIP_BYTES;
- what it unpacks to, summed over the members that will be read: at most
  SATCHEL_MAX_ZIP_UNCOMPRESSED_BYTES. These are the sizes the archive declares, and they
  hold: reading a member never yields more than its declared size (zipfile stops there, and
  a member that inflates further fails its CRC check and is refused as unreadable);
- at most `MAX_MEMBERS` members (what keeps one archive's directory small in memory);
- no member above `RATIO_FLOOR` compressed more than `MAX_RATIO` times (a ZIP bomb).

Before issue 11 the bulk import and the restore each had a guard, with the same byte caps
(both from settings) but different counts and ratios: 1,000 members and 100 times for the
import, 100,000 members and 200 times for the restore. The restore's are kept for both,
because the stricter ones refuse genuine exports: a record with its images and earlier
versions passes 1,000 files, and an export's manifest.json holds every check of every
credential, near-identical reports that compress well (measured: 98 times after a year of
nightly re-checks, 107 after four; deflate approaches 110 on such text and cannot pass
about 1,030 even on a run of one byte). How many credential files one import batch takes
(1,000) stays the batch's own rule (`intake.services.zips`).
"""

from __future__ import annotations

import io
import zipfile

from django.conf import settings

from wallet.wording import Said

MAX_MEMBERS = 100_000
MAX_RATIO = 200
# Below this size a high compression ratio is ordinary (padded JSON), not a bomb.
RATIO_FLOOR = 1024 * 1024
_JUNK_PREFIXES = ("__MACOSX/", ".")


class ArchiveRefused(ValueError):
    """The ZIP archive as a whole is refused (unreadable, too large, a ZIP bomb)."""


def refusal(exc: ArchiveRefused) -> str:
    """The refusal's sentence as raised (a `Said` keeps its template for a stored batch)."""
    first = exc.args[0] if exc.args else ""
    return first if isinstance(first, str) else str(exc)


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size} bytes"


def max_archive_bytes() -> int:
    """The largest archive accepted (a bulk import or an export to restore)."""
    return int(settings.SATCHEL_MAX_ZIP_BYTES)


def open_archive(data: bytes) -> zipfile.ZipFile:
    """The archive, opened after its size is checked; raises ArchiveRefused."""
    cap = max_archive_bytes()
    if len(data) > cap:
        raise ArchiveRefused(
            Said("The archive is larger than the %(megabytes)s limit.", megabytes=megabytes(cap))
        )
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise ArchiveRefused(Said("This file is not a ZIP archive the wallet can read.")) from exc


def checked_members(members: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """`members` (those the caller will read), once the guard's limits hold for them; raises
    ArchiveRefused."""
    uncompressed_cap = int(settings.SATCHEL_MAX_ZIP_UNCOMPRESSED_BYTES)
    if len(members) > MAX_MEMBERS:
        raise ArchiveRefused(
            Said(
                "The archive holds more than %(max_members)s files.",
                max_members=format(MAX_MEMBERS, ","),
            )
        )
    if sum(i.file_size for i in members) > uncompressed_cap:
        raise ArchiveRefused(
            Said(
                "The archive unpacks to more than %(megabytes)s; it looks like a ZIP "
                "bomb and was refused.",
                megabytes=megabytes(uncompressed_cap),
            )
        )
    for info in members:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ArchiveRefused(
                Said(
                    "%(name)s is compressed more than %(ratio)s times; "
                    "the archive looks like a ZIP bomb and was refused.",
                    name=info.filename,
                    ratio=MAX_RATIO,
                )
            )
    return members


def files(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Every file of the archive (not its folders)."""
    return [info for info in archive.infolist() if not info.is_dir()]


def credential_files(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The files of an archive of credentials, without what operating systems add to one
    (`__MACOSX/`, hidden files)."""
    return [info for info in files(archive) if not _is_junk(info.filename)]


def _is_junk(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return name.startswith(_JUNK_PREFIXES) or base.startswith(".") or not base
