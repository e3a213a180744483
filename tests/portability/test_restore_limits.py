"""A restore opens its archive through the same ZIP guard as a bulk import, with the same
limits (intake.archives), and Satchel's own exports stay well inside them."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import override_settings

from intake import archives
from intake.services import zips
from portability import services as portability
from portability.services import RestoreRefused
from tests.portability.support import LATER, build_record, make_earner
from tests.support.issuer import EARNER_EMAIL

pytestmark = pytest.mark.django_db


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# A run of one byte: compressed about 1,000 times.
BOMB = {"manifest.json": b"{}", "credentials/0001-a.json": b" " * (3 * 1024 * 1024)}


@pytest.fixture
def earner(db):
    return make_earner(EARNER_EMAIL)


def test_a_restore_refuses_what_the_bulk_import_refuses_as_a_zip_bomb(earner) -> None:
    data = _zip(BOMB)

    with pytest.raises(archives.ArchiveRefused, match="compressed more than 200 times"):
        zips.inspect_zip(data)
    with pytest.raises(RestoreRefused, match="compressed more than 200 times"):
        portability.export_restore(owner=earner, data=data)


@override_settings(SATCHEL_MAX_ZIP_UNCOMPRESSED_BYTES=4096)
def test_a_restore_refuses_an_archive_that_unpacks_beyond_the_one_cap(earner) -> None:
    data = _zip({"manifest.json": b"{}", "credentials/0001-a.json": b"x" * 5000})

    with pytest.raises(RestoreRefused, match="unpacks to more than 4096 bytes"):
        portability.export_restore(owner=earner, data=data)


def test_a_restore_refuses_an_archive_with_more_members_than_the_guard_takes(
    earner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archives, "MAX_MEMBERS", 2)
    data = _zip({"manifest.json": b"{}", "a.json": b"{}", "b.json": b"{}"})

    with pytest.raises(RestoreRefused, match="more than 2 files"):
        portability.export_restore(owner=earner, data=data)


@override_settings(SATCHEL_MAX_ZIP_BYTES=2048)
def test_a_restore_refuses_a_file_larger_than_the_archive_cap(earner) -> None:
    with pytest.raises(RestoreRefused, match="larger than"):
        portability.export_restore(owner=earner, data=b"PK" + b"\0" * 4096)


def test_an_export_of_a_record_passes_the_guard_it_is_restored_through(earner, issuer) -> None:
    build_record(earner, issuer)
    export = portability.export_archive(owner=earner, now=LATER)

    with archives.open_archive(export.data) as archive:
        members = archives.files(archive)
        assert archives.checked_members(members) == members
    ratios = [m.file_size / max(m.compress_size, 1) for m in members]
    assert max(ratios) < archives.MAX_RATIO / 4
