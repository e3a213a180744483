"""The one ZIP guard (intake.archives): its limits, and the declared sizes it trusts."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from django.test import override_settings

from intake import archives

pytestmark = pytest.mark.django_db


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _declaring(data: bytes, size: int) -> bytes:
    """`data` (an archive of one member) with that member's size in both headers set to
    `size`: an archive that lies about what it unpacks to."""
    raw = bytearray(data)
    local = raw.index(b"PK\x03\x04")
    struct.pack_into("<I", raw, local + 22, size)
    central = raw.index(b"PK\x01\x02")
    struct.pack_into("<I", raw, central + 24, size)
    return bytes(raw)


def test_a_member_compressed_more_than_the_ratio_allows_is_a_bomb() -> None:
    data = _zip({"a.json": b"\0" * (2 * 1024 * 1024)})

    with (
        archives.open_archive(data) as archive,
        pytest.raises(archives.ArchiveRefused, match="compressed more than 200 times"),
    ):
        archives.checked_members(archives.files(archive))


def test_highly_compressible_text_below_the_ratio_floor_is_ordinary() -> None:
    data = _zip({"a.json": b" " * (512 * 1024)})

    with archives.open_archive(data) as archive:
        assert len(archives.checked_members(archives.files(archive))) == 1


@override_settings(SATCHEL_MAX_ZIP_UNCOMPRESSED_BYTES=10_000)
def test_an_archive_that_lies_about_its_sizes_cannot_unpack_past_them() -> None:
    honest = _zip({"a.json": b"x" * 60_000})
    lying = _declaring(honest, 1_000)

    with archives.open_archive(honest) as archive, pytest.raises(archives.ArchiveRefused):
        archives.checked_members(archives.files(archive))
    with archives.open_archive(lying) as archive:
        members = archives.checked_members(archives.files(archive))
        with pytest.raises(zipfile.BadZipFile), archive.open(members[0]) as member:
            assert len(member.read()) <= 1_000


def test_what_operating_systems_add_to_an_archive_is_not_a_credential() -> None:
    data = _zip(
        {"a.json": b"{}", "__MACOSX/._a.json": b"\0", ".DS_Store": b"\0", "d/b.json": b"{}"}
    )

    with archives.open_archive(data) as archive:
        assert [m.filename for m in archives.credential_files(archive)] == ["a.json", "d/b.json"]


def test_a_file_that_is_not_a_zip_is_refused() -> None:
    with pytest.raises(archives.ArchiveRefused, match="not a ZIP archive"):
        archives.open_archive(b"just text")
